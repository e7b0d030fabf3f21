"""Headless Chromium for the browser tests (test_site.py, test_jupyterlab.py): install, start, serve.

The browser is Debian's ``chromium`` with its matching ``chromium-driver``, driven by Selenium. A machine
without them gets them here, from apt, when the tests run as root (CI, containers); elsewhere the tests
are skipped with the command to run, except under CI (``CI`` set), where a missing browser is a failure.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

APT_PACKAGES = ("chromium", "chromium-driver")
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
    "--window-size=1280,1600",
)


def _binaries() -> tuple[str | None, str | None]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
    return browser, driver


def _missing(reason: str):
    message = f"{reason}. Install the browser with: sudo apt-get install -y {' '.join(APT_PACKAGES)}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@functools.lru_cache(maxsize=1)
def _install_with_apt() -> str:
    """apt-get install the browser once per test session; returns apt's output tail for error messages."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    log = []
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *APT_PACKAGES]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
        log.append(f"$ {' '.join(cmd)} -> {done.returncode}\n{done.stdout[-1500:]}{done.stderr[-1500:]}")
        if done.returncode != 0:
            break
    return "\n".join(log)


def chromium() -> tuple[str, str]:
    """Paths of chromium and chromedriver, installing them with apt if needed (and allowed)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        _missing("the Python package selenium is not installed (pip install selenium)")
    browser, driver = _binaries()
    if browser and driver:
        return browser, driver
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        log = _install_with_apt()
        browser, driver = _binaries()
        if browser and driver:
            return browser, driver
        _missing(f"apt-get could not install {' '.join(APT_PACKAGES)}:\n{log}")
    _missing("headless Chromium (chromium + chromedriver) is not installed and this user cannot apt-get it")
    raise AssertionError("unreachable")


@contextlib.contextmanager
def driver(profile_dir: Path) -> Iterator:
    """A headless Chromium WebDriver with a fresh user-data dir; console messages are kept for get_log."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, chromedriver = chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile_dir}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    web = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    web.set_page_load_timeout(120)
    try:
        yield web
    finally:
        web.quit()


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output readable
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1 (a real server, like a course site host); yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def severe_console_messages(web) -> list[str]:
    """Console errors (level SEVERE) the browser logged since the last call."""
    return [entry["message"] for entry in web.get_log("browser") if entry.get("level") == "SEVERE"]
