"""Results reporting (the JSON shape other tooling relies on) and the fit-or-load checkpoint cache."""

import json

import numpy as np
import pytest

from course_lib import checkpoints, report


def test_report_json_shape(course_env):
    rep = report.Report("01_data_loading")
    rep.add("accuracy", 0.91, reference=0.854, source="Fashion-MNIST benchmark")
    rep.add("val_mse", np.float32(0.02), higher_is_better=False)
    path = rep.save()
    assert path == course_env.reports_dir / "smoke" / "01_data_loading.json"
    saved = json.loads(path.read_text())
    assert set(saved) == {"notebook", "profile", "wall_time_s", "metrics"}
    assert saved["profile"] == "smoke" and isinstance(saved["wall_time_s"], float)
    assert saved["metrics"]["accuracy"] == {"value": 0.91, "reference": 0.854,
                                            "source": "Fashion-MNIST benchmark", "higher_is_better": True}
    assert saved["metrics"]["val_mse"]["reference"] is None
    assert list(rep.table().columns) == ["this run", "reference", "source", "better"]


def test_report_refuses_nan_and_unsourced_references(course_env):
    rep = report.Report("x")
    with pytest.raises(ValueError, match="finite"):
        rep.add("loss", float("nan"))
    with pytest.raises(ValueError, match="no source"):
        rep.add("acc", 0.5, reference=0.6)


def test_time_note_judges_elapsed_minutes_against_the_profile_budget(course_env, monkeypatch):
    rep = report.Report("06_semi_supervised_knn", profile="lecture")
    monkeypatch.setattr(report.Report, "elapsed_s", property(lambda self: 300.0))
    assert rep.time_note() == "notebook so far: 5.0 min, within the lecture budget of 6 min"
    monkeypatch.setattr(report.Report, "elapsed_s", property(lambda self: 420.0))
    assert rep.time_note().startswith("notebook so far: 7.0 min, OVER")
    assert "sets no time budget" in report.Report("06_semi_supervised_knn", profile="smoke").time_note()


def _tiny_model():
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    return model


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    return x, x @ np.array([1.0, -2.0, 0.5, 0.0], dtype="float32")


def test_one_training_step_lowers_the_loss():
    x, y = _data()
    model = _tiny_model()
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, batch_size=64, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before


def test_fit_or_load_trains_once_then_loads(course_env):
    x, y = _data()
    calls = []

    def train(model):
        calls.append(1)
        return model.fit(x, y, epochs=2, verbose=0)

    first = checkpoints.fit_or_load("nb", "tiny", _tiny_model, train, {"epochs": 2})
    second = checkpoints.fit_or_load("nb", "tiny", _tiny_model, train, {"epochs": 2})
    assert not first.loaded and second.loaded and len(calls) == 1
    np.testing.assert_allclose(first.model.predict(x, verbose=0), second.model.predict(x, verbose=0), rtol=1e-6)
    assert second.history["loss"] == first.history["loss"]
    assert second.seconds_per_epoch == pytest.approx(first.seconds_per_epoch)
    assert first.path.parent == course_env.checkpoint_dir / "nb"
    assert not [p for p in first.path.parent.iterdir() if p.name.startswith(".")], "no temporary files left"
    # other settings -> another key -> trained again
    checkpoints.fit_or_load("nb", "tiny", _tiny_model, train, {"epochs": 3})
    assert len(calls) == 2


def test_corrupt_checkpoint_is_retrained(course_env, capsys):
    x, y = _data()
    first = checkpoints.fit_or_load("nb", "tiny", _tiny_model, lambda m: m.fit(x, y, verbose=0), {"a": 1})
    first.path.write_bytes(b"not a keras file")
    again = checkpoints.fit_or_load("nb", "tiny", _tiny_model, lambda m: m.fit(x, y, verbose=0), {"a": 1})
    assert not again.loaded
    assert "unusable" in capsys.readouterr().out


def test_incompatible_checkpoint_is_retrained(course_env, capsys):
    import keras

    x, y = _data()
    checkpoints.fit_or_load("nb", "m", _tiny_model, lambda m: m.fit(x, y, verbose=0), {"a": 1})

    def other_architecture():
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5), keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        return model

    again = checkpoints.fit_or_load("nb", "m", other_architecture, lambda m: m.fit(x, y, verbose=0), {"a": 1})
    assert not again.loaded and "unusable" in capsys.readouterr().out


def test_entry_without_metadata_is_incomplete(course_env):
    x, y = _data()
    first = checkpoints.fit_or_load("nb", "tiny", _tiny_model, lambda m: m.fit(x, y, verbose=0), {"a": 1})
    first.path.with_suffix(".json").unlink()
    again = checkpoints.fit_or_load("nb", "tiny", _tiny_model, lambda m: m.fit(x, y, verbose=0), {"a": 1})
    assert not again.loaded
