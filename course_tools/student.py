"""Generate the student version of every notebook from the single-source teacher notebook.

    course student                   # all numbered notebooks -> student/
    course student 01 03 --out DIR   # only some, elsewhere

Exercise convention (one source of truth, nbgrader/Neuromatch style):
- a markdown cell tagged ``exercise`` states one task;
- the cell(s) right after it tagged ``solution`` hold the worked solution (code and/or markdown).

The student version is the same notebook with
- every *code* solution cell replaced by a stub that raises ``NotImplementedError`` with a hint (tagged
  ``raises-exception`` so nbval/nbclient treat the error as expected),
- every *markdown/raw* solution cell removed,
- everything else identical (same cells, sources, tags and order).

Why generated and not hand-maintained: two copies of a notebook drift apart after the first edit.

Hints: lines of a solution that start with ``# Hint:`` are kept in the stub (write them when the automatic
hint is not the right one); otherwise the hint names the functions the worked solution calls, which tells
a student where to look without giving the answer away.

Student notebooks go to ``student/`` at the repository root (git-ignored, not committed): a sibling of
``notebooks/``, so relative paths in a notebook mean the same in both places.
"""

from __future__ import annotations

import argparse
import ast
import copy
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_lib import config
from course_tools.notebooks import numbered_notebooks

EXERCISE_TAG = "exercise"
SOLUTION_TAG = "solution"
STUB_TAG = "exercise-stub"
RAISES_TAG = "raises-exception"  # nbval's and nbclient's tag for "this cell is expected to raise"
HINT_PREFIX = "# hint:"
MIN_EXERCISES, MAX_EXERCISES = 2, 4

DEFAULT_OUT = config.REPO_ROOT / "student"


class ExerciseError(ValueError):
    """A notebook whose exercises do not follow the convention (missing, unsolved, orphan solutions)."""


@dataclass
class Exercise:
    """One exercise: its task cell and the indices of its solution cells in the teacher notebook."""

    number: int
    task_index: int
    solution_indices: list[int] = field(default_factory=list)


def tags(cell) -> list[str]:
    """The cell's tags (an empty list when it has none)."""
    return list(cell.get("metadata", {}).get("tags", []))


def find_exercises(nb: nbformat.NotebookNode, name: str = "notebook") -> list[Exercise]:
    """The exercises of ``nb`` in order; raises ExerciseError if the tags break the convention.

    A solution cell belongs to the nearest exercise above it; only solution cells may stand between an
    exercise and its solution cells' end (a plain cell ends the solution block).
    """
    exercises: list[Exercise] = []
    current: Exercise | None = None
    for i, cell in enumerate(nb.cells):
        cell_tags = tags(cell)
        if EXERCISE_TAG in cell_tags and SOLUTION_TAG in cell_tags:
            raise ExerciseError(f"{name}: cell {i} is tagged both {EXERCISE_TAG!r} and {SOLUTION_TAG!r}; choose one")
        if EXERCISE_TAG in cell_tags:
            if cell.cell_type != "markdown":
                raise ExerciseError(f"{name}: cell {i} is tagged {EXERCISE_TAG!r} but is a {cell.cell_type} cell; "
                                    f"state the task in a markdown cell")
            current = Exercise(number=len(exercises) + 1, task_index=i)
            exercises.append(current)
        elif SOLUTION_TAG in cell_tags:
            if current is None:
                raise ExerciseError(f"{name}: cell {i} is tagged {SOLUTION_TAG!r} but no {EXERCISE_TAG!r} markdown "
                                    f"cell comes directly before it")
            current.solution_indices.append(i)
        else:
            current = None
    for ex in exercises:
        if not ex.solution_indices:
            raise ExerciseError(f"{name}: exercise {ex.number} (cell {ex.task_index}) has no worked solution: add "
                                f"the solution in the cell(s) right after it, tagged {SOLUTION_TAG!r}")
    return exercises


def check_exercises(nb: nbformat.NotebookNode, name: str = "notebook") -> list[Exercise]:
    """Like :func:`find_exercises`, and also require 2-4 exercises with at least one code solution in all."""
    exercises = find_exercises(nb, name)
    if not exercises:
        raise ExerciseError(
            f"{name} has no exercises: end it with {MIN_EXERCISES}-{MAX_EXERCISES} markdown cells tagged "
            f"{EXERCISE_TAG!r}, each followed by its worked solution in cells tagged {SOLUTION_TAG!r}"
        )
    if not MIN_EXERCISES <= len(exercises) <= MAX_EXERCISES:
        raise ExerciseError(f"{name} has {len(exercises)} exercises; the course asks for "
                            f"{MIN_EXERCISES}-{MAX_EXERCISES} of graded difficulty")
    return exercises


def called_names(source: str, limit: int = 6) -> list[str]:
    """Dotted names of the functions a piece of code calls, in order of first use (for automatic hints).

    Calls on names the code itself assigns (``probe.score`` after ``probe = ...``) and method calls on
    expressions are left out: they name the solution's own variables, which helps nobody.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    assigned = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    assigned |= {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    found: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        parts, target = [], node.func
        while isinstance(target, ast.Attribute):
            parts.append(target.attr)
            target = target.value
        if isinstance(target, ast.Name) and target.id not in assigned:
            parts.append(target.id)
            found.append((node.lineno, node.col_offset, ".".join(reversed(parts))))
    names: list[str] = []
    for _, _, dotted in sorted(found):
        if dotted not in names and dotted not in _TOO_COMMON:
            names.append(dotted)
    return names[:limit]


_TOO_COMMON = {"print", "round", "len", "range", "float", "int", "str", "list", "tuple", "set", "sorted", "dict",
               "zip", "min", "max", "sum", "enumerate", "abs", "isinstance"}


def hint_lines(solution_source: str) -> list[str]:
    """The ``# Hint:`` lines the author wrote in a solution, or one automatic hint."""
    written = [line.strip() for line in solution_source.splitlines() if line.strip().lower().startswith(HINT_PREFIX)]
    if written:
        return written
    names = called_names(solution_source)
    if names:
        return ["# Hint: the worked solution uses " + ", ".join(f"`{n}`" for n in names) + "."]
    return ["# Hint: everything you need is defined in the cells above."]


def stub_source(exercise: int, part: int, parts: int, solution_source: str) -> str:
    """The code a student sees instead of a worked solution: a hint and a NotImplementedError."""
    label = f"Exercise {exercise}" + (f" (part {part} of {parts})" if parts > 1 else "")
    hints = hint_lines(solution_source)
    message = f"{label}: replace this line with your solution. {hints[0][2:].strip()}"
    return "\n".join([f"# {label}: write your solution here, then run the cell.", *hints,
                      f"raise NotImplementedError({message!r})"]) + "\n"


def make_student(nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """The student version of a teacher notebook (a new object; ``nb`` is not changed)."""
    exercises = check_exercises(nb, name)
    owner = {i: (ex, ex.solution_indices) for ex in exercises for i in ex.solution_indices}
    out = copy.deepcopy(nb)
    cells = []
    for i, cell in enumerate(out.cells):
        if i not in owner:
            cells.append(cell)
            continue
        if cell.cell_type != "code":
            continue  # solution prose is removed
        ex, indices = owner[i]
        code_indices = [j for j in indices if nb.cells[j].cell_type == "code"]
        part = code_indices.index(i) + 1
        cell.source = stub_source(ex.number, part, len(code_indices), nb.cells[i].source)
        cell.outputs, cell.execution_count = [], None
        cell.metadata["tags"] = [t for t in tags(cell) if t != SOLUTION_TAG] + [STUB_TAG, RAISES_TAG]
        cells.append(cell)
    out.cells = cells
    out.metadata.setdefault("course", {})["student_version_of"] = name
    return out


def generate(paths: list[Path], out_dir: Path = DEFAULT_OUT) -> tuple[list[Path], dict[str, str]]:
    """Write the student version of each notebook into ``out_dir``; returns (written, errors by name)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written, errors = [], {}
    for path in paths:
        try:
            student = make_student(nbformat.read(path, as_version=4), path.name)
        except ExerciseError as err:
            errors[path.name] = str(err)
            continue
        target = out_dir / path.name
        nbformat.write(student, target)
        written.append(target)
    return written, errors


def main(argv: list[str] | None = None) -> int:
    """`course student`: 0 when every student notebook was written, else 1."""
    parser = argparse.ArgumentParser(prog="course student", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: student/)")
    parser.add_argument("prefixes", nargs="*", help="only notebooks whose names start with these, e.g. 01 03")
    args = parser.parse_args(argv)
    paths = numbered_notebooks(prefixes=args.prefixes)
    if not paths:
        print("no numbered notebooks matched", file=sys.stderr)
        return 1
    written, errors = generate(paths, args.out)
    for path in written:
        print(f"wrote {path}")
    for name, message in errors.items():
        print(f"SKIPPED {name}: {message}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
