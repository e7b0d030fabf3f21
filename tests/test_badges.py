"""Open-in-Colab / Binder badge cell and the Colab-only setup cell (course_lib.badges)."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from course_lib import badges, student

NOTEBOOKS = student.numbered_notebooks()


def plain_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 42 · Title"), nbformat.v4.new_code_cell("x = 1")]
    return nb


def test_apply_puts_badges_and_colab_setup_first_and_is_idempotent(tmp_path):
    once = badges.apply(plain_notebook(), "42_title.ipynb")
    assert [c.metadata["tags"] for c in once.cells[:2]] == [[badges.BADGES_TAG], [badges.COLAB_SETUP_TAG]]
    assert once.cells[2].source == "# 42 · Title" and len(once.cells) == 4
    assert badges.apply(once, "42_title.ipynb") == once
    path = tmp_path / "42_title.ipynb"
    nbformat.write(plain_notebook(), path)
    assert badges.update_file(path) is True
    first = path.read_bytes()
    assert badges.update_file(path) is False and path.read_bytes() == first


def test_badge_links_come_from_the_one_repository_constant():
    text = badges.badges_markdown("05_x.ipynb")
    assert f"colab.research.google.com/github/{badges.REPOSITORY}/blob/{badges.BRANCH}/notebooks/05_x.ipynb" in text
    assert f"mybinder.org/v2/gh/{badges.REPOSITORY}/{badges.BRANCH}?labpath=notebooks%2F05_x.ipynb" in text
    assert f"git+https://github.com/{badges.REPOSITORY}.git@{badges.BRANCH}" in badges.colab_setup_source()


def test_a_renamed_notebook_gets_its_badges_refreshed():
    nb = badges.apply(plain_notebook(), "42_old.ipynb")
    assert not badges.is_current(nb, "42_new.ipynb")
    assert "42_new.ipynb" in badges.apply(nb, "42_new.ipynb").cells[0].source


def test_colab_setup_cell_does_nothing_outside_colab():
    """Run the cell's code in a fresh interpreter: no pip, no output, no error."""
    done = subprocess.run([sys.executable, "-c", badges.colab_setup_source()], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""


def test_colab_setup_cell_installs_course_lib_on_colab(monkeypatch):
    calls = []
    monkeypatch.setitem(sys.modules, "google.colab", object())
    monkeypatch.setattr(subprocess, "run", lambda cmd, check: calls.append(cmd))
    exec(badges.colab_setup_source(), {})
    assert calls and calls[0][1:4] == ["-m", "pip", "install"] and calls[0][-1] == badges.install_spec()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_starts_with_current_badge_cells(path):
    assert badges.is_current(nbformat.read(path, as_version=4), path.name), \
        f"{path.name}: badge cells missing or stale; run `make badges`"
