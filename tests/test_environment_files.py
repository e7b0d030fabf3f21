"""pyproject.toml (pip route) and environment.yml (conda route) must name the same packages."""

import re
import tomllib

from course_lib.config import REPO_ROOT


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _conda_dependency_lines() -> list[str]:
    text = (REPO_ROOT / "environment.yml").read_text()
    return text.split("dependencies:", 1)[1].splitlines()


def test_environment_yml_and_pyproject_name_the_same_packages():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    pip_names = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        pip_names |= {_name(r) for r in extra}
    conda_names = set()
    for line in _conda_dependency_lines():
        match = re.match(r"^\s+- ([A-Za-z0-9_.\-]+)", line)
        if match and match.group(1) not in {"python", "pip"} and not match.group(1).startswith("-"):
            conda_names.add(_name(match.group(1)))
    assert pip_names == conda_names, (
        f"only in pyproject: {sorted(pip_names - conda_names)}; only in environment.yml: {sorted(conda_names - pip_names)}"
    )


def test_every_conda_dependency_says_which_notebook_needs_it():
    for line in _conda_dependency_lines():
        if re.match(r"^\s+- [A-Za-z]", line) and not re.match(r"^\s+- (python|pip)\b", line):
            assert "#" in line, f"environment.yml: no comment on {line.strip()!r}"
