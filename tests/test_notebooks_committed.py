"""Committed notebooks carry no outputs and no execution counts (the README's rule, checked)."""

import json

import pytest

from course_tools.notebooks import numbered_notebooks

NOTEBOOKS = numbered_notebooks()


def dirty_cells(nb: dict) -> list[int]:
    """Indices of code cells with outputs or an execution count."""
    return [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
            and (c.get("outputs") or c.get("execution_count") is not None)]


def test_the_check_catches_an_executed_cell():
    nb = {"cells": [{"cell_type": "code", "outputs": [], "execution_count": 3},
                    {"cell_type": "code", "outputs": [{"output_type": "stream"}], "execution_count": None},
                    {"cell_type": "code", "outputs": [], "execution_count": None},
                    {"cell_type": "markdown"}]}
    assert dirty_cells(nb) == [0, 1]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebook_has_no_outputs(path):
    cells = dirty_cells(json.loads(path.read_text(encoding="utf-8")))
    assert not cells, (f"{path.name}: cells {cells} hold outputs or execution counts; strip them with "
                       f"`jupyter nbconvert --clear-output --inplace {path}`")
