"""Render the course site: every notebook executed in one profile and converted to HTML, plus a landing page.

    course site                       # profile lecture (the default) -> build/site/lecture/
    course site --profile smoke       # seconds per notebook with cached models
    course site --profile lecture 01 03 --out /tmp/site
    course site --rerun               # execute every notebook, also those whose code did not change

The tools are maintained ones: nbclient executes the notebooks and nbconvert's ``lab`` template converts
them (through a small template that adds navigation and folds the worked solutions); this module only
writes the landing page and wires things together. The page template, the landing page, the stylesheet and
the images are files in ``course_tools/templates/``.

The site is self-contained and works offline (a lecture room without network, or CI): nothing is loaded
from a CDN. MathJax 3 is copied from the ``django-static-mathjax`` package, the Colab/Binder badge images
are replaced by local SVGs, and require.js / the widget manager (which the pages do not need) are left out.

A second build re-executes only the notebooks whose code cells (or the profile, or course_lib) changed since
the last build into the same folder: the others keep their executed copy (``_executed.json`` holds the hashes).

Layout of ``build/site/<profile>/``::

    index.html                 landing page: the notebooks, their learning objectives, the results table
    NN_slug.html               one page per notebook, with home / previous / next links at top and bottom
    notebooks/NN_slug.ipynb    the executed notebook, downloadable from its page
    _executed.json             per notebook: the hash of its code, profile and course_lib at the last execution
    _static/                   course.css, the badge images, mathjax/

Executing notebooks writes their JSON reports into ``build/site/<profile>/_reports/``, never into the
committed ``reports/`` folder. The landing page shows ``reports/<profile>/RESULTS.md`` (the table that
``make results`` measured with an empty checkpoint cache) when it exists, else the table of this build's
own run, and says which one it shows.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import html
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_lib import config
from course_lib.files import atomic_write
from course_tools import badges
from course_tools.notebooks import cell_timeout, environment, numbered_notebooks
from course_tools.notebooks import execute as execute_notebook
from course_tools.results import write_results

DEFAULT_PROFILE = "lecture"
DEFAULT_OUT = config.REPO_ROOT / "build" / "site"
COURSE_TITLE = "Representation learning with Keras"
TEMPLATES = Path(__file__).parent / "templates"
#: Files of templates/ copied as they are into the site's _static/ folder.
STATIC_FILES = ("course.css", "favicon.svg", "colab-badge.svg", "binder-badge.svg")


class SiteBuildError(RuntimeError):
    """The site could not be built (no notebooks, a notebook that failed to execute, ...)."""


@dataclass
class NotebookInfo:
    """What the landing page says about a notebook, parsed from its first (non-badge) markdown cell."""

    path: Path
    title: str
    objectives: list[str] = field(default_factory=list)
    run_time: str = ""

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def page(self) -> str:
        return f"{self.stem}.html"


_OBJECTIVES_HEADING = re.compile(r"learning (objectives|goals)", re.IGNORECASE)
_RUN_TIME = re.compile(r"^\s*\*\*(run time|how long)\*\*\s*:?\s*", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")


def notebook_info(nb: nbformat.NotebookNode, path: Path) -> NotebookInfo:
    """Title, learning objectives and run-time line of a notebook (GUIDE section 4, item 1).

    The intro cell is the first markdown cell that is not the badge cell. The title is its first
    ``# `` heading; the objectives are the bullet items after a line that mentions "learning objectives"
    (or "learning goals"); a bullet's continuation lines are joined to it.
    """
    intro = next((c for c in nb.cells if c.cell_type == "markdown"
                  and badges.BADGES_TAG not in c.get("metadata", {}).get("tags", [])), None)
    if intro is None:
        return NotebookInfo(path=path, title=path.stem)
    lines = intro.source.splitlines()
    title = next((ln[2:].strip() for ln in lines if ln.startswith("# ")), path.stem)
    objectives: list[str] = []
    run_time = ""
    in_objectives = False
    for line in lines:
        if _OBJECTIVES_HEADING.search(line) and not _BULLET.match(line):
            in_objectives = True
            continue
        if _RUN_TIME.match(line):
            run_time = _RUN_TIME.sub("", line.strip())
        if not in_objectives:
            continue
        bullet = _BULLET.match(line)
        if bullet:
            objectives.append(bullet.group(1).strip())
        elif line.strip() and objectives and line.startswith((" ", "\t")):
            objectives[-1] += " " + line.strip()
        elif objectives or line.strip():
            in_objectives = False
    return NotebookInfo(path=path, title=title, objectives=objectives, run_time=run_time)


def mathjax_source() -> Path | None:
    """MathJax 3's single-file ``tex-svg-full.js`` from the ``django-static-mathjax`` package, or None.

    That package is nothing but the official MathJax distribution as a wheel (no Django import is needed).
    The SVG build draws glyphs as paths, so the page loads no web fonts: nothing to fetch, nothing to fail.
    """
    try:
        import mathjax  # provided by django-static-mathjax
    except ImportError:
        return None
    script = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / "tex-svg-full.js"
    return script if script.is_file() else None


def _nav(infos: list[NotebookInfo], index: int, profile: str, where: str) -> str:
    """Home / previous / next links for page ``index``."""
    parts = ['<a href="index.html" class="course-home">Course home</a>']
    if index > 0:
        prev = infos[index - 1]
        parts.append(f'<a href="{prev.page}" rel="prev" class="course-prev">&larr; {html.escape(prev.title)}</a>')
    parts.append('<span class="spacer"></span>')
    if index + 1 < len(infos):
        nxt = infos[index + 1]
        parts.append(f'<a href="{nxt.page}" rel="next" class="course-next">{html.escape(nxt.title)} &rarr;</a>')
    parts.append(f'<span class="profile">profile: {html.escape(profile)}</span>')
    return f'<nav class="course-nav {where}">' + " ".join(parts) + "</nav>"


def _markdown(text: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(text)


def _inline_markdown(text: str) -> str:
    rendered = _markdown(text).strip()
    return rendered[3:-4] if rendered.startswith("<p>") and rendered.endswith("</p>") else rendered


def _for_site(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The badge cell with local images: the site must not load anything from the internet."""
    for cell in nb.cells:
        if badges.BADGES_TAG in cell.get("metadata", {}).get("tags", []):
            cell.source = (cell.source.replace(badges.COLAB_BADGE_IMAGE, "_static/colab-badge.svg")
                           .replace(badges.BINDER_BADGE_IMAGE, "_static/binder-badge.svg"))
    return nb


def _write_static(static: Path, with_mathjax: bool) -> str | None:
    """course.css, the badge images and (if available) MathJax; returns the MathJax URL for the pages."""
    static.mkdir(parents=True, exist_ok=True)
    for filename in STATIC_FILES:
        shutil.copy(TEMPLATES / filename, static / filename)
    source = mathjax_source() if with_mathjax else None
    if source is None:
        if with_mathjax:
            print("note: django-static-mathjax is not installed, formulas are shown as LaTeX source", file=sys.stderr)
        return None
    target = static / "mathjax"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    shutil.copy(source, target / source.name)
    licence = source.parent.parent / "LICENSE"
    if licence.is_file():
        shutil.copy(licence, target / "LICENSE")
    return f"_static/mathjax/{source.name}"


#: Beside the site output: for each executed notebook, the hash of what decides its outputs (see code_hash).
CACHE_FILE = "_executed.json"


def library_hash() -> str:
    """A hash of course_lib's source: a change to the teaching library can change every notebook's outputs."""
    digest = hashlib.sha256()
    root = Path(config.__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def code_hash(nb: nbformat.NotebookNode, profile: str, library: str) -> str:
    """What an executed copy depends on: the code cells in order, the profile, course_lib's source and the
    environment variables that change what the notebooks compute (the KMNIST stand-in). Prose is left out."""
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    settings = {"profile": profile, "library": library, "code": code,
                "kmnist_standin": os.environ.get("COURSE_KMNIST_STANDIN", "")}
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def with_outputs_of(source: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``source`` with the outputs of the earlier executed copy (same code cells, in the same order)."""
    done = [cell for cell in executed.cells if cell.cell_type == "code"]
    for cell, old in zip((c for c in source.cells if c.cell_type == "code"), done):
        cell.outputs, cell.execution_count = old.get("outputs", []), old.get("execution_count")
        if "execution" in old.get("metadata", {}):
            cell.metadata["execution"] = old.metadata["execution"]
    source.metadata.update({k: v for k, v in executed.metadata.items() if k == "language_info"})
    return source


def _read_cache(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def build(
    profile: str = DEFAULT_PROFILE,
    out: Path | None = None,
    prefixes: list[str] | None = None,
    notebooks_dir: Path | None = None,
    execute: bool | Sequence[str] = True,
    timeout: int | None = None,
    with_mathjax: bool = True,
    jobs: int = 1,
    reuse: bool = True,
) -> Path:
    """Execute the notebooks in ``profile``, convert them to HTML and write the landing page.

    ``execute``: True runs every notebook, False none (layout work), a list of prefixes (``["01", "09"]``) only
    those; the others are converted as they are, without outputs, and say so on the landing page.
    ``jobs`` notebooks are executed at the same time (each in its own kernel). Returns the site folder. Raises SiteBuildError (after writing every page it could) when a notebook
    fails to execute, so that ``make site`` and CI fail loudly.

    ``reuse``: a notebook whose code cells, profile and course_lib source are unchanged since the last build
    into ``out`` is not executed again; its outputs are copied from that build's executed copy onto the current
    notebook (so edited prose still shows). The hashes are kept in ``out/_executed.json``.
    """
    import jinja2
    from markupsafe import Markup  # pre-rendered HTML fragments (markdown) pass through the autoescaping
    from nbconvert import HTMLExporter

    profile = config.check_profile(profile)
    out = Path(out or DEFAULT_OUT / profile)
    timeout = cell_timeout(profile, timeout)
    paths = numbered_notebooks(notebooks_dir, prefixes)
    if not paths:
        raise SiteBuildError(f"no numbered notebooks (NN_slug.ipynb) matched in {notebooks_dir or 'notebooks/'}")
    executed_dir = out / "notebooks"
    site_reports = out / "_reports"
    executed_dir.mkdir(parents=True, exist_ok=True)
    mathjax_url = _write_static(out / "_static", with_mathjax)
    cache_file = out / CACHE_FILE
    cache = _read_cache(cache_file) if reuse else {}
    library = library_hash()

    seconds: dict[str, float] = {}
    reused: set[str] = set()
    failures: dict[str, str] = {}

    def wanted(path: Path) -> bool:
        if isinstance(execute, bool):
            return execute
        return any(path.name.startswith(prefix) for prefix in execute)

    def run_one(i: int, path: Path) -> None:
        if not wanted(path):
            shutil.copy(path, executed_dir / path.name)
            cache.pop(path.stem, None)  # the copy on disk is no longer an executed one
            (site_reports / profile / f"{path.stem}.json").unlink(missing_ok=True)
            return
        source = nbformat.read(path, as_version=4)
        key = code_hash(source, profile, library)
        entry = cache.get(path.stem, {})
        previous = executed_dir / path.name
        if entry.get("key") == key and previous.is_file():
            nbformat.write(with_outputs_of(source, nbformat.read(previous, as_version=4)), previous)
            seconds[path.stem] = float(entry.get("seconds", 0.0))
            reused.add(path.stem)
            print(f"[{i}/{len(paths)}] {path.stem}: code unchanged since the last build, its executed copy is reused",
                  flush=True)
            return
        cache.pop(path.stem, None)
        (site_reports / profile / f"{path.stem}.json").unlink(missing_ok=True)
        print(f"[{i}/{len(paths)}] executing {path.stem} (profile {profile}) ...", flush=True)
        started = time.perf_counter()
        try:
            execute_notebook(path, executed_dir, timeout)
        except Exception as err:  # a failing cell: keep the partial page, report it, fail at the end
            text = re.sub(r"\x1b\[[0-9;]*m", "", str(err)).strip()  # the traceback's terminal colours
            failures[path.stem] = f"{type(err).__name__}: {text.splitlines()[-1] if text else ''}"
            print(f"    {path.stem} FAILED: {failures[path.stem]}", flush=True)
        seconds[path.stem] = time.perf_counter() - started
        if path.stem not in failures:
            cache[path.stem] = {"key": key, "seconds": round(seconds[path.stem], 1)}

    # Each notebook runs in its own kernel process, so `jobs` kernels can work at once. Much of a notebook is
    # single-threaded (kernel start, imports, scikit-learn, plotting), so 2 jobs on 2 cores finish sooner
    # than one after the other; models two notebooks share are written atomically by the checkpoint cache.
    with environment(COURSE_PROFILE=profile, COURSE_REPORTS_DIR=str(site_reports)):
        if jobs <= 1:
            for i, path in enumerate(paths, 1):
                run_one(i, path)
        else:
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                list(pool.map(lambda item: run_one(*item), enumerate(paths, 1)))

    atomic_write(cache_file, json.dumps(cache, indent=1, sort_keys=True) + "\n")
    executed = {p.stem: nbformat.read(executed_dir / p.name, as_version=4) for p in paths}
    infos = [notebook_info(executed[p.stem], p) for p in paths]

    exporter = HTMLExporter(template_name="lab", extra_loaders=[jinja2.FileSystemLoader(TEMPLATES)],
                            template_file="page.html.j2")
    for index, info in enumerate(infos):
        nb = _for_site(executed[info.stem], info.path.name)
        resources = {"metadata": {"name": info.title},
                     "course": {"mathjax_url": mathjax_url,
                                "nav_top": _nav(infos, index, profile, "top"),
                                "nav_bottom": _nav(infos, index, profile, "bottom")}}
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        (out / info.page).write_text(body, encoding="utf-8")

    canonical = config.settings().reports_dir / profile / "RESULTS.md"
    if canonical.is_file():
        results_path = canonical
        origin = (f"From reports/{profile}/RESULTS.md, measured by `make results PROFILE={profile}` "
                  f"(empty checkpoint cache, so wall times include training).")
    else:
        results_path = write_results(profile, site_reports, note="") if seconds else None
        origin = (f"Measured while building this site (reports/{profile}/RESULTS.md does not exist yet; "
                  f"`make results PROFILE={profile}` writes it). Wall times include only what this build ran.")
    results_md = results_path.read_text(encoding="utf-8") if results_path else "_No results: the notebooks were not executed._"
    results_md = "\n".join(("#" + ln) if ln.startswith("## ") else ln
                           for ln in results_md.splitlines() if not ln.startswith("# "))
    rows = [{"info": info,
             "failed": failures.get(info.stem, ""),
             "seconds": (f"{seconds[info.stem]:.0f} s" + (" (reused: code unchanged)" if info.stem in reused else "")
                         if info.stem in seconds else "not executed"),
             "objectives_html": Markup(_markdown("\n".join(f"- {o}" for o in info.objectives))) if info.objectives else "",
             "run_time_html": Markup(_inline_markdown(info.run_time)) if info.run_time else ""} for info in infos]
    landing = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True).get_template(
        "landing.html.j2").render(
        course_title=COURSE_TITLE, profile=profile, notebooks=rows, all_executed=len(seconds) == len(paths),
        built_on=datetime.date.today().isoformat(), results_origin=Markup(_inline_markdown(origin)),
        results_html=Markup(_markdown(results_md)))
    (out / "index.html").write_text(landing, encoding="utf-8")
    if failures:
        raise SiteBuildError("notebooks failed to execute: " + "; ".join(f"{k}: {v}" for k, v in failures.items())
                             + f" (partial pages written to {out})")
    return out


def main(argv: list[str] | None = None) -> int:
    """`course site`: 0 when every page was built and every notebook ran, else 1."""
    parser = argparse.ArgumentParser(prog="course site", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default=DEFAULT_PROFILE, help="smoke | lecture | full (default: lecture)")
    parser.add_argument("--out", type=Path, default=None, help="site folder (default: build/site/<profile>)")
    parser.add_argument("--no-execute", action="store_true", help="convert the notebooks as they are (layout work)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks executed at the same time (default 1)")
    parser.add_argument("--rerun", action="store_true",
                        help="execute every notebook, even those whose code is unchanged since the last build")
    parser.add_argument("--timeout", type=int, default=None,
                        help="seconds allowed per cell (default: course_tools.notebooks.CELL_TIMEOUT_S of the profile)")
    parser.add_argument("prefixes", nargs="*", help="only notebooks whose names start with these, e.g. 01 03")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        out = build(args.profile, args.out, args.prefixes, execute=not args.no_execute, timeout=args.timeout,
                    jobs=args.jobs, reuse=not args.rerun)
    except (SiteBuildError, ValueError) as err:  # config.ProfileError and a bad --timeout included
        print(f"site build failed: {err}", file=sys.stderr)
        return 1
    print(f"site written to {out / 'index.html'} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
