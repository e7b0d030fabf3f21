"""The test layout mirrors the library: every course_lib module has its tests in tests/test_<module>.py."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def library_modules() -> list[Path]:
    """Every public module of course_lib (packages' __init__ and private _modules excluded)."""
    return sorted(p for p in (ROOT / "course_lib").rglob("*.py") if not p.name.startswith("_"))


def test_every_library_module_has_a_test_module():
    missing = [str(p.relative_to(ROOT)) for p in library_modules()
               if not (ROOT / "tests" / f"test_{p.stem}.py").exists()]
    assert not missing, f"modules without tests/test_<module>.py: {missing}"


def test_module_names_are_unique_so_test_names_are_too():
    stems = [p.stem for p in library_modules()]
    assert len(stems) == len(set(stems)), sorted(s for s in stems if stems.count(s) > 1)
