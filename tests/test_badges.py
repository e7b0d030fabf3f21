"""Colab / Binder badge cells and the Colab-only install cell (course_tools.badges), from [project.urls]."""

from __future__ import annotations

import subprocess
import sys
import types

import nbformat
import pytest

from course_tools import badges
from course_tools.notebooks import numbered_notebooks

NOTEBOOKS = numbered_notebooks()
REPO = "course-authors/course-pack"  # a well-formed address for the generator's own tests


def plain_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 42 · Title"), nbformat.v4.new_code_cell("x = 1")]
    return nb


def test_apply_puts_badges_and_colab_setup_first_and_is_idempotent(tmp_path):
    once = badges.apply(plain_notebook(), "42_title.ipynb", REPO)
    assert [c.metadata["tags"] for c in once.cells[:2]] == [[badges.BADGES_TAG], [badges.COLAB_SETUP_TAG]]
    assert once.cells[2].source == "# 42 · Title" and len(once.cells) == 4
    assert badges.apply(once, "42_title.ipynb", REPO) == once
    path = tmp_path / "42_title.ipynb"
    nbformat.write(plain_notebook(), path)
    assert badges.update_file(path, REPO) is True
    first = path.read_bytes()
    assert badges.update_file(path, REPO) is False and path.read_bytes() == first


def test_without_a_repository_the_cells_are_removed():
    with_cells = badges.apply(plain_notebook(), "42_title.ipynb", REPO)
    assert not badges.is_current(with_cells, "42_title.ipynb", None)
    bare = badges.apply(with_cells, "42_title.ipynb", None)
    assert [c.source for c in bare.cells] == ["# 42 · Title", "x = 1"] and badges.is_current(bare, "42_title.ipynb", None)


def test_links_open_the_release_and_colab_installs_it_without_extras():
    text = badges.badges_markdown("05_x.ipynb", REPO)
    tag = badges.release()
    assert tag.startswith("v") and tag != "vmain"
    assert f"colab.research.google.com/github/{REPO}/blob/{tag}/notebooks/05_x.ipynb" in text
    assert f"mybinder.org/v2/gh/{REPO}/{tag}?labpath=notebooks%2F05_x.ipynb" in text
    spec = badges.install_spec(REPO)
    assert spec == f"course-lib @ git+https://github.com/{REPO}.git@{tag}" and "[" not in spec  # core only
    cell = badges.colab_setup_source(spec)
    assert f'%pip install --quiet "{spec}"' in cell and "restart" in cell


@pytest.mark.parametrize("url", ["https://github.com/representation-learning-course/keras-course-pack",
                                 "https://github.com/OWNER/NAME", "https://github.com/your-name/course",
                                 "https://example.org/x/y", "github.com/a/b", "https://github.com/only-owner"])
def test_placeholder_or_malformed_repositories_are_refused(url):
    with pytest.raises(badges.RepositoryError, match="placeholder|expected https://github.com/OWNER/NAME"):
        badges.check_repository(url)


def test_repository_is_read_from_project_urls(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\n[project.urls]\nRepository = "https://github.com/someone/course.git"\n')
    assert badges.repository(pyproject) == "someone/course"
    pyproject.write_text('[project]\nname = "x"\n')
    assert badges.repository(pyproject) is None


def test_the_configured_repository_is_not_a_placeholder():
    """pyproject.toml either names a real-looking repository or none (then no notebook carries badges)."""
    badges.repository()  # raises RepositoryError on a placeholder


def _run_cell(source: str, on_colab: bool, monkeypatch) -> list[str]:
    """Run the cell as IPython would (its %pip line becomes a pip call); returns the pip commands made."""
    from IPython.core.inputtransformer2 import TransformerManager

    calls: list[str] = []
    shell = types.SimpleNamespace(run_line_magic=lambda name, line: calls.append(f"{name} {line}"))
    code = TransformerManager().transform_cell(source)
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(code, {"get_ipython": lambda: shell})
    return calls


def test_colab_setup_cell_installs_only_on_colab(monkeypatch):
    source = badges.colab_setup_source(badges.install_spec(REPO))
    assert _run_cell(source, on_colab=False, monkeypatch=monkeypatch) == []
    assert _run_cell(source, on_colab=True, monkeypatch=monkeypatch) == [f'pip install --quiet "{badges.install_spec(REPO)}"']


def test_cli_check_passes_on_the_committed_notebooks():
    done = subprocess.run([sys.executable, "-m", "course_tools.cli", "badges", "--check"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_has_current_badge_cells_and_no_placeholder_link(path):
    nb = nbformat.read(path, as_version=4)
    assert badges.is_current(nb, path.name, badges.repository()), f"{path.name}: run `course badges`"
    text = "\n".join(c.source for c in nb.cells)
    for slug in badges.PLACEHOLDERS:
        assert slug not in text.lower(), f"{path.name} links to the placeholder repository {slug}"
    if badges.repository() is None:
        assert "colab.research.google.com" not in text and "mybinder.org" not in text
