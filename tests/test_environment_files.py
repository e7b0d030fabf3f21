"""The install routes: pyproject.toml (loose bounds), the lock constraints.txt, conda and Binder files."""

import ast
import re
import tomllib

import pytest

from course_lib.config import REPO_ROOT
from course_tools import pycheck

PROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
#: repo2docker's own pattern for the Python version in an environment.yml (buildpacks/conda/__init__.py).
REPO2DOCKER_PYTHON = re.compile(r"python\s*=+\s*([\d\.]*)")


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _locked() -> dict[str, list[str]]:
    """Package name -> the pinned lines of constraints.txt (one per Python-version fork)."""
    pins: dict[str, list[str]] = {}
    for line in (REPO_ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            pins.setdefault(_name(line), []).append(line)
    return pins


def test_the_lock_pins_every_dependency_of_every_extra():
    locked = _locked()
    wanted = {_name(r) for r in PROJECT["dependencies"]}
    for extra in PROJECT["optional-dependencies"].values():
        wanted |= {_name(r) for r in extra}
    wanted.discard("course-lib")
    missing = sorted(n for n in wanted if n not in locked)
    assert not missing, f"not in constraints.txt (run `make lock`): {missing}"
    loose = [line for lines in locked.values() for line in lines if "==" not in line]
    assert not loose, f"constraints.txt lines that pin nothing: {loose}"


def test_the_lock_was_resolved_for_every_supported_python():
    """A universal lock (uv --universal): its header names the command, forks carry python markers."""
    text = (REPO_ROOT / "constraints.txt").read_text()
    assert "--universal" in text.splitlines()[1], "constraints.txt must come from `make lock` (uv pip compile --universal)"
    markers = set(re.findall(r"python_full_version [<>=]+ '(3\.\d+)", text))
    low, high = pycheck.supported_range()
    assert markers <= {f"3.{m}" for m in range(low[1], high[1] + 1)}, markers


def test_requires_python_matches_the_tensorflow_wheels():
    assert PROJECT["requires-python"] == ">=3.11,<3.14"


@pytest.mark.parametrize("path", ["environment.yml", "binder/environment.yml"])
def test_conda_files_name_an_exact_python_that_repo2docker_parses(path):
    text = (REPO_ROOT / path).read_text()
    match = REPO2DOCKER_PYTHON.search(text.split("dependencies:", 1)[1])
    assert match and re.fullmatch(r"3\.1[1-3]", match.group(1)), f"{path}: needs `python=3.X` (3.11-3.13)"
    assert ">=" not in text.split("dependencies:", 1)[1].split("pip:")[0], f"{path}: a range is not an exact Python"


def test_conda_and_binder_install_from_the_lock():
    conda = (REPO_ROOT / "environment.yml").read_text()
    assert "- -c constraints.txt" in conda and "- -e .[test]" in conda
    post_build = (REPO_ROOT / "binder" / "postBuild").read_text()
    assert "-c constraints.txt" in post_build and "course_tools.cli warm" in post_build


def test_every_module_course_lib_imports_is_a_declared_dependency():
    """Third-party imports in course_lib/ must be declared in the core dependencies."""
    import sys

    import_names = {"sklearn": "scikit-learn", "pil": "pillow", "umap": "umap-learn", "opentsne": "opentsne",
                    "ipython": "ipython", "yaml": "pyyaml"}
    declared = {_name(r) for r in PROJECT["dependencies"]}
    # The other Keras backends: imported only inside the train step of the backend the user chose (KERAS_BACKEND).
    declared |= {"jax", "torch"}
    found = set()
    for path in (REPO_ROOT / "course_lib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                tops = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            else:
                continue
            for top in tops:
                if top in sys.stdlib_module_names or top in {"course_lib", "__future__"}:
                    continue
                found.add(import_names.get(top.lower(), top.lower()).replace("_", "-"))
    assert found - declared == set(), f"imported by course_lib but not declared: {sorted(found - declared)}"


def test_license_and_single_version():
    import course_lib

    assert PROJECT["license"] == "MIT" and (REPO_ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "version" not in PROJECT and PROJECT["dynamic"] == ["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", course_lib.__version__)
