"""The ``course`` command: every task of the course pack, the same on Linux, macOS and Windows.

    course lab                      JupyterLab on notebooks/ (extra arguments go to JupyterLab)
    course test                     the whole suite: unit tests + every notebook under nbval, 2 workers
    course unit                     the fast tier: unit tests without the slow and browser ones
    course results --profile P      run every notebook headlessly, write reports/P/RESULTS.md
    course student                  student notebooks into student/
    course grade SUBMISSIONS        grade submitted student notebooks: gradebook.csv + feedback per student
    course site --profile P         the rendered course site into build/site/P/
    course badges                   the Colab/Binder cells of every notebook, from [project.urls]
    course warm                     compile UMAP's numba functions once, into numba's on-disk cache

``make <target>`` calls the same commands (the Makefile is a thin wrapper that also creates .venv).
The pytest-based commands pass any further arguments to pytest, e.g. ``course unit -x tests/test_vae.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

from course_tools import pycheck

#: pytest's selection for the fast tier: everything but the tests marked slow or browser.
FAST_TIER = "not slow and not browser"


def _repo_root():
    from course_lib import config

    return config.REPO_ROOT


def _pytest(args: list[str]) -> int:
    return subprocess.call([sys.executable, "-m", "pytest", *args], cwd=_repo_root())


def _workers() -> list[str]:
    """pytest-xdist's arguments for TEST_JOBS workers (default 2, the cores CI has), a whole file per worker."""
    return ["-n", os.environ.get("TEST_JOBS", "2"), "--dist", "loadfile"]


def lab(args: list[str]) -> int:
    """JupyterLab on notebooks/, in this environment's Python (no PATH lookup: works the same on Windows)."""
    return subprocess.call([sys.executable, "-m", "jupyterlab", "--notebook-dir=notebooks", *args], cwd=_repo_root())


def test(args: list[str]) -> int:
    """The whole suite. TEST_JOBS pytest-xdist workers (default 2); ``--dist loadfile`` keeps a notebook's cells
    in one kernel on one worker. An explicit list of tests in ``args`` replaces ``tests notebooks``."""
    paths = [] if any(not a.startswith("-") for a in args) else ["tests", "notebooks"]
    return _pytest([*_workers(), "--nbval-lax", "--nbval-current-env", *args, *paths])


def unit(args: list[str]) -> int:
    """The fast tier: unit tests, without those marked slow or browser, on TEST_JOBS workers as in ``course test``
    (a module's fixtures stay in one process). ``-n 0`` in ``args`` runs them in this process, e.g. for pdb."""
    paths = [] if any(not a.startswith("-") for a in args) else ["tests"]
    return _pytest([*_workers(), "-m", FAST_TIER, *args, *paths])


def _module_main(module: str) -> Callable[[list[str]], int]:
    def run(args: list[str]) -> int:
        import importlib

        return importlib.import_module(f"course_tools.{module}").main(args)

    run.__doc__ = f"course_tools.{module}.main"
    return run


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "lab": lab,
    "test": test,
    "unit": unit,
    "results": _module_main("runner"),
    "student": _module_main("student"),
    "grade": _module_main("grade"),
    "site": _module_main("site"),
    "badges": _module_main("badges"),
    "warm": _module_main("warm"),
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``course``: checks the Python version first, then runs one command; returns its status."""
    message = pycheck.problem()
    if message:
        print(message, file=sys.stderr)
        return 1
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"course: unknown command {command!r}; choose one of: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    return COMMANDS[command](rest)


if __name__ == "__main__":
    sys.exit(main())
