"""course_tools.runner: what RESULTS.md says about the machine."""

import pytest

from course_lib import config
from course_tools import runner


def test_machine_note_names_the_cpu_and_its_vector_units(course_env):
    note = runner.machine_note(config.settings())
    assert runner.cpu_description() in note
    assert "AVX-512" in note and "CPU cores" in note


def test_slowest_cells_are_read_from_the_recorded_cell_timings():
    import nbformat

    from course_tools.notebooks import slowest_cells

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# title")]
    for seconds in (1, 12, 3, 7):
        cell = nbformat.v4.new_code_cell(f"\n# cell that takes {seconds} s\nx = {seconds}")
        cell.metadata["execution"] = {"iopub.execute_input": "2026-12-01T10:00:00.000000Z",
                                      "shell.execute_reply": f"2026-12-01T10:00:{seconds:02d}.500000Z"}
        nb.cells.append(cell)
    nb.cells.append(nbformat.v4.new_code_cell("not run"))
    assert slowest_cells(nb) == [{"cell": 2, "seconds": 12.5, "source": "# cell that takes 12 s"},
                                 {"cell": 4, "seconds": 7.5, "source": "# cell that takes 7 s"},
                                 {"cell": 3, "seconds": 3.5, "source": "# cell that takes 3 s"}]


@pytest.mark.slow
def test_execute_prints_one_progress_line_per_code_cell(tmp_path):
    import nbformat

    from course_tools.notebooks import execute, slowest_cells

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell("text"),
                nbformat.v4.new_code_cell("import time\ntime.sleep(0.3)")]
    nbformat.write(nb, tmp_path / "01_tiny.ipynb")
    lines = []
    execute(tmp_path / "01_tiny.ipynb", tmp_path / "out", 60, progress=lines.append)
    assert [line.split(" done")[0].strip() for line in lines] == ["01_tiny: cell 1/2", "01_tiny: cell 2/2"]
    slowest = slowest_cells(nbformat.read(tmp_path / "out" / "01_tiny.ipynb", as_version=4))
    assert slowest[0]["cell"] == 2 and slowest[0]["seconds"] >= 0.3
