"""course_lib.report: the JSON shape other tooling relies on, its refusals and the time note."""

import json

import numpy as np
import pytest

from course_lib import report


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
