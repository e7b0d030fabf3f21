"""Open-in-Colab / Binder badges and a Colab-only install cell at the top of every notebook.

    course badges             # add, refresh or remove the two cells in every notebook
    course badges --check     # exit 1 if any notebook is out of date

The repository address lives in one place, ``[project.urls] Repository`` in pyproject.toml. While it is
not set (no public repository yet), the tool *removes* the cells: a committed notebook never carries a link
built from a placeholder. Once it is set, every notebook starts with

1. a markdown cell (tag ``course-badges``) with the Colab and Binder badges, opening the release tag
   ``v<version>`` (the version of course_lib), not a moving branch;
2. a code cell (tag ``colab-setup``) that, *only* on Google Colab, ``%pip``-installs that same release with
   the runtime dependencies alone (no JupyterLab, ipykernel, Streamlit or site tools: Colab pins its own
   ipykernel and IPython, and the course must not replace them). Locally, on Binder and in CI it does nothing.

The tool is idempotent: it drops the cells it made before (recognised by their tags) and inserts fresh ones.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
import tomllib
from pathlib import Path
from urllib.parse import quote

import nbformat

from course_lib import __version__, config

#: Where the numbered notebooks live inside the repository.
NOTEBOOK_FOLDER = "notebooks"
BADGES_TAG = "course-badges"
COLAB_SETUP_TAG = "colab-setup"
COLAB_BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_BADGE_IMAGE = "https://mybinder.org/badge_logo.svg"

_GITHUB = re.compile(r"^https://github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$")
#: Owner/name pairs that are somebody's example, not a repository (the address this pack once shipped with).
PLACEHOLDERS = {"owner/name", "user/repo", "your-name/your-repo", "representation-learning-course/keras-course-pack"}


class RepositoryError(ValueError):
    """``[project.urls] Repository`` is not a usable GitHub address."""


def check_repository(url: str) -> str:
    """``owner/name`` of a GitHub repository address; refuses anything else and known placeholders."""
    match = _GITHUB.match(url.strip())
    if not match:
        raise RepositoryError(f"[project.urls] Repository = {url!r}: expected https://github.com/OWNER/NAME")
    slug = f"{match.group(1)}/{match.group(2)}"
    if slug.lower() in PLACEHOLDERS or re.search(r"example|placeholder|your[-_]", slug, re.IGNORECASE):
        raise RepositoryError(f"[project.urls] Repository = {url!r} is a placeholder, not a published repository")
    return slug


def repository(pyproject: Path | None = None) -> str | None:
    """``owner/name`` from ``[project.urls] Repository`` of pyproject.toml, or None when it is not set."""
    path = pyproject or config.REPO_ROOT / "pyproject.toml"
    urls = tomllib.loads(path.read_text(encoding="utf-8"))["project"].get("urls", {})
    url = urls.get("Repository")
    return check_repository(url) if url else None


def release(version: str = __version__) -> str:
    """The git tag of this version's release: what badges open and Colab installs."""
    return f"v{version}"


def colab_url(notebook_name: str, repo: str, ref: str | None = None) -> str:
    """The Colab address that opens ``notebooks/<notebook_name>`` of ``repo`` at ``ref`` straight from GitHub."""
    return f"https://colab.research.google.com/github/{repo}/blob/{ref or release()}/{NOTEBOOK_FOLDER}/{notebook_name}"


def binder_url(notebook_name: str, repo: str, ref: str | None = None) -> str:
    """The Binder address: builds the repository (from binder/) and opens the notebook in JupyterLab."""
    return f"https://mybinder.org/v2/gh/{repo}/{ref or release()}?labpath={quote(f'{NOTEBOOK_FOLDER}/{notebook_name}', safe='')}"


def install_spec(repo: str, ref: str | None = None) -> str:
    """What Colab's cell installs: the pinned release, core dependencies only (no extras)."""
    return f"course-lib @ git+https://github.com/{repo}.git@{ref or release()}"


def badges_markdown(notebook_name: str, repo: str, colab_image: str = COLAB_BADGE_IMAGE,
                    binder_image: str = BINDER_BADGE_IMAGE) -> str:
    """Markdown of the badge cell; the site passes local image paths instead of the internet ones."""
    return (f"[![Open In Colab]({colab_image})]({colab_url(notebook_name, repo)}) "
            f"[![Binder]({binder_image})]({binder_url(notebook_name, repo)})")


def colab_setup_source(spec: str) -> str:
    """Source of the Colab-only install cell for the pip requirement ``spec`` (a no-op everywhere else)."""
    return (
        "# Google Colab only: install the course library at this notebook's release (runtime packages only).\n"
        "# If Colab then asks you to restart the session, do so and run the notebook again from the top.\n"
        "# Locally, on Binder and in CI this cell does nothing: the set-up has installed everything.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install --quiet "{spec}"\n'
    )


def _has_tag(cell, tag: str) -> bool:
    return tag in cell.get("metadata", {}).get("tags", [])


def badge_cells(notebook_name: str, repo: str | None) -> list:
    """The cells this module owns for ``notebook_name``: two with a repository, none without."""
    if repo is None:
        return []
    badges = nbformat.v4.new_markdown_cell(badges_markdown(notebook_name, repo), metadata={"tags": [BADGES_TAG]})
    setup = nbformat.v4.new_code_cell(colab_setup_source(install_spec(repo)), metadata={"tags": [COLAB_SETUP_TAG]})
    # Stable ids, so that re-running the tool leaves the file byte-for-byte unchanged.
    badges["id"], setup["id"] = "course-badges", "colab-setup"
    return [badges, setup]


def apply(nb: nbformat.NotebookNode, notebook_name: str, repo: str | None) -> nbformat.NotebookNode:
    """A copy of ``nb`` that starts with exactly :func:`badge_cells` (idempotent)."""
    out = copy.deepcopy(nb)
    kept = [c for c in out.cells if not (_has_tag(c, BADGES_TAG) or _has_tag(c, COLAB_SETUP_TAG))]
    out.cells = badge_cells(notebook_name, repo) + kept
    return out


def is_current(nb: nbformat.NotebookNode, notebook_name: str, repo: str | None) -> bool:
    """True when the notebook's badge cells are exactly what :func:`apply` would write (none without a repository)."""
    expected = badge_cells(notebook_name, repo)
    owned = [c for c in nb.cells if _has_tag(c, BADGES_TAG) or _has_tag(c, COLAB_SETUP_TAG)]
    if len(owned) != len(expected) or nb.cells[:len(expected)] != owned:
        return False
    return all(have.cell_type == want.cell_type and have.source == want.source
               for have, want in zip(owned, expected))


def update_file(path: str | Path, repo: str | None) -> bool:
    """Add, refresh or remove the badge cells of one notebook file; returns True when the file changed."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    if is_current(nb, path.name, repo):
        return False
    nbformat.write(apply(nb, path.name, repo), path)
    return True


def main(argv: list[str] | None = None) -> int:
    """`course badges`: 0 when done (or, with --check, when every notebook is current), 1 otherwise."""
    from course_tools.notebooks import numbered_notebooks

    parser = argparse.ArgumentParser(prog="course badges", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report notebooks whose badge cells are stale")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every numbered notebook")
    args = parser.parse_args(argv)
    try:
        repo = repository()
    except RepositoryError as err:
        print(err, file=sys.stderr)
        return 2
    if repo is None:
        print("no [project.urls] Repository in pyproject.toml: notebooks get no badge or Colab cells")
    paths = args.notebooks or numbered_notebooks()
    stale = []
    for path in paths:
        if not path.is_file():
            print(f"{path}: no such notebook", file=sys.stderr)
            return 2
        if args.check:
            if not is_current(nbformat.read(path, as_version=4), path.name, repo):
                stale.append(path)
        elif update_file(path, repo):
            print(f"{path}: badge cells updated")
    if stale:
        print("badge cells missing or out of date (run `course badges`): " + ", ".join(map(str, stale)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
