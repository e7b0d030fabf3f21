"""reports/<profile>/RESULTS.md from the notebooks' JSON reports (course_tools.results)."""

import json

from course_lib import report
from course_tools import results


def test_results_markdown_tables(course_env):
    a = report.Report("01_data_loading")
    a.add("files_verified", 14)
    a.save()
    b = report.Report("02_conv_autoencoder_fashion")
    b.add("val_mse", 0.0123, reference=0.0217, source="course assignment", higher_is_better=False)
    b.save()
    path = results.write_results("smoke", course_env.reports_dir, note="test machine")
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
    text = results.results_markdown("lecture", course_env.reports_dir)
    assert "| 02_conv_autoencoder_fashion | 5.0 min (300 s) | 8 min: within |" in text
    assert "| 06_semi_supervised_knn | 7.0 min (420 s) | 6 min: **over** |" in text
    assert "| 99_extra | 1.0 min (60 s) |  |" in text  # no budget set: nothing claimed


def test_hand_written_notes_survive_every_rewrite(course_env):
    folder = course_env.reports_dir / "lecture"
    folder.mkdir(parents=True)
    (folder / "NOTES.md").write_text("09 ran while two other jobs shared the cores.\n")
    for _ in range(2):
        text = results.write_results("lecture", course_env.reports_dir, note="machine line").read_text()
        assert "machine line" in text and "09 ran while two other jobs shared the cores." in text
    assert (folder / "NOTES.md").read_text() == "09 ran while two other jobs shared the cores.\n"


def test_results_name_each_notebooks_slowest_cells(course_env):
    folder = course_env.reports_dir / "smoke"
    folder.mkdir(parents=True)
    (folder / "03_variational_autoencoder.json").write_text(json.dumps(
        {"notebook": "03_variational_autoencoder", "profile": "smoke", "wall_time_s": 90.0, "metrics": {},
         "slowest_cells": [{"cell": 12, "seconds": 41.2, "source": "vae16 = vae_lib.fit_or_load_vae(`x`)"},
                           {"cell": 3, "seconds": 9.6, "source": "import keras"}]}))
    text = results.results_markdown("smoke", course_env.reports_dir)
    assert "Slowest cells: cell 12 (41 s, `vae16 = vae_lib.fit_or_load_vae(x)`); cell 3 (10 s, `import keras`)." in text
