"""The test layout mirrors the code: every module of course_lib and course_tools has its tests in
tests/test_<module>.py (a private ``_module`` in tests/test_module.py), so a reader finds them without a search."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("course_lib", "course_tools")


def code_modules() -> list[Path]:
    """Every module of the two packages, private ones included (packages' __init__ excluded)."""
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py") if p.name != "__init__.py")


def expected_test_file(module: Path) -> Path:
    return ROOT / "tests" / f"test_{module.stem.lstrip('_')}.py"


def test_every_module_has_a_test_module():
    missing = [str(p.relative_to(ROOT)) for p in code_modules() if not expected_test_file(p).exists()]
    assert not missing, f"modules without tests/test_<module>.py: {missing}"


def test_module_names_are_unique_so_test_names_are_too():
    stems = [p.stem.lstrip("_") for p in code_modules()]
    assert len(stems) == len(set(stems)), sorted(s for s in stems if stems.count(s) > 1)
