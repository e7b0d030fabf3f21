"""The README's "start the course" command (`make lab`), checked for real.

JupyterLab is started exactly as the README says, on a free port with no browser and a known token,
its REST API must list every numbered notebook, headless Chromium opens one and must see the notebook's
title rendered, and the server must shut down cleanly through its API (exit status 0).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request

import nbformat
import pytest

import _browser
from course_lib import config
from course_tools import site
from course_tools.notebooks import numbered_notebooks

NOTEBOOKS = numbered_notebooks()
pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _api(base: str, token: str, path: str, method: str = "GET", timeout: float = 10):
    request = urllib.request.Request(f"{base}{path}", method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        body = answer.read()
        return json.loads(body) if body else None


def test_readme_start_command_is_make_lab():
    readme = (config.REPO_ROOT / "README.md").read_text()
    assert "```bash\nmake lab\n```" in readme, "the README's start command changed: update this test with it"


@pytest.fixture
def jupyterlab(tmp_path):
    """`make lab` on a free port, without a browser; yields (base URL, token); always stopped afterwards."""
    if not NOTEBOOKS:
        pytest.skip("no numbered notebooks yet")
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    port, token = _browser.free_port(), secrets.token_hex(16)
    config_dir = tmp_path / "jupyter-config"
    config_dir.mkdir()
    checkpoints = tmp_path / "lab-checkpoints"
    checkpoints.mkdir()
    # Only what a test must change: no browser, loopback only, CI's root user allowed, and the checkpoint that
    # opening a notebook saves kept out of the checkout. Port and token come from the environment
    # (JUPYTER_PORT, JUPYTER_TOKEN).
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"open_browser": False, "ip": "127.0.0.1", "allow_root": True},
         "FileCheckpoints": {"root_dir": str(checkpoints)}}))
    env = dict(os.environ, JUPYTER_PORT=str(port), JUPYTER_TOKEN=token, JUPYTER_CONFIG_DIR=str(config_dir),
               COURSE_PROFILE="smoke", JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    log = tmp_path / "jupyterlab.log"
    with open(log, "w") as out:
        process = subprocess.Popen(["make", "--no-print-directory", "lab"], cwd=config.REPO_ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                _api(base, token, "/api/status")
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.time() > deadline:
                    pytest.fail(f"JupyterLab did not start (exit {process.poll()}):\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
        yield base, token, process, log
    finally:
        if process.poll() is None:  # the test failed before the clean shutdown: stop our own process group
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def test_make_lab_serves_the_notebooks_and_renders_one(jupyterlab, tmp_path):
    base, token, process, log = jupyterlab

    listing = _api(base, token, "/api/contents/")
    served = sorted(item["name"] for item in listing["content"] if item["type"] == "notebook")
    numbered = [p.name for p in NOTEBOOKS]
    assert [n for n in served if n[:2].isdigit()] == numbered

    first = NOTEBOOKS[0]
    title = site.notebook_info(nbformat.read(first, as_version=4), first).title
    with _browser.driver(tmp_path / "chromium-profile") as web:
        web.get(f"{base}/lab/tree/{first.name}?token={token}")
        found, deadline = [], time.time() + 120
        while time.time() < deadline:
            found = web.execute_script(
                "return [...document.querySelectorAll('.jp-NotebookPanel .jp-RenderedMarkdown h1')].map(h => h.textContent)")
            if any(title in text for text in found):
                break
            time.sleep(0.5)
        assert any(title in text for text in found), f"title {title!r} not rendered; headings seen: {found}"
        assert "JupyterLab" in web.title
    # Opening the notebook started its kernel. Stop it through the sessions API first (each DELETE returns once
    # the kernel is gone), so the server's own shutdown has nothing left to wait for; on 2 cores busy with other
    # tests a kernel still starting up delayed that shutdown past a minute.
    for session in _api(base, token, "/api/sessions"):
        _api(base, token, f"/api/sessions/{session['id']}", method="DELETE", timeout=120)
    _api(base, token, "/api/shutdown", method="POST")
    try:
        status = process.wait(timeout=180)
    except subprocess.TimeoutExpired:
        pytest.fail(f"JupyterLab was still running 180 s after /api/shutdown:\n{log.read_text()[-3000:]}")
    assert status == 0, log.read_text()[-3000:]
    with pytest.raises((urllib.error.URLError, ConnectionError), match=r".+"):
        _api(base, token, "/api/status")
    # opening the notebook saved its checkpoint in the test's folder, not beside the user's notebooks
    assert list((tmp_path / "lab-checkpoints").rglob(f"{first.stem}-checkpoint.ipynb")), "checkpoint not redirected"
