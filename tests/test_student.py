"""Student notebooks: generated from the single-source notebooks, stubs for solutions, nothing else changed.

Checked on a generated toy notebook (every rule, in seconds) and on every numbered notebook of the course
(each has 2-4 exercises; its student version has a stub for every code solution, no solution text, and runs
its setup from a sibling folder of notebooks/ in the smoke profile, where each stub raises NotImplementedError).
Everything is written to temporary folders; `course student` writes student/.
"""

from __future__ import annotations

import ast
import os
import textwrap

import nbformat
import pytest

from course_lib import config
from course_tools import student
from course_tools.notebooks import numbered_notebooks

NOTEBOOKS = numbered_notebooks()
IDS = [p.stem for p in NOTEBOOKS]


def toy_notebook() -> nbformat.NotebookNode:
    """Setup, a section, then two exercises: one code solution, one prose + two-part code solution."""
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [
        md("# 99 · Toy notebook\n\n**Learning objectives**\n- add numbers;\n- multiply them.\n"),
        code("import numpy as np\nvalues = np.arange(5)\nprint(values.sum())"),
        md("## Exercises", metadata={"tags": ["exercise"]}),
        code("total = int(np.sum(values))  # SECRET_SOLUTION_ONE\nprint(total)", metadata={"tags": ["solution"]}),
        md("**Exercise 2.** Multiply, then explain.", metadata={"tags": ["exercise"]}),
        md("The product is zero because SECRET_PROSE_LINE contains a zero.", metadata={"tags": ["solution"]}),
        code("# Hint: use np.prod on a slice.\nproduct = np.prod(values[1:])  # SECRET_TWO", metadata={"tags": ["solution"]}),
        code("assert product == 24  # SECRET_THREE", metadata={"tags": ["solution"]}),
    ]
    return nb


def toy_with_regions() -> nbformat.NotebookNode:
    """The toy notebook plus a third exercise whose answer sits inside scaffolding, a check and a hidden test."""
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb = toy_notebook()
    nb.cells += [
        md("**Exercise 3.** Scale each value inside the loop, then describe the curve.", metadata={"tags": ["exercise"]}),
        code("scaled = []\nfor v in values:\n    ### BEGIN SOLUTION\n    scaled.append(np.sqrt(v) * 3)  # SECRET_REGION\n"
             "    ### END SOLUTION\nprint(scaled)", metadata={"tags": ["solution"]}),
        md("The curve:\n### BEGIN SOLUTION\nit grows like a square root (SECRET_MARKDOWN_REGION).\n### END SOLUTION\n",
           metadata={"tags": ["solution"]}),
        code("from course_lib import checks\nchecks.check_shape('scaled', scaled, (5,))", metadata={"tags": ["check"]}),
        code("assert np.allclose(scaled, 3 * np.sqrt(values))", metadata={"tags": ["hidden-test"], "course": {"points": 2}}),
    ]
    return nb


def solution_lines(nb: nbformat.NotebookNode) -> set[str]:
    """Distinctive solution lines: long enough to mean something, not shared with a non-solution cell, and
    inside a marked region where the cell has regions (the lines around them are scaffolding for the student)."""
    shared = {ln.strip() for c in nb.cells if not {student.SOLUTION_TAG, student.HIDDEN_TEST_TAG} & set(student.tags(c))
              for ln in c.source.splitlines()}
    answers = [student.answer_text(c.source) for c in nb.cells if student.SOLUTION_TAG in student.tags(c)]
    hidden = [c.source for c in nb.cells if student.HIDDEN_TEST_TAG in student.tags(c)]
    return {
        ln.strip() for text in answers + hidden for ln in text.splitlines()
        if len(ln.strip()) >= 12 and ln.strip() not in shared and not ln.strip().lower().startswith(student.HINT_PREFIX)
        and not ln.strip().startswith("#")
    }


def assert_valid_student_version(teacher: nbformat.NotebookNode, pupil: nbformat.NotebookNode) -> None:
    exercises = student.check_exercises(teacher)
    solution_cells = {i for ex in exercises for i in ex.solution_indices}
    hidden_cells = {i for ex in exercises for i in ex.test_indices}
    code_solutions = [i for i in sorted(solution_cells) if teacher.cells[i].cell_type == "code"]
    stubs = [c for c in pupil.cells if student.STUB_TAG in student.tags(c) and c.cell_type == "code"]
    # every code solution has exactly one stub, in the same place, raising NotImplementedError
    assert len(stubs) == len(code_solutions)
    assert [c.id for c in stubs] == [teacher.cells[i].id for i in code_solutions]
    for stub in stubs:
        assert stub.cell_type == "code" and "raise NotImplementedError(" in stub.source and "# Hint:" in stub.source
        assert student.RAISES_TAG in student.tags(stub) and student.SOLUTION_TAG not in student.tags(stub)
        ast.parse(stub.source)  # a stub inside scaffolding is still Python
    # no solution text, marker or hidden test survives
    lines = {ln.strip() for c in pupil.cells for ln in c.source.splitlines()}
    leaked = sorted(solution_lines(teacher) & lines)
    assert not leaked, f"solution text in the student version: {leaked[:3]}"
    assert not any(student.BEGIN_SOLUTION in c.source or student.END_SOLUTION in c.source for c in pupil.cells)
    assert not any(set(student.tags(c)) & {student.SOLUTION_TAG, student.HIDDEN_TEST_TAG} for c in pupil.cells)
    # scaffolding around a region stays, line for line
    for i in code_solutions:
        source = teacher.cells[i].source
        if student.solution_regions(source):
            kept = [ln for n, ln in enumerate(source.splitlines())
                    if not any(b <= n <= e for b, e in student.solution_regions(source))]
            stub_lines = next(c for c in stubs if c.id == teacher.cells[i].id).source.splitlines()
            assert all(ln in stub_lines for ln in kept)
    # everything else identical, in the same order (the self-checks included)
    kept = [c for i, c in enumerate(teacher.cells) if i not in solution_cells | hidden_cells]
    others = [c for c in pupil.cells if student.STUB_TAG not in student.tags(c)]
    assert [(c.cell_type, c.source, c.metadata) for c in others] == [(c.cell_type, c.source, c.metadata) for c in kept]
    checks = [c.source for c in teacher.cells if student.CHECK_TAG in student.tags(c)]
    assert checks == [c.source for c in pupil.cells if student.CHECK_TAG in student.tags(c)]


# --- the rules, on a toy notebook -------------------------------------------------------------------------

def test_toy_student_version_follows_every_rule():
    teacher = toy_notebook()
    pupil = student.make_student(teacher, "99_toy.ipynb")
    assert_valid_student_version(teacher, pupil)
    assert len(pupil.cells) == len(teacher.cells) - 1  # the prose solution is gone
    assert "SECRET" not in "\n".join(c.source for c in pupil.cells)
    assert teacher.cells[3].source.startswith("total =")  # the teacher notebook is not modified


def test_stub_keeps_written_hints_and_numbers_parts():
    pupil = student.make_student(toy_notebook(), "99_toy.ipynb")
    stubs = [c.source for c in pupil.cells if student.STUB_TAG in student.tags(c)]
    assert "Exercise 1" in stubs[0] and "`np.sum`" in stubs[0]          # automatic hint: the functions used
    assert "Exercise 2 (part 1 of 2)" in stubs[1] and "# Hint: use np.prod on a slice." in stubs[1]
    assert "Exercise 2 (part 2 of 2)" in stubs[2]


def test_regions_keep_the_scaffolding_checks_stay_and_hidden_tests_go():
    teacher = toy_with_regions()
    pupil = student.make_student(teacher, "99_toy.ipynb")
    assert_valid_student_version(teacher, pupil)
    text = "\n".join(c.source for c in pupil.cells)
    assert "SECRET" not in text and "allclose" not in text and "hidden" not in text.lower()
    region_stub = next(c.source for c in pupil.cells if c.source.startswith("scaled = []"))
    assert region_stub.splitlines()[:2] == ["scaled = []", "for v in values:"]
    assert region_stub.splitlines()[-1] == "print(scaled)"
    assert "    raise NotImplementedError('Exercise 3 (part 1 of 1)" not in region_stub  # one code part: no numbering
    assert "    raise NotImplementedError('Exercise 3: replace this line" in region_stub
    assert "`np.sqrt`" in region_stub and "scaled.append" not in region_stub  # what the region calls, not scaffolding
    prose = next(c for c in pupil.cells if c.source.startswith("The curve:"))
    assert prose.source == "The curve:\nYOUR ANSWER HERE\n" and student.STUB_TAG in student.tags(prose)
    assert any(student.CHECK_TAG in student.tags(c) and "check_shape('scaled'" in c.source for c in pupil.cells)
    assert student.check_exercises(teacher)[2].test_indices == [len(teacher.cells) - 1]


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\nx = 1\n", "has no '### END SOLUTION'"),
    ("x = 1\n### END SOLUTION\n", "without a '### BEGIN SOLUTION'"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "inside another region"),
    ("x = 1  # BEGIN SOLUTION\n", "write it alone on its line"),
])
def test_broken_regions_are_reported_with_their_line(source, message):
    nb = toy_notebook()
    nb.cells[3].source = source
    with pytest.raises(student.ExerciseError, match=message):
        student.make_student(nb, "99_toy.ipynb")


def test_regions_checks_and_tests_must_sit_where_they_belong():
    nb = toy_with_regions()
    nb.cells[1].source += "\n### BEGIN SOLUTION\n### END SOLUTION"
    with pytest.raises(student.ExerciseError, match="cell 1 has a '### BEGIN SOLUTION' region but is not tagged"):
        student.make_student(nb, "99_toy.ipynb")
    nb = toy_with_regions()
    nb.cells[-1].metadata["course"] = {}
    with pytest.raises(student.ExerciseError, match="hidden-test cell 12 has no points"):
        student.make_student(nb, "99_toy.ipynb")
    nb = toy_with_regions()
    nb.cells.insert(1, nbformat.v4.new_code_cell("checks.check_that(True, 'x')", metadata={"tags": ["check"]}))
    with pytest.raises(student.ExerciseError, match="tagged 'check' but no 'exercise' markdown cell"):
        student.make_student(nb, "99_toy.ipynb")


def test_automatic_hint_names_library_calls_not_the_solutions_own_variables():
    names = student.called_names("probe = LogisticRegression().fit(x, y)\nscore = probe.score(x, y)\nprint(np.mean(x))")
    assert names == ["LogisticRegression", "np.mean"]
    assert student.called_names("this is not python (") == []


@pytest.mark.slow
def test_stubs_raise_not_implemented_error_and_the_rest_runs(tmp_path):
    """Execute the toy student notebook for real: plain cells run, every stub raises NotImplementedError."""
    from nbclient import NotebookClient

    pupil = student.make_student(toy_notebook(), "99_toy.ipynb")
    NotebookClient(pupil, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert pupil.cells[1].outputs[0]["text"].strip() == "10"
    stubs = [c for c in pupil.cells if student.STUB_TAG in student.tags(c)]
    assert [c.outputs[-1].get("ename") for c in stubs] == ["NotImplementedError"] * 3
    assert "Hint" in stubs[0].outputs[-1]["evalue"]


@pytest.mark.parametrize("mutate, message", [
    (lambda nb: nb.cells.__setitem__(slice(2, None), []), "has no exercises"),
    (lambda nb: nb.cells.__delitem__(3), "exercise 1 (cell 2) has no worked solution"),
    (lambda nb: nb.cells.insert(2, nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["solution"]})),
     "no 'exercise' markdown cell comes directly before it"),
    (lambda nb: nb.cells.extend([nbformat.v4.new_markdown_cell("more", metadata={"tags": ["exercise"]}),
                                 nbformat.v4.new_code_cell("y = 2", metadata={"tags": ["solution"]})] * 3),
     "has 5 exercises"),
    (lambda nb: nb.cells[2].metadata.__setitem__("tags", ["exercise", "solution"]), "tagged both"),
])
def test_broken_exercise_conventions_are_reported_clearly(mutate, message):
    nb = toy_notebook()
    mutate(nb)
    with pytest.raises(student.ExerciseError, match=message.replace("(", r"\(").replace(")", r"\)")):
        student.make_student(nb, "99_toy.ipynb")


def test_cli_generates_into_the_output_folder_and_fails_on_a_notebook_without_exercises(tmp_path, capsys):
    good, bad = tmp_path / "98_good.ipynb", tmp_path / "99_bad.ipynb"
    nbformat.write(toy_notebook(), good)
    no_exercises = toy_notebook()
    no_exercises.cells = no_exercises.cells[:2]
    nbformat.write(no_exercises, bad)
    written, errors = student.generate([good, bad], tmp_path / "student")
    assert written == [tmp_path / "student" / "98_good.ipynb"]
    assert "99_bad.ipynb has no exercises" in errors["99_bad.ipynb"]


# --- every notebook of the course -----------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_ends_with_exercises_and_worked_solutions(path):
    nb = nbformat.read(path, as_version=4)
    exercises = student.check_exercises(nb, path.name)  # raises with a message naming the notebook
    assert any(nb.cells[i].cell_type == "code" for ex in exercises for i in ex.solution_indices), \
        f"{path.name}: at least one exercise needs a code solution (so the student version has a stub to fill in)"


@pytest.fixture(scope="session")
def student_dir(tmp_path_factory):
    """Where the tests put the student notebooks: a temporary stand-in for student/."""
    return tmp_path_factory.mktemp("course") / "student"


@pytest.fixture(scope="session")
def generated(student_dir):
    """What `course student` does, into a temporary folder instead of student/."""
    return student.generate(NOTEBOOKS, student_dir)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_generated_student_notebook_is_valid(path, generated, student_dir):
    written, errors = generated
    assert path.name not in errors, errors.get(path.name)
    assert_valid_student_version(nbformat.read(path, as_version=4),
                                 nbformat.read(student_dir / path.name, as_version=4))


def setup_cells(cells: list) -> list:
    """The cells up to and including the setup cell (the first code cell that imports course_lib)."""
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and "from course_lib" in cell.source:
            return cells[: i + 1]
    raise AssertionError("no setup cell importing course_lib")


def stub_block(source: str) -> str:
    """The stub lines of a student cell (from its "write your solution here" line to its raise), dedented."""
    lines = source.splitlines()
    start = next(i for i, ln in enumerate(lines) if "write your solution here" in ln)
    end = next(i for i, ln in enumerate(lines) if i > start and ln.strip().startswith("raise NotImplementedError("))
    return textwrap.dedent("\n".join(lines[start:end + 1]))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_student_notebook_starts_and_its_stubs_raise(path, generated, student_dir, tmp_path, monkeypatch):
    """The student version, executed from student/ in the smoke profile: its setup cell finds course_lib and
    the data from there, and every stub raises NotImplementedError with its hint.

    Everything between the setup cell and the exercises is cell-for-cell the teacher notebook (checked by
    test_generated_student_notebook_is_valid), and nbval executes that, so it is not run a second time here:
    the suite has to stay fast. Each stub runs alone (without the scaffolding around a marked region), and raises
    on its first statement, so it needs nothing from those cells."""
    from nbclient import NotebookClient

    written, errors = generated
    if path.name in errors:
        pytest.fail(errors[path.name])
    pupil = nbformat.read(student_dir / path.name, as_version=4)
    first = next(i for i, c in enumerate(pupil.cells) if student.EXERCISE_TAG in student.tags(c))
    stubs = [c for c in pupil.cells[first:] if student.STUB_TAG in student.tags(c)]
    assert stubs, f"{path.name}: no stubs after the first exercise"
    for cell in stubs:  # a stub inside scaffolding: run the stub alone (nbval runs the scaffolding, in the teacher copy)
        cell.source = stub_block(cell.source)
    pupil.cells = setup_cells(pupil.cells[:first]) + stubs
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    monkeypatch.setenv("COURSE_REPORTS_DIR", str(tmp_path / "reports"))  # keep reports/smoke as nbval leaves it
    NotebookClient(pupil, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(student_dir)}}).execute()
    for cell in stubs:
        error = cell.outputs[-1] if cell.outputs else {}
        assert error.get("ename") == "NotImplementedError", cell.source
        assert "replace this line with your solution" in error.get("evalue", ""), error
    assert os.path.samefile(student.DEFAULT_OUT.parent, config.REPO_ROOT)  # student/ is a sibling of notebooks/


def test_the_course_has_self_checks_and_hidden_tests_for_at_least_nine_exercises():
    """Every exercise with a checkable result carries a public check and points; the student copies keep the checks."""
    checked, tested = [], []
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for ex in student.check_exercises(nb, path.name):
            if ex.check_indices:
                checked.append(f"{path.stem[:2]} Ex{ex.number}")
            if ex.test_indices:
                tested.append(f"{path.stem[:2]} Ex{ex.number}")
                assert ex.check_indices, f"{path.name} exercise {ex.number}: hidden tests but no public self-check"
        for cell in nb.cells:
            if student.CHECK_TAG in student.tags(cell):
                assert "from course_lib import checks" in cell.source, f"{path.name}: a check that does not use checks"
    assert len(checked) >= 9, checked
    assert tested == checked
