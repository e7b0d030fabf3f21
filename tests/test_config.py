import pytest

from course_lib import config


def test_unknown_profile_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "huge")
    with pytest.raises(config.ProfileError, match="smoke, lecture, full"):
        config.reload()
    monkeypatch.delenv("COURSE_PROFILE")
    config.reload()


def test_default_profile_is_lecture(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    assert config.reload().profile == "lecture"
    config.reload()


def test_profile_name_is_normalised():
    assert config.check_profile(" Smoke ") == "smoke"


def test_relative_data_dirs_resolve_against_repo_root(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", "../shared/datasets" + __import__("os").pathsep + str(tmp_path))
    settings = config.reload()
    assert settings.data_dirs[0] == (config.REPO_ROOT / "../shared/datasets").resolve()
    assert settings.data_dirs[1] == tmp_path
    config.reload()


def test_bad_seed(monkeypatch):
    monkeypatch.setenv("COURSE_SEED", "abc")
    with pytest.raises(ValueError, match="COURSE_SEED"):
        config.reload()
    monkeypatch.delenv("COURSE_SEED")
    config.reload()


def test_sizes_attribute_access_and_typos():
    sizes = config.sizes("01_data_loading", "smoke")
    assert sizes.examples_per_class == sizes["examples_per_class"]
    with pytest.raises(AttributeError, match="known:"):
        sizes.epochz
    with pytest.raises(KeyError, match="known"):
        config.sizes("99_nope", "smoke")
