"""The numbered notebooks, how long one cell may run, and executing a notebook headlessly.

One finder and one timeout table, shared by ``course results`` (runner), ``course site`` and
``course student``, so that the tools cannot drift apart (the site once ignored the full profile's limit).
"""

from __future__ import annotations

import time
from pathlib import Path

from course_lib import config

#: Seconds one notebook cell may run, per profile, before a tool gives up on the notebook. A full-profile
#: grid is one cell that trains for hours on a CPU (notebook 05: six translators and their baselines), so a
#: one-hour limit would throw that work away; the smaller profiles keep it, so that a hung cell still fails.
CELL_TIMEOUT_S: dict[str, int] = {"smoke": 3600, "lecture": 3600, "full": 12 * 3600}

NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"


def cell_timeout(profile: str, requested: int | None = None) -> int:
    """The per-cell limit in seconds: ``requested`` when given (``--timeout``), else the profile's default."""
    if requested is not None:
        if requested < 1:
            raise ValueError(f"a cell timeout must be at least 1 second, got {requested}")
        return int(requested)
    return CELL_TIMEOUT_S[config.check_profile(profile)]


def numbered_notebooks(root: Path | None = None, prefixes: list[str] | None = None) -> list[Path]:
    """The numbered notebooks ``NN_slug.ipynb`` in ``root`` (default notebooks/), sorted, optionally only
    those whose names start with one of ``prefixes``."""
    root = Path(root) if root is not None else config.REPO_ROOT / "notebooks"
    found = sorted(root.glob(NOTEBOOK_PATTERN))
    if prefixes:
        found = [p for p in found if any(p.name.startswith(pre) for pre in prefixes)]
    return found


def execute(path: Path, out_dir: Path, timeout: int, kernel_name: str = "python3") -> float:
    """Execute one notebook in its own folder and write the executed copy to ``out_dir`` (also when a cell
    fails, so the partial notebook can be read); returns the wall time in seconds."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name,
                            resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    try:
        client.execute()
    finally:
        out_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out_dir / path.name)
    return time.perf_counter() - started
