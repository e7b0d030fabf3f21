"""`course grade`: submissions are run against the instructor's copy, and each gets exactly the points it earned.

A small synthetic assignment (three exercises worth 2, 1 and 3 points) stands in for the course notebooks, so
that each simulated submission runs in a second or two: the worked solutions pasted back (full marks), one wrong
answer, untouched stubs, an edited check cell, an endless loop, a crash, deleted cells and a corrupt file.
These run one kernel each (marked slow: `make test` and CI run them, `course unit` leaves them out).
"""

from __future__ import annotations

import copy
import csv

import nbformat
import pytest

from course_tools import grade, student

LIMIT_S = 6  # per submission; every honest toy submission finishes in about a second


def teacher_notebook() -> nbformat.NotebookNode:
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell

    def hidden(source, pts):
        return code(source, metadata={"tags": ["hidden-test"], "course": {"points": pts}})

    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [
        md("# 98 · Toy assignment\n\n**Learning objectives**\n- double;\n- add and multiply."),
        code("import numpy as np\nvalues = np.arange(5)"),
        md("**Exercise 1.** Double the values.", metadata={"tags": ["exercise"]}),
        code("scale = 2\n### BEGIN SOLUTION\ndoubled = values * scale\n### END SOLUTION\nprint(doubled)",
             metadata={"tags": ["solution"]}),
        code("from course_lib import checks\nchecks.check_close('doubled', doubled, [0, 2, 4, 6, 8], "
             "hint='multiply values by scale')", metadata={"tags": ["check"]}),
        hidden("assert list(doubled) == [0, 2, 4, 6, 8], 'doubled is not values times scale'", 2),
        md("**Exercise 2.** Add them up.", metadata={"tags": ["exercise"]}),
        code("total = int(values.sum())", metadata={"tags": ["solution"]}),
        code("from course_lib import checks\nchecks.check_close('total', total, 10, hint='add up all of values')",
             metadata={"tags": ["check"]}),
        hidden("assert total == 10, 'total is not the sum of values'", 1),
        md("**Exercise 3.** Multiply all values but the first.", metadata={"tags": ["exercise"]}),
        code("product = int(np.prod(values[1:]))", metadata={"tags": ["solution"]}),
        hidden("assert product == 24, 'product is not 1 * 2 * 3 * 4'", 3),
    ]
    return nb


def answer(pupil, teacher, exercise: int, source: str | None = None) -> None:
    """Write the answer of one exercise into the student copy: the worked solution, or ``source``."""
    ex = student.check_exercises(teacher)[exercise - 1]
    ids = {teacher.cells[i].id: teacher.cells[i].source for i in ex.solution_indices}
    for cell in pupil.cells:
        if cell.id in ids:
            cell.source = ids[cell.id] if source is None else source


def cell_with(nb, text: str):
    return next(c for c in nb.cells if text in c.source)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    (root / "notebooks").mkdir()
    teacher = teacher_notebook()
    nbformat.write(teacher, root / "notebooks" / "98_toy.ipynb")
    stubs = student.make_student(teacher, "98_toy.ipynb")

    def full():
        pupil = copy.deepcopy(stubs)
        for number in (1, 2, 3):
            answer(pupil, teacher, number)
        return pupil

    submissions = {"a-full": full(), "b-stubs": copy.deepcopy(stubs)}
    submissions["c-wrong"] = full()
    answer(submissions["c-wrong"], teacher, 2, "total = int(values.sum()) + 1")
    cheat = copy.deepcopy(stubs)  # leaves the stubs, defines the answers in the check cells instead
    cell_with(cheat, "checks.check_close('doubled'").source = "doubled = values * 2\nprint('OK: all right')"
    cell_with(cheat, "checks.check_close('total'").source = "total = 10\nprint('OK: all right')"
    submissions["d-cheat"] = cheat
    submissions["e-loop"] = full()
    answer(submissions["e-loop"], teacher, 2, "while True:\n    pass")
    submissions["f-crash"] = full()
    answer(submissions["f-crash"], teacher, 3, "import os\nos._exit(1)")
    deleter = full()  # deletes exercise 3's answer and exercise 1's check, adds a cell of its own
    deleter.cells = [c for c in deleter.cells if "product" not in c.source and "check_close('doubled'" not in c.source]
    deleter.cells.insert(4, nbformat.v4.new_code_cell("note = 'my own scratch cell'"))
    submissions["g-deleter"] = deleter
    for name, nb in submissions.items():
        (root / "submissions" / name).mkdir(parents=True)
        nbformat.write(nb, root / "submissions" / name / "98_toy.ipynb")
    (root / "submissions" / "h-corrupt").mkdir()
    (root / "submissions" / "h-corrupt" / "98_toy.ipynb").write_text("{ not a notebook")
    out = root / "graded"
    grade.grade_folder(root / "submissions", out, root / "notebooks", "smoke", LIMIT_S)
    with open(out / "gradebook.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return out, rows


def points(rows, who: str) -> list[float]:
    return [float(r["points"]) for r in rows if r["student"] == who]


@pytest.mark.slow  # one kernel per submission: about 25 s for the eight, under load
@pytest.mark.parametrize("who, expected", [
    ("a-full", [2, 1, 3]),      # the worked solutions pasted back: full marks
    ("b-stubs", [0, 0, 0]),     # nothing answered
    ("c-wrong", [2, 0, 3]),     # one wrong answer: partial marks
    ("d-cheat", [0, 0, 0]),     # the edited check cells are replaced by the instructor's
    ("e-loop", [2, 0, 0]),      # cut off in exercise 2: what came before counts, the rest scores zero
    ("f-crash", [2, 1, 0]),     # the kernel dies in exercise 3
    ("g-deleter", [2, 1, 0]),   # a deleted check is restored, a deleted answer scores zero
    ("h-corrupt", [0, 0, 0]),   # not even a notebook: graded, not fatal
])
def test_each_submission_gets_exactly_the_points_it_earned(graded, who, expected):
    out, rows = graded
    assert points(rows, who) == expected
    assert [float(r["max_points"]) for r in rows if r["student"] == who] == [2, 1, 3]
    assert [int(r["exercise"]) for r in rows if r["student"] == who] == [1, 2, 3]
    assert (out / "feedback" / f"{who}.md").is_file()


@pytest.mark.slow
def test_gradebook_and_feedback_say_what_went_wrong(graded):
    out, rows = graded
    assert list(rows[0]) == grade.GRADEBOOK_COLUMNS
    error = {(r["student"], r["exercise"]): r["error"] for r in rows}
    assert error[("a-full", "1")] == error[("a-full", "2")] == error[("a-full", "3")] == ""
    assert "total is not the sum of values" in error[("c-wrong", "2")]
    assert "not answered yet" in error[("b-stubs", "1")]
    assert "time limit" in error[("e-loop", "2")] and "time limit" in error[("e-loop", "3")]
    assert "kernel died" in error[("f-crash", "3")]
    assert "deleted" in error[("g-deleter", "3")]
    assert "could not be read" in error[("h-corrupt", "1")]
    wrong = (out / "feedback" / "c-wrong.md").read_text()
    assert "## 98_toy: 5 / 6 points" in wrong
    assert "Exercise 2: 0 / 1 points" in wrong and "total is not the sum of values" in wrong
    assert "Exercise 1: 2 / 2 points. full marks" in wrong
    assert "Not yet: `total`" in wrong  # the self-check's own words reach the student
    assert (out / "executed" / "a-full" / "98_toy.ipynb").is_file()


def test_the_plan_takes_every_cell_but_the_answers_from_the_instructor():
    teacher = teacher_notebook()
    pupil = student.make_student(teacher, "98_toy.ipynb")
    cell_with(pupil, "values = np.arange(5)").source = "values = np.arange(50)"   # edits the set-up
    cell_with(pupil, "check_close('total'").source = "total = 10"                 # edits a check
    pupil.cells.insert(3, nbformat.v4.new_code_cell("extra = 1"))                  # adds a cell
    planned, missing = grade.plan(teacher, pupil)
    sources = [p.cell.source for p in planned]
    assert "values = np.arange(50)" not in sources and "import numpy as np\nvalues = np.arange(5)" in sources
    assert "total = 10" not in sources and any("check_close('total'" in s for s in sources)
    assert sources.index("extra = 1") == 3  # after the exercise text it followed
    assert [p.points for p in planned if p.role == "test"] == [2, 1, 3]
    assert not missing
    assert all("NotImplementedError" in p.cell.source for p in planned if p.role == "answer")


def test_usage_errors_are_clear(tmp_path):
    with pytest.raises(ValueError, match="no student folders"):
        grade.grade_folder(tmp_path, tmp_path / "out")
    with pytest.raises(ValueError, match="time limit must be positive"):
        grade.grade_folder(tmp_path, tmp_path / "out", limit_s=0)
