"""The Streamlit demo, run headlessly with Streamlit's own testing API (streamlit.testing.v1.AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from course_lib import config, data, profiles  # noqa: E402

pytestmark = pytest.mark.slow  # a Streamlit session with trained models: about 25 s

APP = str(Path(__file__).resolve().parent.parent / "apps" / "muddle_app.py")

TINY = {
    "08_digit_muddle": {"n_train": 300, "ae_epochs": 1, "vae_epochs": 1, "latent_dim": 4, "batch_size": 50,
                        "learning_rate": 3e-3, "n_pairs": 10, "path_steps": 5, "gallery": 2, "min_muddle_rate": 0.0},
    "shared_mnist_judge": {"n_train": 300, "epochs": 1, "batch_size": 50, "learning_rate": 2e-3, "n_test": 200,
                           "min_test_accuracy": 0.0},
    "shared_mnist_examiner": {"members": 2, "n_train": 300, "epochs": 1, "batch_size": 50, "learning_rate": 2e-3,
                              "n_test": 200, "min_test_accuracy": 0.0},
}


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    """Smoke profile, an empty checkpoint cache, tiny model sizes; real MNIST from COURSE_DATA_DIR."""
    from course_lib.models import classifiers

    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    monkeypatch.setenv("COURSE_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    monkeypatch.setenv("COURSE_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    for name, table in TINY.items():
        monkeypatch.setitem(profiles.SIZES, name, {p: table for p in profiles.PROFILE_NAMES})
    settings = config.reload()
    try:
        data.load("mnist", "test")
    except Exception as err:  # no MNIST here (e.g. no COURSE_DATA_DIR): nothing to demo on
        pytest.skip(f"MNIST not available: {err}")
    classifiers._cached_classifier.cache_clear()
    yield settings
    classifiers._cached_classifier.cache_clear()
    monkeypatch.undo()
    config.reload()


def test_app_without_trained_models_explains_what_to_do(app_env):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Digit muddle"
    assert "Run notebook" in at.warning[0].value


def test_app_with_cached_models_responds_to_the_widgets(app_env):
    from course_lib import muddle
    from course_lib.models.classifiers import mnist_examiner, mnist_judge

    sizes = config.sizes("08_digit_muddle")
    x, y = muddle.training_data(sizes, app_env.seed)
    muddle.fit_or_load_models(sizes, x, y, app_env.seed, verbose=0)   # what notebook 08 does
    mnist_judge(verbose=0)
    mnist_examiner(verbose=0)

    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, at.exception
    assert not at.warning
    assert len(at.slider) == 2 and at.slider(key="t").value == 0.5
    assert at.markdown[-1].value.startswith("top two:")
    assert "examiner" in at.markdown[-1].value

    at.selectbox(key="digit").set_value(7).run()
    at.slider(key="t").set_value(0.9).run()
    assert not at.exception
    assert at.markdown[-1].value.startswith("top two:")

    at.button(key="search").click().run()
    assert not at.exception
    assert any(m.value.startswith("best t = ") for m in at.markdown)
