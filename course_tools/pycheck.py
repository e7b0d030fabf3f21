"""Stop at once on a Python the course cannot install on, naming the supported versions.

    python course_tools/pycheck.py        # exit 0, or exit 1 with the message (what `make setup` runs first)

Standard library only, no import of the package and no newer syntax, so it works before anything is installed
and on any Python from 3.6. The supported range is read from ``requires-python`` in pyproject.toml (one place): TensorFlow
publishes wheels for CPython 3.11-3.13 only, so on 3.14 an install would fail only after minutes of downloads.
"""

import re
import sys
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
#: Used when pyproject.toml is not beside the package (an installed wheel); keep in step with it.
DEFAULT_RANGE = ((3, 11), (3, 14))


def supported_range(pyproject: Path = PYPROJECT) -> "tuple[tuple[int, int], tuple[int, int]]":
    """(lowest supported, first unsupported) minor versions from ``requires-python = ">=3.A,<3.B"``."""
    if not pyproject.is_file():
        return DEFAULT_RANGE
    match = re.search(r'^requires-python\s*=\s*">=\s*(\d+)\.(\d+)\s*,\s*<\s*(\d+)\.(\d+)\s*"', pyproject.read_text(),
                      re.MULTILINE)
    if not match:
        raise RuntimeError(f"{pyproject}: requires-python must read \">=3.A,<3.B\"")
    a, b, c, d = map(int, match.groups())
    return (a, b), (c, d)


def problem(version: "tuple[int, int] | None" = None) -> "str | None":
    """None when ``version`` (default: this interpreter) is supported, else the message to print."""
    version = tuple(version or sys.version_info[:2])
    low, high = supported_range()
    if low <= version < high:
        return None
    names = ", ".join(f"{low[0]}.{m}" for m in range(low[1], high[1]))
    found = ".".join(map(str, version))
    return (f"This course needs Python {names} (TensorFlow has wheels for these only); this is Python {found}.\n"
            f"Use one of them, e.g. `make setup PYTHON=python{low[0]}.{high[1] - 1}` or "
            f"`python{low[0]}.{high[1] - 1} -m venv .venv`.")


def main() -> int:
    message = problem()
    if message:
        print(message, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
