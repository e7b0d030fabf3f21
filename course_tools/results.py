"""``reports/<profile>/RESULTS.md``: the notebooks' JSON reports (course_lib.report) as Markdown tables.

Delivery tooling, not teaching code: the notebooks only record their numbers with ``Report``; this module
turns a folder of those records into the table that ``course results`` commits and the site shows.
"""

from __future__ import annotations

from pathlib import Path

from course_lib import config
from course_lib.profiles import time_budget
from course_lib.files import atomic_write
from course_lib.report import load_report


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
        return f"{value:.3g}"
    return f"{value:.4g}"


NOTES_FILE = "NOTES.md"


def results_markdown(profile: str, reports_dir: Path | None = None, note: str = "") -> str:
    """RESULTS.md text: one table per notebook, this run beside the reference, plus wall times against the budgets
    of :data:`course_lib.profiles.TIME_BUDGET_MINUTES`."""
    folder = (reports_dir or config.settings().reports_dir) / profile
    reports = [load_report(p) for p in sorted(folder.glob("*.json"))]
    lines = [f"# Results: profile `{profile}`", ""]
    if note:
        lines += [note, ""]
    notes = folder / NOTES_FILE  # hand-written: how and under what load each run was made; never overwritten
    if notes.is_file():
        lines += [notes.read_text(encoding="utf-8").strip(), ""]
    lines += ["| notebook | wall time | budget |", "|---|---|---|"]
    for r in reports:
        minutes = r["wall_time_s"] / 60
        budget = time_budget(r["notebook"], profile)
        verdict = "" if budget is None else f"{budget:g} min: " + ("within" if minutes <= budget else "**over**")
        lines.append(f"| {r['notebook']} | {minutes:.1f} min ({r['wall_time_s']:.0f} s) | {verdict} |")
    for r in reports:
        lines += ["", f"## {r['notebook']}", "", "| metric | this run | reference | better | source |", "|---|---|---|---|---|"]
        for name, m in r["metrics"].items():
            better = "higher" if m["higher_is_better"] else "lower"
            lines.append(f"| {name} | {_fmt(m['value'])} | {_fmt(m['reference'])} | {better} | {m['source'] or ''} |")
        if r.get("slowest_cells"):  # written by `course results` from the executed notebook's cell timings
            lines += ["", "Slowest cells: " + "; ".join(
                f"cell {c['cell']} ({c['seconds']:.0f} s, `{c['source'].replace('`', '')}`)"
                for c in r["slowest_cells"]) + "."]
    return "\n".join(lines) + "\n"


def write_results(profile: str, reports_dir: Path | None = None, note: str = "") -> Path:
    """Write ``reports/<profile>/RESULTS.md`` from the JSON reports there; returns its path."""
    folder = (reports_dir or config.settings().reports_dir) / profile
    path = folder / "RESULTS.md"
    atomic_write(path, results_markdown(profile, reports_dir, note))
    return path
