"""Results reporting (the JSON shape other tooling relies on); the checkpoint cache is tested in test_checkpoints."""

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


def test_results_markdown_tables(course_env):
    a = report.Report("01_data_loading")
    a.add("files_verified", 14)
    a.save()
    b = report.Report("02_conv_autoencoder_fashion")
    b.add("val_mse", 0.0123, reference=0.0217, source="course assignment", higher_is_better=False)
    b.save()
    path = report.write_results("smoke", course_env.reports_dir, note="test machine")
    text = path.read_text()
    assert "## 01_data_loading" in text and "## 02_conv_autoencoder_fashion" in text
    assert "| val_mse | 0.0123 | 0.0217 | lower | course assignment |" in text
    assert "test machine" in text


def test_results_markdown_compares_wall_time_with_the_budget(course_env):
    folder = course_env.reports_dir / "lecture"
    folder.mkdir(parents=True)
    for notebook, seconds in [("02_conv_autoencoder_fashion", 300.0), ("06_semi_supervised_knn", 420.0), ("99_extra", 60.0)]:
        (folder / f"{notebook}.json").write_text(json.dumps(
            {"notebook": notebook, "profile": "lecture", "wall_time_s": seconds, "metrics": {}}))
    text = report.results_markdown("lecture", course_env.reports_dir)
    assert "| 02_conv_autoencoder_fashion | 5.0 min (300 s) | 8 min: within |" in text
    assert "| 06_semi_supervised_knn | 7.0 min (420 s) | 6 min: **over** |" in text
    assert "| 99_extra | 1.0 min (60 s) |  |" in text  # no budget set: nothing claimed


def test_time_note_judges_elapsed_minutes_against_the_profile_budget(course_env, monkeypatch):
    rep = report.Report("06_semi_supervised_knn", profile="lecture")
    monkeypatch.setattr(report.Report, "elapsed_s", property(lambda self: 300.0))
    assert rep.time_note() == "notebook so far: 5.0 min, within the lecture budget of 6 min"
    monkeypatch.setattr(report.Report, "elapsed_s", property(lambda self: 420.0))
    assert rep.time_note().startswith("notebook so far: 7.0 min, OVER")
    assert "sets no time budget" in report.Report("06_semi_supervised_knn", profile="smoke").time_note()


def test_hand_written_notes_survive_every_rewrite(course_env):
    folder = course_env.reports_dir / "lecture"
    folder.mkdir(parents=True)
    (folder / "NOTES.md").write_text("09 ran while two other jobs shared the cores.\n")
    for _ in range(2):
        text = report.write_results("lecture", course_env.reports_dir, note="machine line").read_text()
        assert "machine line" in text and "09 ran while two other jobs shared the cores." in text
    assert (folder / "NOTES.md").read_text() == "09 ran while two other jobs shared the cores.\n"
