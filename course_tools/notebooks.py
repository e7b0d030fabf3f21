"""The numbered notebooks, how long one cell may run, and executing a notebook headlessly.

One finder and one timeout table, shared by ``course results`` (runner), ``course site``, ``course student``
and ``course grade``, so that the tools cannot drift apart (the site once ignored the full profile's limit).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import time
from collections.abc import Callable, Iterator
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


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for the kernels started inside the block, then restore them."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def print_progress(line: str) -> None:
    """The default progress printer: one flushed line (visible at once in CI logs)."""
    print(line, flush=True)


def execute(path: Path, out_dir: Path, timeout: int, kernel_name: str = "python3",
            progress: Callable[[str], None] | None = print_progress) -> float:
    """Execute one notebook in its own folder and write the executed copy to ``out_dir`` (also when a cell
    fails, so the partial notebook can be read); returns the wall time in seconds.

    ``progress`` gets one line per code cell ("cell n/N done in s"), so an hour-long run shows where it is;
    None prints nothing.
    """
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    position = {index: n for n, index in enumerate(code, 1)}
    started_cell: dict[int, float] = {}

    def on_start(cell, cell_index, **_):
        started_cell[cell_index] = time.perf_counter()

    def on_done(cell, cell_index, **_):
        if progress is not None and cell_index in position:
            seconds = time.perf_counter() - started_cell.get(cell_index, time.perf_counter())
            progress(f"    {path.stem}: cell {position[cell_index]}/{len(code)} done in {seconds:.1f} s")

    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name,
                            resources={"metadata": {"path": str(path.parent)}},
                            on_cell_start=on_start, on_cell_executed=on_done)
    started = time.perf_counter()
    try:
        client.execute()
    finally:
        out_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out_dir / path.name)
    return time.perf_counter() - started


def _timestamp(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


def slowest_cells(nb, count: int = 3) -> list[dict]:
    """The ``count`` slowest code cells of an executed notebook, slowest first.

    Read from the timings nbclient records in each cell's ``metadata.execution`` (on by default), so any
    executed copy can be measured afterwards. Each item: ``cell`` (1-based number among the code cells),
    ``seconds`` and ``source`` (the cell's first non-empty line, for finding it again).
    """
    found = []
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code_cells, 1):
        timing = cell.get("metadata", {}).get("execution", {})
        start = timing.get("iopub.execute_input") or timing.get("iopub.status.busy")
        end = timing.get("shell.execute_reply") or timing.get("iopub.status.idle")
        if not (start and end):
            continue
        seconds = (_timestamp(end) - _timestamp(start)).total_seconds()
        first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
        found.append({"cell": number, "seconds": round(seconds, 1), "source": first[:80]})
    return sorted(found, key=lambda item: -item["seconds"])[:count]
