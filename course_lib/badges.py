"""Open-in-Colab / Binder badges and a Colab-only install cell at the top of every notebook.

    python -m course_lib.badges notebooks/01_data_loading.ipynb     # add or refresh the two cells
    python -m course_lib.badges --check notebooks/*.ipynb           # exit 1 if any notebook is out of date

Why generated: the badge links contain the repository, the branch and the notebook's file name; written
by hand they drift (a renamed notebook, a fork). Here they come from one constant, :data:`REPOSITORY`,
and the tool is idempotent: it removes the cells it made before (recognised by their cell tags) and
inserts fresh ones, so running it twice changes nothing.

The two cells:
1. a markdown cell (tag ``course-badges``) with the badges;
2. a code cell (tag ``colab-setup``) that pip-installs ``course_lib`` from the repository *only* when it
   runs on Google Colab (detected by the ``google.colab`` module). Locally, on Binder and in CI it does
   nothing, because there the package is already installed (``make setup``, ``environment.yml``).
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from urllib.parse import quote

import nbformat

#: The public repository of the course pack ("owner/name" on GitHub): the one place to change for a fork.
REPOSITORY = "representation-learning-course/keras-course-pack"
#: The branch the badges open.
BRANCH = "main"
#: Where the numbered notebooks live inside the repository.
NOTEBOOK_FOLDER = "notebooks"

BADGES_TAG = "course-badges"
COLAB_SETUP_TAG = "colab-setup"

COLAB_BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_BADGE_IMAGE = "https://mybinder.org/badge_logo.svg"

# Local stand-ins for the two badge images, used by the rendered course site (course_lib.site), which
# must not load anything from the internet. Drawn here rather than downloaded: plain shields-style SVGs.
_SVG_BADGE = """<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" aria-label="{left}: {right}">
<rect width="{lw}" height="20" fill="#555"/><rect x="{lw}" width="{rw}" height="20" fill="{color}"/>
<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">
<text x="6" y="14">{left}</text><text x="{rx}" y="14">{right}</text></g></svg>
"""


def _svg_badge(left: str, right: str, color: str) -> str:
    lw, rw = 8 + 7 * len(left), 10 + 7 * len(right)
    return _SVG_BADGE.format(width=lw + rw, lw=lw, rw=rw, rx=lw + 5, left=left, right=right, color=color)


LOCAL_BADGE_SVGS: dict[str, str] = {
    "colab-badge.svg": _svg_badge("Open in", "Colab", "#f9ab00"),
    "binder-badge.svg": _svg_badge("launch", "binder", "#579aca"),
}


def colab_url(notebook_name: str, repository: str = REPOSITORY, branch: str = BRANCH) -> str:
    """The Colab address that opens ``notebooks/<notebook_name>`` straight from GitHub."""
    return f"https://colab.research.google.com/github/{repository}/blob/{branch}/{NOTEBOOK_FOLDER}/{notebook_name}"


def binder_url(notebook_name: str, repository: str = REPOSITORY, branch: str = BRANCH) -> str:
    """The Binder address that builds the repository (from environment.yml) and opens the notebook in JupyterLab."""
    return f"https://mybinder.org/v2/gh/{repository}/{branch}?labpath={quote(f'{NOTEBOOK_FOLDER}/{notebook_name}', safe='')}"


def install_spec(repository: str = REPOSITORY, branch: str = BRANCH) -> str:
    """What pip installs on Colab: the course library straight from the repository."""
    return f"git+https://github.com/{repository}.git@{branch}"


def badges_markdown(notebook_name: str, colab_image: str = COLAB_BADGE_IMAGE,
                    binder_image: str = BINDER_BADGE_IMAGE) -> str:
    """Markdown of the badge cell; the site passes local image paths instead of the internet ones."""
    return (
        f"[![Open In Colab]({colab_image})]({colab_url(notebook_name)}) "
        f"[![Binder]({binder_image})]({binder_url(notebook_name)})"
    )


def colab_setup_source() -> str:
    """Source of the Colab-only install cell (a no-op everywhere else)."""
    return (
        "# Google Colab only: install the course library (course_lib) and its dependencies.\n"
        "# Locally, on Binder and in CI this cell does nothing: `make lab` has installed everything.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        "\n"
        f'    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "{install_spec()}"], check=True)\n'
    )


def _has_tag(cell, tag: str) -> bool:
    return tag in cell.get("metadata", {}).get("tags", [])


def badge_cells(notebook_name: str) -> list:
    """The two cells this module owns, freshly made for ``notebook_name``."""
    badges = nbformat.v4.new_markdown_cell(badges_markdown(notebook_name), metadata={"tags": [BADGES_TAG]})
    setup = nbformat.v4.new_code_cell(colab_setup_source(), metadata={"tags": [COLAB_SETUP_TAG]})
    # Stable ids, so that re-running the tool leaves the file byte-for-byte unchanged.
    badges["id"], setup["id"] = "course-badges", "colab-setup"
    return [badges, setup]


def apply(nb: nbformat.NotebookNode, notebook_name: str) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose first two cells are the badge cell and the Colab setup cell (idempotent)."""
    out = copy.deepcopy(nb)
    kept = [c for c in out.cells if not (_has_tag(c, BADGES_TAG) or _has_tag(c, COLAB_SETUP_TAG))]
    out.cells = badge_cells(notebook_name) + kept
    return out


def is_current(nb: nbformat.NotebookNode, notebook_name: str) -> bool:
    """True when the notebook already starts with exactly the cells :func:`apply` would write."""
    if len(nb.cells) < 2:
        return False
    expected = badge_cells(notebook_name)
    return all(
        have.cell_type == want.cell_type and have.source == want.source
        and _has_tag(have, want.metadata["tags"][0])
        for have, want in zip(nb.cells[:2], expected)
    )


def update_file(path: str | Path) -> bool:
    """Add or refresh the badge cells of one notebook file; returns True when the file changed."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    if is_current(nb, path.name):
        return False
    nbformat.write(apply(nb, path.name), path)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report notebooks whose badge cells are missing or stale")
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    stale = []
    for path in args.notebooks:
        if not path.is_file():
            print(f"{path}: no such notebook", file=sys.stderr)
            return 2
        if args.check:
            if not is_current(nbformat.read(path, as_version=4), path.name):
                stale.append(path)
        elif update_file(path):
            print(f"{path}: badge cells written")
        else:
            print(f"{path}: already up to date")
    if stale:
        print("badge cells missing or out of date (run `make badges`): " + ", ".join(map(str, stale)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
