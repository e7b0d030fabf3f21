"""pytest's set-up for the whole repository: the unit tests in tests/ and the notebooks that nbval runs.

A test session writes nothing into the checkout. Unless the caller chose them, the writable cache (checkpoints,
figures) and the reports folder of every notebook and test in the session point into one temporary folder,
made here before pytest-xdist starts its workers (they inherit the environment) and removed at the end. So every
notebook trains its models in the session instead of loading what an earlier run left in data/checkpoints, and
datasets already downloaded into data/ are still read from there.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent
_session_dirs: list[Path] = []


def pytest_configure(config) -> None:
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: its environment came from the controller
        return
    session = Path(tempfile.mkdtemp(prefix="course-tests-"))
    _session_dirs.append(session)
    if not os.environ.get("COURSE_CACHE_DIR"):
        os.environ["COURSE_CACHE_DIR"] = str(session / "cache")
        data_dirs = [part for part in os.environ.get("COURSE_DATA_DIR", "").split(os.pathsep) if part.strip()]
        os.environ["COURSE_DATA_DIR"] = os.pathsep.join([*data_dirs, str(REPO_ROOT / "data")])
    if not os.environ.get("COURSE_REPORTS_DIR"):
        os.environ["COURSE_REPORTS_DIR"] = str(session / "reports")


def pytest_unconfigure(config) -> None:
    while _session_dirs:
        shutil.rmtree(_session_dirs.pop(), ignore_errors=True)
