"""course_lib.profiles: one table of run sizes, the same keys in every profile, an entry for every notebook."""

import pytest

from course_lib import config, profiles


def test_every_notebook_has_the_same_keys_in_every_profile():
    for notebook, table in profiles.SIZES.items():
        assert set(table) == set(profiles.PROFILE_NAMES), notebook
        keys = [set(values) for values in table.values()]
        assert all(k == keys[0] for k in keys), f"{notebook}: profiles name different sizes"


def test_every_notebook_file_has_sizes():
    notebooks = sorted(p.stem for p in (config.REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    missing = [n for n in notebooks if n not in profiles.SIZES]
    assert not missing, f"notebooks without an entry in course_lib/profiles.py: {missing}"


def test_sizes_are_read_only_with_attribute_access():
    sizes = profiles.sizes_for("01_data_loading", "smoke")
    assert sizes.examples_per_class == sizes["examples_per_class"]
    with pytest.raises(TypeError, match="does not support item assignment"):
        sizes["examples_per_class"] = 1
    with pytest.raises(KeyError, match="known: 01_data_loading"):
        profiles.sizes_for("99_nope", "smoke")
    with pytest.raises(KeyError, match="has no 'huge' profile"):
        profiles.sizes_for("01_data_loading", "huge")


def test_time_budgets_are_lecture_only_and_name_real_notebooks():
    assert profiles.time_budget("02_conv_autoencoder_fashion", "smoke") is None
    assert set(profiles.TIME_BUDGET_MINUTES["lecture"]) <= set(profiles.SIZES)
    assert all(0 < m <= 15 for m in profiles.TIME_BUDGET_MINUTES["lecture"].values())
