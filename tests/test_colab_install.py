"""The Colab route, performed the way the Colab cell does it, in a runtime that looks like Colab's.

A fresh virtual environment gets what Colab ships and pins (an older ipykernel and IPython); a wheel of this
checkout stands in for the pinned release; the notebook's first cell is the generated Colab cell (its
``%pip install``, runtime dependencies only); then notebook 01 runs in the smoke profile in that kernel.
Afterwards Colab's own ipykernel and IPython must be untouched and no JupyterLab/Streamlit installed.
Slow (a TensorFlow-sized install, from pip's cache when it is warm): left out of `course unit`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

import nbformat
import pytest

from course_lib import config
from course_lib.config import REPO_ROOT
from course_tools import badges

pytestmark = pytest.mark.slow

#: What pyproject.toml builds the wheel from.
PACKAGED_FILES = ("pyproject.toml", "README.md", "LICENSE")
PACKAGED_DIRS = ("course_lib", "course_tools")
#: What Google Colab pins (google-colab's requirements; see googlecolab/colabtools#2837).
COLAB_PINS = {"ipykernel": "6.17.1", "ipython": "7.34.0"}


def _pip(python: str, *args: str, timeout: int = 900) -> None:
    done = subprocess.run([python, "-m", "pip", "--disable-pip-version-check", *args], capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]


def _version(python: str, package: str) -> str | None:
    done = subprocess.run([python, "-c", f"import importlib.metadata as m; print(m.version({package!r}))"],
                          capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def _packaged_source(destination: Path) -> Path:
    """A copy of what the wheel is built from: setuptools writes build/ into the tree it builds, never the checkout."""
    destination.mkdir()
    for name in PACKAGED_FILES:
        shutil.copy2(REPO_ROOT / name, destination / name)
    for name in PACKAGED_DIRS:
        shutil.copytree(REPO_ROOT / name, destination / name, ignore=shutil.ignore_patterns("__pycache__"))
    return destination


def test_colab_cell_installs_the_release_and_notebook_01_runs(tmp_path, monkeypatch):
    timings: dict[str, float] = {}
    started = time.perf_counter()
    wheels = tmp_path / "wheels"
    _pip(sys.executable, "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(_packaged_source(tmp_path / "source")))
    wheel = next(wheels.glob("course_lib-*.whl"))
    timings["wheel"] = time.perf_counter() - started

    started = time.perf_counter()
    runtime = tmp_path / "colab-runtime"
    venv.create(runtime, with_pip=True)
    python = str(runtime / ("Scripts" if os.name == "nt" else "bin") / "python")
    _pip(python, "install", "--quiet", *(f"{k}=={v}" for k, v in COLAB_PINS.items()))
    timings["colab-like runtime"] = time.perf_counter() - started

    kernels = tmp_path / "jupyter" / "kernels" / "colab-runtime"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps(
        {"argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": "Colab-like",
         "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.delenv("PYTHONPATH", raising=False)  # the kernel must find course_lib only where pip put it
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    monkeypatch.setenv("COURSE_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    # a relative COURSE_DATA_DIR means "relative to the repository"; the installed wheel has none, so pass
    # the directories as this checkout resolves them
    if os.environ.get("COURSE_DATA_DIR"):
        monkeypatch.setenv("COURSE_DATA_DIR", os.pathsep.join(str(d) for d in config.settings().data_dirs))

    nb = nbformat.read(REPO_ROOT / "notebooks" / "01_data_loading.ipynb", as_version=4)
    pretend = nbformat.v4.new_code_cell('import sys, types\nsys.modules["google.colab"] = types.ModuleType("google.colab")')
    setup = nbformat.v4.new_code_cell(badges.colab_setup_source(str(wheel)))
    check = nbformat.v4.new_code_cell("import course_lib\nprint(course_lib.__file__)")
    nb.cells = [pretend, setup, check] + nb.cells

    from nbclient import NotebookClient

    started = time.perf_counter()
    run_dir = tmp_path / "notebooks"
    run_dir.mkdir()
    NotebookClient(nb, timeout=1800, kernel_name="colab-runtime",
                   resources={"metadata": {"path": str(run_dir)}}).execute()
    timings["cell install + notebook 01 (smoke)"] = time.perf_counter() - started

    printed = "".join(o.get("text", "") for o in nb.cells[2].outputs)
    assert str(runtime) in printed, f"course_lib was not imported from the Colab-like runtime: {printed}"
    for package, pinned in COLAB_PINS.items():
        assert _version(python, package) == pinned, f"the Colab cell replaced Colab's {package}"
    for tool in ("jupyterlab", "streamlit", "nbconvert", "pytest"):
        assert _version(python, tool) is None, f"the Colab cell installed {tool}, which is not a runtime dependency"
    print("timings (s): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()))
