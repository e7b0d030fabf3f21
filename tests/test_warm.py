"""course_tools.warm: `course warm`, run by the set-up so that a student's first UMAP is not a compile."""

import pytest

from course_tools import warm


@pytest.mark.slow  # imports UMAP and loads its compiled functions
def test_warm_runs_umaps_fit_and_transform_and_reports_the_time(capsys):
    assert warm.main([]) == 0
    line = capsys.readouterr().out
    assert line.startswith("UMAP fit + transform on a tiny problem: ") and line.rstrip().endswith("later runs)")
    assert float(line.split(": ")[1].split(" s")[0]) > 0


def test_warm_takes_no_arguments(capsys):
    with pytest.raises(SystemExit, match="2"):
        warm.main(["--profile", "full"])
    assert "unrecognized arguments" in capsys.readouterr().err
