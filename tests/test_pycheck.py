"""course_tools.pycheck: the first thing `make setup` runs, so an unsupported Python stops in a second."""

import subprocess
import sys

import pytest

from course_tools import pycheck


def test_the_range_is_read_from_pyproject_and_matches_the_fallback():
    assert pycheck.supported_range() == ((3, 11), (3, 14))
    # an installed wheel has no pyproject.toml beside it: the fallback must say the same
    assert pycheck.supported_range() == pycheck.DEFAULT_RANGE


def test_a_missing_pyproject_gives_the_fallback_and_a_malformed_one_a_clear_error(tmp_path):
    assert pycheck.supported_range(tmp_path / "absent.toml") == pycheck.DEFAULT_RANGE
    bad = tmp_path / "pyproject.toml"
    bad.write_text('[project]\nrequires-python = ">=3.11"\n')
    with pytest.raises(RuntimeError, match=r'requires-python must read ">=3.A,<3.B"'):
        pycheck.supported_range(bad)


@pytest.mark.parametrize("version", [(3, 10), (3, 14), (2, 7)])
def test_an_unsupported_python_is_named_with_the_supported_ones_and_a_command(version):
    message = pycheck.problem(version)
    assert f"this is Python {version[0]}.{version[1]}" in message
    assert "3.11, 3.12, 3.13" in message and "make setup PYTHON=python3.13" in message


@pytest.mark.parametrize("version", [(3, 11), (3, 12), (3, 13)])
def test_a_supported_python_passes(version):
    assert pycheck.problem(version) is None


def test_the_script_runs_on_its_own_and_exits_zero_here():
    # `make setup` runs it as a file, before the package is installed
    done = subprocess.run([sys.executable, pycheck.__file__], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == ""


def test_main_prints_the_problem_and_fails(monkeypatch, capsys):
    monkeypatch.setattr(pycheck, "problem", lambda: "This course needs Python 3.11, 3.12, 3.13")
    assert pycheck.main() == 1
    assert "needs Python" in capsys.readouterr().err
