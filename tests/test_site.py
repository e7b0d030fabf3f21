"""The rendered course site: built in the smoke profile, then checked in a real headless Chromium.

Every page loads, every image has loaded (naturalWidth > 0), no console errors (so nothing was fetched
from a CDN that the offline machine cannot reach), formulas are typeset, and every internal link answers.
A screenshot of the landing page is kept as a test artifact in COURSE_TEST_ARTIFACTS when that is set
(else in the test's temporary folder). Every site is built in a temporary folder.
"""

from __future__ import annotations

import copy
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import os
from pathlib import Path

import nbformat
import pytest

import _browser
from course_lib import config
from course_tools import badges, site
from course_tools.notebooks import numbered_notebooks

NOTEBOOKS = numbered_notebooks()
TOY_REPOSITORY = "course-authors/course-pack"  # toy notebooks carry badges, as they will once a repository exists
EXECUTED = ["01", "09"]  # the notebooks the real-site test executes (figures, formulas, a results table)
ARTIFACTS = Path(os.environ["COURSE_TEST_ARTIFACTS"]) if os.environ.get("COURSE_TEST_ARTIFACTS") else None


def toy(number: int, title: str) -> nbformat.NotebookNode:
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        md(f"# {number:02d} · {title}\n\nA story.\n\n**Learning objectives**\n- derive $a^2 + b^2$ by hand;\n"
           f"- plot a *curve*\n  over two lines.\n\n**Run time**: smoke ≈ 1 s."),
        code("print(6 * 7)"),
        md("Exercise: add.", metadata={"tags": ["exercise"]}),
        code("print('worked solution')", metadata={"tags": ["solution"]}),
    ]
    return badges.apply(nb, f"{number:02d}_toy.ipynb", TOY_REPOSITORY)


# --- fast checks on toy notebooks -----------------------------------------------------------------------

def test_notebook_info_reads_title_objectives_and_run_time_after_the_badge_cell(tmp_path):
    info = site.notebook_info(toy(7, "Toy"), tmp_path / "07_toy.ipynb")
    assert info.title == "07 · Toy"
    assert info.objectives == ["derive $a^2 + b^2$ by hand;", "plot a *curve* over two lines."]
    assert info.run_time == "smoke ≈ 1 s."
    assert info.page == "07_toy.html"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_has_a_title_and_learning_objectives(path):
    info = site.notebook_info(nbformat.read(path, as_version=4), path)
    assert re.match(r"\d\d · ", info.title), f"{path.name}: the intro cell needs a '# NN · Title' heading"
    assert len(info.objectives) >= 2, f"{path.name}: list the learning objectives as bullets after 'Learning objectives'"


@pytest.fixture(scope="module")
def toy_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("toy-course")
    (root / "notebooks").mkdir()
    for number, title in [(1, "First"), (2, "Second"), (3, "Third")]:
        nbformat.write(toy(number, title), root / "notebooks" / f"{number:02d}_toy.ipynb")
    return site.build("smoke", out=root / "site", notebooks_dir=root / "notebooks", jobs=2)  # as the real one


@pytest.mark.slow
def test_toy_site_has_pages_navigation_and_folded_solutions(toy_site):
    index = (toy_site / "index.html").read_text()
    for n in (1, 2, 3):
        assert f'href="0{n}_toy.html"' in index
        assert (toy_site / "notebooks" / f"0{n}_toy.ipynb").is_file()
    assert "<li>derive $a^2 + b^2$ by hand;</li>" in index
    second = (toy_site / "02_toy.html").read_text()
    assert 'href="01_toy.html" rel="prev"' in second and 'href="03_toy.html" rel="next"' in second
    assert second.count('href="index.html"') >= 2  # navigation at the top and the bottom
    first, third = (toy_site / "01_toy.html").read_text(), (toy_site / "03_toy.html").read_text()
    assert 'rel="prev"' not in first and 'rel="next"' not in third
    assert '<details class="course-solution">' in second and "worked solution" in second
    assert "42" in second  # executed: the output is on the page


@pytest.mark.slow
def test_toy_site_loads_nothing_from_the_internet(toy_site):
    for page in toy_site.glob("*.html"):
        text = page.read_text()
        remote = re.findall(r"""<(?:script|link|img)[^>]+(?:src|href)=["'](https?:)?//""", text)
        assert not remote, f"{page.name} loads something from the internet"
        assert "colab-badge.svg" in text or page.name == "index.html"


@pytest.mark.slow
def test_a_notebook_that_fails_to_execute_fails_the_build(tmp_path):
    (tmp_path / "notebooks").mkdir()
    nb = toy(1, "Broken")
    nb.cells.insert(3, nbformat.v4.new_code_cell("raise RuntimeError('boom')"))
    nbformat.write(nb, tmp_path / "notebooks" / "01_broken.ipynb")
    nbformat.write(toy(2, "Fine"), tmp_path / "notebooks" / "02_fine.ipynb")
    with pytest.raises(site.SiteBuildError, match="01_broken: .*boom") as failed:
        site.build("smoke", out=tmp_path / "site", notebooks_dir=tmp_path / "notebooks", with_mathjax=False, jobs=2)
    assert "02_fine" not in str(failed.value)  # the other notebook, run beside it, is unaffected
    index = (tmp_path / "site" / "index.html").read_text()
    assert "Execution failed in this build" in index and (tmp_path / "site" / "02_fine.html").is_file()


@pytest.mark.slow
def test_partial_build_renders_every_page_and_runs_only_the_chosen_notebooks(tmp_path):
    (tmp_path / "notebooks").mkdir()
    for number, title in [(1, "First"), (2, "Second")]:
        nbformat.write(toy(number, title), tmp_path / "notebooks" / f"{number:02d}_toy.ipynb")
    out = site.build("smoke", out=tmp_path / "site", notebooks_dir=tmp_path / "notebooks", with_mathjax=False,
                     execute=["02"])
    index = (out / "index.html").read_text()
    assert index.count("this build: not executed") == 1 and "Pages marked" in index
    printed = re.compile(r"<pre>42\s*</pre>")  # the output of print(6 * 7)
    assert printed.search((out / "02_toy.html").read_text()) and not printed.search((out / "01_toy.html").read_text())


def test_unknown_profile_is_refused(tmp_path):
    with pytest.raises(config.ProfileError, match="COURSE_PROFILE='tiny' is not a profile"):
        site.build("tiny", out=tmp_path)


# --- the real site, in a real browser -------------------------------------------------------------------

@pytest.fixture(scope="module")
def course_site(tmp_path_factory):
    """`make site PROFILE=smoke` with every page rendered and the EXECUTED notebooks run."""
    if not NOTEBOOKS:
        pytest.skip("no numbered notebooks yet")
    _browser.chromium()  # fail or skip before the expensive build if there is no browser
    # Every page is rendered and checked, but only EXECUTED notebooks run here: the rest run under nbval in the same
    # suite, and executing all of them twice would double the suite's time on 2 cores (`make site` runs them all).
    # results of this build only (a developer's reports/smoke/RESULTS.md from earlier runs must not stand in for them)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COURSE_REPORTS_DIR", str(tmp_path_factory.mktemp("site-reports")))
        config.reload()
        try:
            return site.build("smoke", out=tmp_path_factory.mktemp("site") / "smoke", jobs=2, execute=EXECUTED)
        finally:
            patch.undo()
            config.reload()


def _executed(page: str) -> bool:
    return any(page.startswith(prefix) for prefix in EXECUTED)


def _internal(href: str) -> bool:
    return bool(href) and not href.startswith(("#", "http:", "https:", "mailto:", "data:", "javascript:"))


@pytest.mark.slow
@pytest.mark.browser
def test_course_site_in_headless_chromium(course_site, tmp_path):
    pages = ["index.html"] + [f"{p.stem}.html" for p in NOTEBOOKS]
    problems: list[str] = []
    artifacts = ARTIFACTS or tmp_path / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    with _browser.serve(course_site) as base, _browser.driver(tmp_path / "chromium-profile") as web:
        checked_links: set[str] = set()
        for page in pages:
            web.get(f"{base}/{page}")
            deadline = time.time() + 30
            while time.time() < deadline and not web.execute_script(
                    "return document.readyState === 'complete' && [...document.images].every(i => i.complete)"):
                time.sleep(0.2)
            if page == "index.html":
                web.set_window_size(1280, max(1200, min(6000, web.execute_script("return document.body.scrollHeight"))))
                web.save_screenshot(str(artifacts / "site-landing.png"))
            if not web.title.strip():
                problems.append(f"{page}: empty <title>")
            images = web.execute_script("return [...document.images].map(i => [i.getAttribute('src').slice(0, 80), i.naturalWidth])")
            problems += [f"{page}: image {src!r} did not load" for src, width in images if not width]
            if _executed(page) and sum(1 for src, _ in images if src.startswith("data:image/png")) < 2:
                problems.append(f"{page}: executed, but fewer than two figures on the page")
            source = (course_site / page).read_text()
            if page != "index.html" and re.search(r"\$\$|\\\(|\$[^$\s][^$]*\$", source):
                for _ in range(100):
                    if web.execute_script("return document.querySelectorAll('mjx-container').length"):
                        break
                    time.sleep(0.1)
                else:
                    problems.append(f"{page}: has formulas but MathJax typeset none")
            problems += [f"{page}: console error: {msg}" for msg in _browser.severe_console_messages(web)]
            hrefs = web.execute_script("return [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")
            nav = web.execute_script("return [...document.querySelectorAll('nav.course-nav a')].map(a => a.getAttribute('href'))")
            if "index.html" not in nav:
                problems.append(f"{page}: no link back to the course home")
            for href in filter(_internal, hrefs):
                url = urllib.parse.urljoin(f"{base}/{page}", href).split("#")[0]
                if url in checked_links:
                    continue
                checked_links.add(url)
                try:
                    with urllib.request.urlopen(url, timeout=10) as answer:
                        status = answer.status
                except urllib.error.HTTPError as err:
                    status = err.code
                if status != 200:
                    problems.append(f"{page}: link {href!r} answers {status}")
        # the landing page links every notebook; the prev/next chain visits them all in order
        web.get(f"{base}/index.html")
        listed = web.execute_script("return [...document.querySelectorAll('section.notebook h3 a')].map(a => a.getAttribute('href'))")
        if listed != pages[1:]:
            problems.append(f"landing page lists {listed}, expected {pages[1:]}")
        web.get(f"{base}/{pages[1]}")
        visited = [pages[1]]
        for _ in pages[2:]:
            web.find_element("css selector", "nav.course-nav.top a[rel=next]").click()
            visited.append(web.current_url.rsplit("/", 1)[-1])
        if visited != pages[1:]:
            problems.append(f"following 'next' visits {visited}, expected {pages[1:]}")
    assert not problems, "\n".join(problems)
    assert (artifacts / "site-landing.png").stat().st_size > 10_000


@pytest.mark.slow
@pytest.mark.browser
def test_landing_page_shows_objectives_and_the_results_table(course_site):
    index = (course_site / "index.html").read_text()
    for path in NOTEBOOKS:
        info = site.notebook_info(nbformat.read(path, as_version=4), path)
        assert f'href="{info.page}"' in index
    assert index.count("<strong>Learning objectives</strong>") == len(NOTEBOOKS)
    assert "<table>" in index and "wall time" in index  # RESULTS.md rendered as a table
    for path in NOTEBOOKS:  # every executed notebook reported its numbers (its rep.save() ran in this profile)
        reported = f'<h3 id="{path.stem}">' in index
        assert reported == _executed(path.name), f"{path.stem}: executed {_executed(path.name)}, in the results table {reported}"
    assert index.count("this build: not executed") == len([p for p in NOTEBOOKS if not _executed(p.name)])


@pytest.mark.slow
def test_a_second_build_reuses_notebooks_whose_code_did_not_change(tmp_path, monkeypatch, capsys):
    (tmp_path / "notebooks").mkdir()
    for number, title in [(1, "First"), (2, "Second")]:
        nb = toy(number, title)
        nb.cells.insert(2, nbformat.v4.new_code_cell("import time\nprint('ran at', time.time_ns())"))
        nbformat.write(nb, tmp_path / "notebooks" / f"{number:02d}_toy.ipynb")
    build = lambda: site.build("smoke", out=tmp_path / "site", notebooks_dir=tmp_path / "notebooks", with_mathjax=False)
    build()
    first = (tmp_path / "site" / "01_toy.html").read_text()
    stamp = re.search(r"ran at \d+", first).group(0)
    executed = []
    real = site.execute_notebook
    monkeypatch.setattr(site, "execute_notebook", lambda path, *a, **k: executed.append(path.stem) or real(path, *a, **k))
    capsys.readouterr()
    build()  # nothing changed: nothing runs, the pages keep their outputs
    assert executed == [] and "code unchanged since the last build" in capsys.readouterr().out
    assert stamp in (tmp_path / "site" / "01_toy.html").read_text()
    assert "reused: code unchanged" in (tmp_path / "site" / "index.html").read_text()
    # prose edited in 01, code edited in 02: only 02 runs, and 01's page shows the new prose with the old outputs
    one = nbformat.read(tmp_path / "notebooks" / "01_toy.ipynb", as_version=4)
    intro = next(c for c in one.cells if "A story." in c.source)
    intro.source = intro.source.replace("A story.", "A better story.")
    nbformat.write(one, tmp_path / "notebooks" / "01_toy.ipynb")
    two = nbformat.read(tmp_path / "notebooks" / "02_toy.ipynb", as_version=4)
    next(c for c in two.cells if c.source == "print(6 * 7)").source = "print(6 * 7, 'again')"
    nbformat.write(two, tmp_path / "notebooks" / "02_toy.ipynb")
    build()
    assert executed == ["02_toy"]
    page = (tmp_path / "site" / "01_toy.html").read_text()
    assert "A better story." in page and stamp in page
    assert "42 again" in (tmp_path / "site" / "02_toy.html").read_text()
    site.build("smoke", out=tmp_path / "site", notebooks_dir=tmp_path / "notebooks", with_mathjax=False, reuse=False)
    assert executed == ["02_toy", "01_toy", "02_toy"]


def test_the_code_hash_ignores_prose_and_sees_code_profile_and_library():
    nb = toy(1, "One")
    key = site.code_hash(nb, "smoke", "lib")
    prose = copy.deepcopy(nb)
    next(c for c in prose.cells if "A story." in c.source).source += " More prose."
    assert site.code_hash(prose, "smoke", "lib") == key
    code = copy.deepcopy(nb)
    next(c for c in code.cells if c.source == "print(6 * 7)").source = "print(6 * 8)"
    assert len({key, site.code_hash(code, "smoke", "lib"), site.code_hash(nb, "lecture", "lib"),
                site.code_hash(nb, "smoke", "lib2")}) == 4
    assert len(site.library_hash()) == 64
