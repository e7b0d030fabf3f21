"""Run every notebook headlessly in one profile and write ``reports/<profile>/RESULTS.md``.

    course results --profile lecture            # also `make results`
    course results --profile smoke 01 02        # only notebooks whose name starts so

By default the checkpoint cache is an empty temporary folder, so the recorded wall times include
training (a cold cache), as a student's first run would. ``--warm`` uses the normal cache instead.
Each notebook's wall time (kernel start to last cell) replaces the one the notebook measured itself.
Each code cell prints a progress line; the three slowest cells of each notebook go into its report and
RESULTS.md. Executed copies are written to ``build/executed/<profile>/`` (git-ignored) for inspection.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

import nbformat

from course_lib import config
from course_tools.notebooks import cell_timeout, execute, numbered_notebooks, slowest_cells
from course_tools.results import write_results


def cpu_description() -> str:
    """The CPU model and whether it has AVX-512: machines of one kind differ up to 3x in speed on these."""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or "unknown CPU"
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")),
                 platform.processor() or "unknown CPU")
    return f"{model}, {'with' if ' avx512f' in info else 'without'} AVX-512"


def machine_note(settings: config.Settings) -> str:
    """Where and how the numbers were measured, for the top of RESULTS.md."""
    cores = os.cpu_count()
    note = (f"Measured on {platform.system()} {platform.machine()} ({cpu_description()}), {cores} CPU cores, Python "
            f"{platform.python_version()}; wall times include kernel start and, unless stated, training "
            f"with an empty checkpoint cache.")
    if settings.kmnist_standin:
        note += (f" **Kuzushiji-MNIST was replaced by the stand-in `{settings.kmnist_standin}`** "
                 f"(COURSE_KMNIST_STANDIN): KMNIST numbers below are stand-in numbers.")
    return note


def main(argv: list[str] | None = None) -> int:
    """`course results`: returns the exit status (0 all notebooks ran, 1 a failure, 2 a usage error)."""
    parser = argparse.ArgumentParser(prog="course results", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default=os.environ.get("COURSE_PROFILE", config.DEFAULT_PROFILE))
    parser.add_argument("--warm", action="store_true", help="reuse the checkpoint cache (wall times then exclude training)")
    parser.add_argument("--timeout", type=int, default=None,
                        help="seconds allowed per cell (default: course_tools.notebooks.CELL_TIMEOUT_S of the profile)")
    parser.add_argument("prefixes", nargs="*", help="only run notebooks whose names start with these")
    args = parser.parse_args(argv)
    try:
        profile = config.check_profile(args.profile)
        timeout = cell_timeout(profile, args.timeout)
    except ValueError as err:  # config.ProfileError included
        parser.error(str(err))
    os.environ["COURSE_PROFILE"] = profile

    root = config.REPO_ROOT / "notebooks"
    todo = numbered_notebooks(root, args.prefixes)
    if not todo:
        print(f"no notebooks matched in {root}", file=sys.stderr)
        return 1
    cold_dir = None if args.warm else tempfile.TemporaryDirectory(prefix="course-checkpoints-")
    if cold_dir is not None:
        os.environ["COURSE_CHECKPOINT_DIR"] = cold_dir.name
    settings = config.reload()
    out_dir = config.REPO_ROOT / "build" / "executed" / profile
    failures = []
    for i, path in enumerate(todo, 1):
        print(f"[{i}/{len(todo)}] {path.stem} (profile {profile}) ...", flush=True)
        try:
            seconds = execute(path, out_dir, timeout)
        except Exception as err:
            failures.append(path.stem)
            print(f"    FAILED: {type(err).__name__}: {str(err)[-2000:]}", flush=True)
            if "timed out" in str(err).lower():
                print(f"    a cell ran longer than {timeout} s: raise the limit with --timeout; with --warm the models "
                      "finished so far stay in the checkpoint cache for the next run", flush=True)
            continue
        report_path = settings.reports_dir / profile / f"{path.stem}.json"
        if report_path.exists():
            data = json.loads(report_path.read_text())
            data["wall_time_s"] = round(seconds, 1)
            data["slowest_cells"] = slowest_cells(nbformat.read(out_dir / path.name, as_version=4))
            report_path.write_text(json.dumps(data, indent=2) + "\n")
        print(f"    done in {seconds:.0f} s", flush=True)
    note = machine_note(settings) + (" Checkpoint cache: warm (training excluded)." if args.warm else "")
    results = write_results(profile, settings.reports_dir, note=note)
    print(f"wrote {results}")
    if cold_dir is not None:
        cold_dir.cleanup()
    if failures:
        print(f"failed: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
