"""Record a notebook's measured numbers in ``reports/<profile>/<notebook>.json``.

A notebook creates one :class:`Report` in its setup cell (that starts the clock), adds every
quality number it computes, and saves at the end::

    report = Report("02_conv_autoencoder_fashion")
    report.add("val_mse_reference_ae", mse, reference=0.0217, source="course assignment",
               higher_is_better=False)
    report.save()          # -> reports/<profile>/02_conv_autoencoder_fashion.json

JSON shape (other tooling relies on it; keep it)::

    {"notebook": str, "profile": str, "wall_time_s": float,
     "metrics": {name: {"value": float, "reference": float|null, "source": str|null,
                        "higher_is_better": bool}}}

``course results`` (course_tools.results) assembles these files into ``reports/<profile>/RESULTS.md``.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

from course_lib import config
from course_lib.files import atomic_write
from course_lib.profiles import time_budget


class Report:
    """The measured results of one notebook run in the active profile."""

    def __init__(self, notebook: str, profile: str | None = None):
        self.notebook = notebook
        self.profile = config.check_profile(profile) if profile else config.settings().profile
        self.metrics: dict[str, dict[str, Any]] = {}
        self._started = time.perf_counter()

    def add(
        self,
        name: str,
        value: float,
        reference: float | None = None,
        source: str | None = None,
        higher_is_better: bool = True,
    ) -> float:
        """Record one number computed in this run; returns ``value`` so it can be used inline."""
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"metric {name!r} is {number}: only finite measured values can be reported")
        if reference is not None and source is None:
            raise ValueError(f"metric {name!r} has a reference value but no source: say where it comes from")
        self.metrics[name] = {
            "value": number,
            "reference": None if reference is None else float(reference),
            "source": source,
            "higher_is_better": bool(higher_is_better),
        }
        return number

    @property
    def elapsed_s(self) -> float:
        return time.perf_counter() - self._started

    def time_note(self) -> str:
        """One line: minutes so far against this profile's budget. Printed, never asserted: wall time depends on
        the machine and on what else runs on it, and `make results` judges it on a cold cache."""
        minutes = self.elapsed_s / 60
        budget = time_budget(self.notebook, self.profile)
        if budget is None:
            return f"notebook so far: {minutes:.1f} min (the {self.profile} profile sets no time budget)"
        verdict = "within" if minutes <= budget else "OVER (busy machine, or shared models trained in this run?)"
        return f"notebook so far: {minutes:.1f} min, {verdict} the {self.profile} budget of {budget:g} min"

    def as_dict(self) -> dict[str, Any]:
        return {
            "notebook": self.notebook,
            "profile": self.profile,
            "wall_time_s": round(self.elapsed_s, 2),
            "metrics": self.metrics,
        }

    def path(self) -> Path:
        return config.settings().reports_dir / self.profile / f"{self.notebook}.json"

    def save(self) -> Path:
        """Write the JSON report atomically and return its path."""
        path = self.path()
        atomic_write(path, json.dumps(self.as_dict(), indent=2) + "\n")
        return path

    def table(self):
        """This run's metrics as a pandas DataFrame (value beside reference), for display in the notebook."""
        import pandas as pd

        rows = [
            {"metric": name, "this run": m["value"], "reference": m["reference"], "source": m["source"],
             "better": "higher" if m["higher_is_better"] else "lower"}
            for name, m in self.metrics.items()
        ]
        return pd.DataFrame(rows).set_index("metric") if rows else pd.DataFrame()


def load_report(path: str | Path) -> dict[str, Any]:
    """Read one JSON report and check it has the agreed shape."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    missing = {"notebook", "profile", "wall_time_s", "metrics"} - set(data)
    if missing:
        raise ValueError(f"{path}: not a course report, missing {sorted(missing)}")
    return data
