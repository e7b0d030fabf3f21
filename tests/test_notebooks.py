"""course_tools.notebooks: the one notebook finder, the one cell-timeout table, headless execution."""

import os

import nbformat
import pytest

from course_lib import profiles
from course_tools import notebooks


def test_cell_timeout_follows_the_profile():
    # every profile has a limit, and the full profile's hour-long training cells are not cut off at one hour
    assert set(notebooks.CELL_TIMEOUT_S) == set(profiles.PROFILE_NAMES)
    assert notebooks.cell_timeout("full") > 4 * 3600
    assert notebooks.cell_timeout("smoke") == notebooks.CELL_TIMEOUT_S["smoke"]
    assert notebooks.cell_timeout("full", 120) == 120
    with pytest.raises(ValueError, match="at least 1 second"):
        notebooks.cell_timeout("lecture", 0)


def test_numbered_notebooks_are_sorted_filtered_by_prefix_and_skip_other_files(tmp_path):
    for name in ("10_later.ipynb", "02_second.ipynb", "01_first.ipynb", "scratch.ipynb", "1_short.ipynb",
                 "03_notes.md"):
        (tmp_path / name).write_text("{}")
    assert [p.name for p in notebooks.numbered_notebooks(tmp_path)] == [
        "01_first.ipynb", "02_second.ipynb", "10_later.ipynb"]
    assert [p.name for p in notebooks.numbered_notebooks(tmp_path, ["10", "01"])] == ["01_first.ipynb", "10_later.ipynb"]


def test_the_course_has_nine_numbered_notebooks():
    assert [p.name[:2] for p in notebooks.numbered_notebooks()] == [f"{n:02d}" for n in range(1, 10)]


def test_environment_sets_then_restores_variables(monkeypatch):
    monkeypatch.setenv("COURSE_TEST_KEPT", "before")
    monkeypatch.delenv("COURSE_TEST_NEW", raising=False)
    with pytest.raises(RuntimeError, match="inside"):
        with notebooks.environment(COURSE_TEST_KEPT="during", COURSE_TEST_NEW="during"):
            assert os.environ["COURSE_TEST_KEPT"] == os.environ["COURSE_TEST_NEW"] == "during"
            raise RuntimeError("a failure inside the block still restores")
    assert os.environ["COURSE_TEST_KEPT"] == "before" and "COURSE_TEST_NEW" not in os.environ


def test_slowest_cells_are_read_from_the_recorded_cell_timings():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# title")]
    for seconds in (1, 12, 3, 7):
        cell = nbformat.v4.new_code_cell(f"\n# cell that takes {seconds} s\nx = {seconds}")
        cell.metadata["execution"] = {"iopub.execute_input": "2026-12-01T10:00:00.000000Z",
                                      "shell.execute_reply": f"2026-12-01T10:00:{seconds:02d}.500000Z"}
        nb.cells.append(cell)
    nb.cells.append(nbformat.v4.new_code_cell("not run"))
    assert notebooks.slowest_cells(nb) == [{"cell": 2, "seconds": 12.5, "source": "# cell that takes 12 s"},
                                           {"cell": 4, "seconds": 7.5, "source": "# cell that takes 7 s"},
                                           {"cell": 3, "seconds": 3.5, "source": "# cell that takes 3 s"}]


@pytest.mark.slow
def test_execute_prints_one_progress_line_per_code_cell(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell("text"),
                nbformat.v4.new_code_cell("import time\ntime.sleep(0.3)")]
    nbformat.write(nb, tmp_path / "01_tiny.ipynb")
    lines = []
    notebooks.execute(tmp_path / "01_tiny.ipynb", tmp_path / "out", 60, progress=lines.append)
    assert [line.split(" done")[0].strip() for line in lines] == ["01_tiny: cell 1/2", "01_tiny: cell 2/2"]
    slowest = notebooks.slowest_cells(nbformat.read(tmp_path / "out" / "01_tiny.ipynb", as_version=4))
    assert slowest[0]["cell"] == 2 and slowest[0]["seconds"] >= 0.3


@pytest.mark.slow
def test_execute_writes_the_partial_notebook_when_a_cell_fails(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print('first cell ran')"), nbformat.v4.new_code_cell("1 / 0")]
    nbformat.write(nb, tmp_path / "02_broken.ipynb")
    with pytest.raises(Exception, match="ZeroDivisionError"):
        notebooks.execute(tmp_path / "02_broken.ipynb", tmp_path / "out", 60, progress=None)
    written = nbformat.read(tmp_path / "out" / "02_broken.ipynb", as_version=4)
    assert "first cell ran" in written.cells[0].outputs[0]["text"]
