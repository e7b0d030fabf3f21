"""Grade a folder of submitted student notebooks against the instructor's copies.

    course grade SUBMISSIONS                          # SUBMISSIONS/<student>/NN_slug.ipynb
    course grade SUBMISSIONS --profile smoke --timeout 600 --out graded/

For every submission the grader builds the notebook to run from the instructor's copy in notebooks/: every
cell comes from the instructor (set-up, scaffolding, the public ``check`` cells, and the ``hidden-test`` cells
that the student copy never had), except the student's answer cells, matched by cell id, and any cells the
student added, which stay where the student put them. So editing a check cell or a set-up cell gains nothing,
and a deleted cell is restored (a deleted answer cell scores nothing).

The notebook then runs in a fresh kernel, in the chosen profile, with one time limit for the whole notebook
(not per cell): when it is reached, the kernel is stopped and every test not yet run scores zero. Errors do
not stop the run (a crash in exercise 1 does not cost exercise 2). A hidden-test cell that runs without an
error earns its ``metadata.course.points``.

Written into ``--out`` (default ``SUBMISSIONS-graded/``): ``gradebook.csv`` (student, notebook, exercise,
points, max_points, error), ``feedback/<student>.md`` to return to each student, and the executed notebooks
in ``executed/<student>/`` for the instructor to read.
"""

from __future__ import annotations

import argparse
import copy
import csv
import math
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_lib import config
from course_tools import student as student_lib
from course_tools.notebooks import environment, numbered_notebooks

#: Seconds one submission may run in the smoke profile unless ``--timeout`` says otherwise: about four times
#: the longest smoke notebook with a warm checkpoint cache, so a slow solution passes and a hung one stops.
DEFAULT_TIMEOUT_S = 900
GRADEBOOK_COLUMNS = ["student", "notebook", "exercise", "points", "max_points", "error"]
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class ExerciseGrade:
    """One row of the gradebook; ``feedback`` lists what the student should read (check and test messages)."""

    student: str
    notebook: str
    exercise: int
    points: float
    max_points: float
    error: str = ""
    feedback: list[str] = field(default_factory=list)


@dataclass
class _Planned:
    """A cell of the notebook to run, and what it means for grading."""

    cell: nbformat.NotebookNode
    exercise: int | None = None
    role: str = ""          # "answer", "check", "test" or "" (anything else)
    points: float = 0.0


def _error_of(cell: nbformat.NotebookNode) -> str:
    """The cell's error as one line ("" when it ran cleanly)."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return _ANSI.sub("", f"{output.get('ename', 'Error')}: {output.get('evalue', '')}").strip()
    return ""


def plan(teacher: nbformat.NotebookNode, submission: nbformat.NotebookNode,
         name: str = "notebook") -> tuple[list[_Planned], dict[int, str]]:
    """The cells to run for one submission, and a note for each exercise whose answer cells are missing."""
    exercises = student_lib.check_exercises(teacher, name)
    role_of: dict[int, tuple[int, str]] = {}
    for ex in exercises:
        role_of.update({i: (ex.number, "answer") for i in ex.solution_indices})
        role_of.update({i: (ex.number, "check") for i in ex.check_indices})
        role_of.update({i: (ex.number, "test") for i in ex.test_indices})
    teacher_ids = {cell.get("id") for cell in teacher.cells}
    theirs = {cell.get("id"): cell for cell in submission.cells if cell.get("id") in teacher_ids}
    added: dict[str | None, list] = {}  # cells the student added, by the id of the known cell above them
    anchor = None
    for cell in submission.cells:
        if cell.get("id") in teacher_ids:
            anchor = cell.get("id")
        else:
            added.setdefault(anchor, []).append(cell)

    def fresh(cell, exercise=None, role="", pts=0.0):
        cell = copy.deepcopy(cell)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        return _Planned(cell, exercise, role, pts)

    planned = [fresh(c) for c in added.get(None, [])]
    missing: dict[int, str] = {}
    for i, cell in enumerate(teacher.cells):
        exercise, role = role_of.get(i, (None, ""))
        if role == "answer":
            if cell.cell_type != "code" and cell.get("id") not in theirs:
                continue  # a worked prose answer: the student copy never had it
            if cell.get("id") not in theirs:
                missing[exercise] = "the answer cell was deleted from the submission"
                continue
            planned.append(fresh(theirs[cell.get("id")], exercise, "answer"))
        else:
            planned.append(fresh(cell, exercise, role, student_lib.points(cell) if role == "test" else 0.0))
            if role == "test":  # nbgrader's grade-cell metadata: its scoring rule applies, its tools can read the copy
                planned[-1].cell.metadata["nbgrader"] = {
                    "grade": True, "solution": False, "locked": True, "points": student_lib.points(cell),
                    "grade_id": f"exercise{exercise}-test-{cell.get('id')}", "schema_version": 3}
        if cell.get("id") in theirs:
            planned += [fresh(c, exercise, "answer" if exercise else "") for c in added.get(cell.get("id"), [])]
    return planned, missing


def run_with_limit(nb: nbformat.NotebookNode, cwd: Path, limit_s: float, kernel_name: str = "python3") -> str:
    """Execute ``nb`` in place in a fresh kernel, giving all its cells together ``limit_s`` seconds.

    Cell errors are recorded in the outputs and do not stop the run. Returns why the run stopped early
    ("" when every cell ran): the time limit, or a kernel that died.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    client = NotebookClient(nb, timeout=max(1, math.ceil(limit_s)), kernel_name=kernel_name, allow_errors=True,
                            interrupt_on_timeout=False, shutdown_kernel="immediate",
                            resources={"metadata": {"path": str(cwd)}})
    with client.setup_kernel():
        deadline = time.monotonic() + limit_s
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                return f"the time limit of {limit_s:g} s for the whole notebook was reached"
            client.timeout = max(1, math.ceil(left))
            try:
                client.execute_cell(cell, index)
            except CellTimeoutError:
                return f"the time limit of {limit_s:g} s for the whole notebook was reached (in cell {index + 1})"
            except DeadKernelError:
                return f"the kernel died in cell {index + 1} (out of memory, or the code ended the process)"
            except RuntimeError as err:  # nbclient reports a kernel that died while replying this way too
                if "dead" in str(err).lower() or "died" in str(err).lower():
                    return f"the kernel died in cell {index + 1} (out of memory, or the code ended the process)"
                raise
    return ""


def grade_notebook(teacher_path: Path, submission_path: Path, student: str, limit_s: float,
                   executed_dir: Path | None = None) -> list[ExerciseGrade]:
    """The gradebook rows of one submission; never raises for a broken submission (it scores zero)."""
    try:
        from nbgrader.utils import determine_grade
    except ImportError as err:
        raise ImportError("course grade needs nbgrader: pip install -c constraints.txt -e '.[grade]'") from err
    teacher = nbformat.read(teacher_path, as_version=4)
    exercises = student_lib.check_exercises(teacher, teacher_path.name)
    maximum = {ex.number: sum(student_lib.points(teacher.cells[i]) for i in ex.test_indices) for ex in exercises}
    graded = [n for n in maximum if maximum[n] > 0]
    try:
        submission = nbformat.read(submission_path, as_version=4)
    except Exception as err:  # not JSON, not a notebook: the student still gets a row per exercise
        reason = f"the submission could not be read as a notebook ({type(err).__name__})"
        return [ExerciseGrade(student, teacher_path.stem, n, 0.0, maximum[n], reason, [reason]) for n in graded]
    planned, missing = plan(teacher, submission, teacher_path.name)
    nb = copy.deepcopy(teacher)
    nb.cells = [p.cell for p in planned]
    try:
        stopped = run_with_limit(nb, teacher_path.parent, limit_s)
    except Exception as err:  # the kernel would not start, or nbclient gave up: the submission still gets rows
        stopped = f"the notebook could not be run ({type(err).__name__}: {str(err)[:200]})"
    if executed_dir is not None:
        executed_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, executed_dir / teacher_path.name)
    rows = []
    for number in graded:
        mine = [p for p in planned if p.exercise == number]
        earned, answer_notes, test_notes, check_notes = 0.0, [], [], []
        for p in mine:
            ran = p.cell.get("execution_count") is not None or bool(p.cell.get("outputs"))
            error = _error_of(p.cell) if ran else ""
            if p.role == "answer" and p.cell.cell_type == "code" and error:
                answer_notes.append("not answered yet (the stub still raises NotImplementedError)"
                                    if error.startswith("NotImplementedError") else f"your answer raised {error}")
            elif p.role == "check" and error:
                check_notes.append(f"self-check: {error}")
            elif p.role == "test":
                score = float(determine_grade(p.cell)[0] or 0.0) if ran else 0.0
                earned += score
                if score < p.points:
                    why = error or "it wrote to stderr (a warning counts as a failure)" if score == 0 else \
                        f"partial credit {score:g} of {p.points:g}"
                    test_notes.append(f"a test failed: {why}" if ran else f"not graded: {stopped or 'not run'}")
        # not answered: the tests' and checks' NameErrors would only repeat that
        notes = ([missing[number]] if number in missing else []) + answer_notes[:1] + \
            ([] if answer_notes else test_notes + check_notes)
        full = earned == maximum[number]
        rows.append(ExerciseGrade(student, teacher_path.stem, number, earned, maximum[number],
                                  "" if full else (notes[0] if notes else "a test failed"), [] if full else notes))
    return rows


def feedback_markdown(student: str, rows: list[ExerciseGrade]) -> str:
    """The feedback file returned to one student: points per notebook and exercise, and what to look at."""
    lines = [f"# Feedback for {student}", ""]
    for notebook in dict.fromkeys(r.notebook for r in rows):
        mine = [r for r in rows if r.notebook == notebook]
        lines += [f"## {notebook}: {_pts(sum(r.points for r in mine))} / {_pts(sum(r.max_points for r in mine))} "
                  f"points", ""]
        for r in mine:
            verdict = "full marks" if r.points == r.max_points else "; ".join(dict.fromkeys(r.feedback)) or r.error
            lines.append(f"- Exercise {r.exercise}: {_pts(r.points)} / {_pts(r.max_points)} points. {verdict}")
        lines.append("")
    return "\n".join(lines)


def _pts(value: float) -> str:
    return f"{value:g}"


def grade_folder(submissions: Path, out: Path, notebooks_dir: Path | None = None, profile: str = "smoke",
                 limit_s: float = DEFAULT_TIMEOUT_S) -> list[ExerciseGrade]:
    """Grade ``submissions/<student>/NN_slug.ipynb`` for every student; write the gradebook and feedback."""
    profile = config.check_profile(profile)
    if limit_s <= 0:
        raise ValueError(f"the time limit must be positive, got {limit_s}")
    teachers = {p.name: p for p in numbered_notebooks(notebooks_dir)}
    students = sorted(p for p in Path(submissions).iterdir() if p.is_dir()) if Path(submissions).is_dir() else []
    if not students:
        raise ValueError(f"{submissions}: no student folders (expected {submissions}/<student>/NN_slug.ipynb)")
    rows: list[ExerciseGrade] = []
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="course-grade-reports-") as reports, \
            environment(COURSE_PROFILE=profile, COURSE_REPORTS_DIR=reports):
        for folder in students:
            mine: list[ExerciseGrade] = []
            for path in sorted(folder.glob("*.ipynb")):
                if path.name not in teachers:
                    print(f"{folder.name}: {path.name} is not a notebook of the course, skipped", file=sys.stderr)
                    continue
                started = time.perf_counter()
                mine += grade_notebook(teachers[path.name], path, folder.name, limit_s,
                                       out / "executed" / folder.name)
                got = [r for r in mine if r.notebook == path.stem]
                print(f"{folder.name} {path.stem}: {_pts(sum(r.points for r in got))} / "
                      f"{_pts(sum(r.max_points for r in got))} points ({time.perf_counter() - started:.0f} s)",
                      flush=True)
            (out / "feedback").mkdir(exist_ok=True)
            (out / "feedback" / f"{folder.name}.md").write_text(feedback_markdown(folder.name, mine), encoding="utf-8")
            rows += mine
    with open(out / "gradebook.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(GRADEBOOK_COLUMNS)
        for r in rows:
            writer.writerow([r.student, r.notebook, r.exercise, _pts(r.points), _pts(r.max_points), r.error])
    return rows


def main(argv: list[str] | None = None) -> int:
    """`course grade`: 0 when every submission was graded (whatever its score), 2 for a usage error."""
    parser = argparse.ArgumentParser(prog="course grade", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", type=Path, help="a folder with one sub-folder of notebooks per student")
    parser.add_argument("--profile", default=os.environ.get("COURSE_PROFILE", "smoke"),
                        help="the profile the submissions run in (default: smoke)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S,
                        help=f"seconds one submitted notebook may run in all (default {DEFAULT_TIMEOUT_S})")
    parser.add_argument("--out", type=Path, default=None, help="where to write (default: SUBMISSIONS-graded/)")
    parser.add_argument("--notebooks", type=Path, default=None, help="the instructor's notebooks (default: notebooks/)")
    args = parser.parse_args(argv)
    out = args.out or args.submissions.with_name(args.submissions.name + "-graded")
    try:
        rows = grade_folder(args.submissions, out, args.notebooks, args.profile, args.timeout)
    except ValueError as err:  # config.ProfileError included
        parser.error(str(err))
    except ImportError as err:
        print(err, file=sys.stderr)
        return 1
    print(f"graded {len({r.student for r in rows})} students: {out / 'gradebook.csv'}, feedback in {out / 'feedback'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
