"""The `course` command and the Makefile over it: commands, the fast tier, and the early Python check."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course_lib.config import REPO_ROOT
from course_tools import cli


def _unsupported_python() -> str | None:
    """Some interpreter outside 3.11-3.13 on this machine (pyenv's 3.10 on the team's machines), or None."""
    candidates = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[04]*/bin/python3")))
    candidates += [shutil.which("python3.10"), shutil.which("python3.14")]
    for candidate in filter(None, candidates):
        if subprocess.run([candidate, "-c", "pass"], capture_output=True).returncode == 0:  # not a dead pyenv shim
            return candidate
    return None


def test_every_readme_command_exists_and_unknown_ones_are_refused(capsys):
    assert set(cli.COMMANDS) >= {"lab", "test", "unit", "results", "student", "site", "badges", "warm"}
    assert cli.main(["nonsense"]) == 2
    assert "unknown command 'nonsense'" in capsys.readouterr().err
    assert cli.main([]) == 2 and cli.main(["--help"]) == 0


def test_the_fast_tier_leaves_out_slow_and_browser_tests(monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "call", lambda cmd, cwd: calls.append(cmd) or 0)
    monkeypatch.delenv("TEST_JOBS", raising=False)
    assert cli.main(["unit"]) == 0 and cli.main(["test"]) == 0 and cli.main(["unit", "tests/test_vae.py"]) == 0
    assert calls[0][-3:] == ["-m", "not slow and not browser", "tests"]
    assert calls[0][calls[0].index("-n") + 1] == "2" and "loadfile" in calls[0]  # both cores, a file per worker
    assert calls[1][-2:] == ["tests", "notebooks"] and "--nbval-lax" in calls[1]
    assert calls[2][-1] == "tests/test_vae.py" and "tests" not in calls[2]


def test_the_entry_point_is_declared():
    import tomllib

    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"] == {"course": "course_tools.cli:main"}


def test_the_makefile_only_wraps_the_cli():
    recipes = [line.strip() for line in (REPO_ROOT / "Makefile").read_text().splitlines() if line.startswith("\t")]
    for target in ("lab", "test", "unit", "results", "student", "site", "badges"):
        assert any(f"$(COURSE) {target}" in r for r in recipes), f"make {target} does not call `course {target}`"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_setup_on_an_unsupported_python_stops_at_once_naming_the_versions(tmp_path):
    python = _unsupported_python()
    if python is None:
        pytest.skip("no Python outside 3.11-3.13 on this machine")
    started = time.perf_counter()
    done = subprocess.run(["make", "--no-print-directory", "setup", f"PYTHON={python}", f"VENV={tmp_path / 'venv'}"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "3.11, 3.12, 3.13" in done.stderr, done.stderr
    assert time.perf_counter() - started < 10 and not (tmp_path / "venv").exists()  # before any venv or download
    cli_run = subprocess.run([python, "-m", "course_tools.cli", "lab"], cwd=REPO_ROOT, capture_output=True,
                             text=True, timeout=60, env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
    assert cli_run.returncode == 1 and "3.11, 3.12, 3.13" in cli_run.stderr, cli_run.stderr


def test_course_runs_as_an_installed_script():
    script = Path(sys.executable).with_name("course")
    if not script.exists():
        pytest.skip("course_lib is not installed in this environment (only on PYTHONPATH)")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "course lab" in done.stdout
