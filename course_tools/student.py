"""Generate the student version of every notebook from the single-source teacher notebook.

    course student                   # all numbered notebooks -> student/
    course student 01 03 --out DIR   # only some, elsewhere

Exercise convention (one source of truth; nbgrader's markers, so nbgrader can read the teacher notebook too):
- a markdown cell tagged ``exercise`` states one task;
- the cell(s) right after it tagged ``solution`` hold the worked solution (code and/or markdown). Inside a
  solution cell, ``### BEGIN SOLUTION`` / ``### END SOLUTION`` lines mark the part a student writes; the lines
  around them (set-up, plotting) stay in the student version. A solution cell without markers is all answer;
- after the solution cells, cells tagged ``check`` hold public self-checks (``course_lib.checks``): they stay
  in the student version, so a student can run them on an answer;
- cells tagged ``hidden-test`` hold the instructor's tests, worth ``metadata.course.points`` points; they are
  left out of the student version and run by ``course grade``.

The student version is the same notebook with
- every code solution cell without markers replaced by a stub that raises ``NotImplementedError`` with a hint,
  and every marked region replaced by the same stub, indented like the region (both tagged
  ``raises-exception``, so nbval/nbclient treat the error as expected);
- every markdown/raw solution cell removed (a marked region in one becomes "YOUR ANSWER HERE");
- every hidden-test cell removed;
- everything else identical (same cells, sources, ids, tags and order).

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
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_lib import config
from course_tools.notebooks import numbered_notebooks

EXERCISE_TAG = "exercise"
SOLUTION_TAG = "solution"
CHECK_TAG = "check"
HIDDEN_TEST_TAG = "hidden-test"
STUB_TAG = "exercise-stub"
RAISES_TAG = "raises-exception"  # nbval's and nbclient's tag for "this cell is expected to raise"
HINT_PREFIX = "# hint:"
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"  # nbgrader's markers
TEXT_STUB = "YOUR ANSWER HERE"  # nbgrader's stub for a written answer
MIN_EXERCISES, MAX_EXERCISES = 2, 4

DEFAULT_OUT = config.REPO_ROOT / "student"


class ExerciseError(ValueError):
    """A notebook whose exercises do not follow the convention (missing, unsolved, orphan solutions)."""


@dataclass
class Exercise:
    """One exercise: its task cell and the indices of its solution, check and hidden-test cells."""

    number: int
    task_index: int
    solution_indices: list[int] = field(default_factory=list)
    check_indices: list[int] = field(default_factory=list)
    test_indices: list[int] = field(default_factory=list)


def tags(cell) -> list[str]:
    """The cell's tags (an empty list when it has none)."""
    return list(cell.get("metadata", {}).get("tags", []))


def points(cell) -> float:
    """The points a hidden-test cell is worth (``metadata.course.points``)."""
    return float(cell.get("metadata", {}).get("course", {}).get("points", 0))


_BLOCK_TAGS = {SOLUTION_TAG: "solution_indices", CHECK_TAG: "check_indices", HIDDEN_TEST_TAG: "test_indices"}


def find_exercises(nb: nbformat.NotebookNode, name: str = "notebook") -> list[Exercise]:
    """The exercises of ``nb`` in order; raises ExerciseError if the tags break the convention.

    A solution, check or hidden-test cell belongs to the nearest exercise above it; only such cells may stand
    between an exercise and the end of its block (a plain cell ends it). Marked regions are checked here too.
    """
    exercises: list[Exercise] = []
    current: Exercise | None = None
    for i, cell in enumerate(nb.cells):
        cell_tags = tags(cell)
        roles = [t for t in (EXERCISE_TAG, *_BLOCK_TAGS) if t in cell_tags]
        if len(roles) > 1:
            raise ExerciseError(f"{name}: cell {i} is tagged both {roles[0]!r} and {roles[1]!r}; choose one")
        if BEGIN_SOLUTION in cell.source and SOLUTION_TAG not in cell_tags:
            raise ExerciseError(f"{name}: cell {i} has a {BEGIN_SOLUTION!r} region but is not tagged "
                                f"{SOLUTION_TAG!r}; regions belong in solution cells")
        if EXERCISE_TAG in cell_tags:
            if cell.cell_type != "markdown":
                raise ExerciseError(f"{name}: cell {i} is tagged {EXERCISE_TAG!r} but is a {cell.cell_type} cell; "
                                    f"state the task in a markdown cell")
            current = Exercise(number=len(exercises) + 1, task_index=i)
            exercises.append(current)
        elif roles:
            role = roles[0]
            if current is None:
                raise ExerciseError(f"{name}: cell {i} is tagged {role!r} but no {EXERCISE_TAG!r} markdown "
                                    f"cell comes directly before it")
            if role != SOLUTION_TAG and cell.cell_type != "code":
                raise ExerciseError(f"{name}: cell {i} is tagged {role!r} but is a {cell.cell_type} cell; "
                                    f"checks and tests are code")
            if role == HIDDEN_TEST_TAG and points(cell) <= 0:
                raise ExerciseError(f"{name}: hidden-test cell {i} has no points: set metadata "
                                    f'{{"course": {{"points": N}}}} with N > 0')
            if role == SOLUTION_TAG:
                solution_regions(cell.source, f"{name}: cell {i}")  # raises on unbalanced markers
            getattr(current, _BLOCK_TAGS[role]).append(i)
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


def solution_regions(source: str, where: str = "cell") -> list[tuple[int, int]]:
    """(begin, end) line numbers of each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region of ``source``."""
    regions, begin = [], None
    for n, line in enumerate(source.splitlines()):
        if line.strip() == BEGIN_SOLUTION:
            if begin is not None:
                raise ExerciseError(f"{where}: {BEGIN_SOLUTION!r} on line {n + 1} inside another region")
            begin = n
        elif line.strip() == END_SOLUTION:
            if begin is None:
                raise ExerciseError(f"{where}: {END_SOLUTION!r} on line {n + 1} without a {BEGIN_SOLUTION!r}")
            regions.append((begin, n))
            begin = None
        elif BEGIN_SOLUTION.strip("# ") in line or END_SOLUTION.strip("# ") in line:
            raise ExerciseError(f"{where}: line {n + 1} mentions a solution marker; write it alone on its line, "
                                f"exactly {BEGIN_SOLUTION!r} or {END_SOLUTION!r}")
    if begin is not None:
        raise ExerciseError(f"{where}: {BEGIN_SOLUTION!r} on line {begin + 1} has no {END_SOLUTION!r}")
    return regions


def answer_text(source: str) -> str:
    """What the student writes: the regions' lines, or the whole source when it has no regions."""
    regions = solution_regions(source)
    if not regions:
        return source
    lines = source.splitlines()
    return "\n".join(textwrap.dedent("\n".join(lines[b + 1:e])) for b, e in regions)


def called_names(source: str, limit: int = 6, context: str = "") -> list[str]:
    """Dotted names of the functions a piece of code calls, in order of first use (for automatic hints).

    Calls on names the code itself assigns (``probe.score`` after ``probe = ...``) and method calls on
    expressions are left out: they name the solution's own variables, which helps nobody. ``context`` is the
    code around a marked region, whose variables count as the solution's own too.
    """
    try:
        tree = ast.parse(source)
        around = ast.parse(context) if context else None
    except SyntaxError:
        return []
    assigned: set[str] = set()
    for part in filter(None, (tree, around)):
        assigned |= {n.id for n in ast.walk(part) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        assigned |= {n.name for n in ast.walk(part) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
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


def hint_lines(solution_source: str, context: str = "") -> list[str]:
    """The ``# Hint:`` lines the author wrote in a solution, or one automatic hint (``context``: see called_names)."""
    written = [line.strip() for line in solution_source.splitlines() if line.strip().lower().startswith(HINT_PREFIX)]
    if written:
        return written
    names = called_names(solution_source, context=context)
    if names:
        return ["# Hint: the worked solution uses " + ", ".join(f"`{n}`" for n in names) + "."]
    return ["# Hint: everything you need is defined in the cells above."]


def stub_source(exercise: int, part: int, parts: int, solution_source: str, context: str = "") -> str:
    """The code a student sees instead of a worked solution: a hint and a NotImplementedError."""
    label = f"Exercise {exercise}" + (f" (part {part} of {parts})" if parts > 1 else "")
    hints = hint_lines(solution_source, context)
    message = f"{label}: replace this line with your solution. {hints[0][2:].strip()}"
    return "\n".join([f"# {label}: write your solution here, then run the cell.", *hints,
                      f"raise NotImplementedError({message!r})"]) + "\n"


def replace_regions(source: str, stub: str) -> str:
    """``source`` with each marked region replaced by ``stub``, indented like the region's BEGIN line."""
    lines = source.splitlines()
    out, end = [], -1
    for begin, stop in solution_regions(source):
        out += lines[end + 1:begin]
        indent = re.match(r"\s*", lines[begin]).group(0)
        out += [indent + line if line else line for line in stub.rstrip("\n").splitlines()]
        end = stop
    out += lines[end + 1:]
    return "\n".join(out) + ("\n" if source.endswith("\n") else "")


def make_student(nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """The student version of a teacher notebook (a new object; ``nb`` is not changed)."""
    exercises = check_exercises(nb, name)
    owner = {i: ex for ex in exercises for i in ex.solution_indices}
    hidden = {i for ex in exercises for i in ex.test_indices}
    out = copy.deepcopy(nb)
    cells = []
    for i, cell in enumerate(out.cells):
        if i in hidden:
            continue
        if i not in owner:
            cells.append(cell)
            continue
        has_regions = bool(solution_regions(cell.source))
        if cell.cell_type != "code":
            if has_regions:  # a written answer inside a given frame: keep the frame
                cell.source = replace_regions(cell.source, TEXT_STUB)
                cell.metadata["tags"] = [t for t in tags(cell) if t != SOLUTION_TAG] + [STUB_TAG]
                cells.append(cell)
            continue  # solution prose is removed
        ex = owner[i]
        code_indices = [j for j in ex.solution_indices if nb.cells[j].cell_type == "code"]
        stub = stub_source(ex.number, code_indices.index(i) + 1, len(code_indices), answer_text(nb.cells[i].source),
                           context=replace_regions(nb.cells[i].source, "pass") if has_regions else "")
        cell.source = replace_regions(cell.source, stub) if has_regions else stub
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
