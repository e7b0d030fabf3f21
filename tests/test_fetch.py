"""course_lib.data.fetch: lookup, atomic checksummed download and offline errors, on generated files."""

import dataclasses
import functools
import http.server
import socket
import threading

import numpy as np
import pytest

from conftest import sha256, write_idx
from course_lib import config, data
from course_lib.data.fetch import ChecksumError, DatasetNotFoundError, download, locate


def test_found_in_data_dir_first(course_env, toy_dataset, toy_arrays):
    spec, server = toy_dataset
    target = course_env.data_dirs[0] / "toy"
    target.mkdir()
    for f in server.iterdir():
        (target / f.name).write_bytes(f.read_bytes())
    x, y = data.load("toy", "train")
    np.testing.assert_array_equal(x, toy_arrays[0])
    assert not (course_env.cache_dir / "toy").exists(), "nothing is downloaded when the data dir has the files"


def test_download_via_file_url_into_cache(course_env, toy_dataset, toy_arrays):
    x, y = data.load("toy", "train")
    np.testing.assert_array_equal(y, toy_arrays[1])
    cached = sorted(p.name for p in (course_env.cache_dir / "toy").iterdir())
    assert cached == ["train-images.gz", "train-labels.gz"], "only verified files, no staging leftovers"


def test_download_over_http(course_env, toy_dataset, tmp_path):
    spec, server = toy_dataset
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(server))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        f = spec.splits["train"].images
        url = f"http://127.0.0.1:{httpd.server_address[1]}/{f.filename}"
        target = tmp_path / "dl" / f.filename
        assert download(f, target, [url]) == target
        assert sha256(target) == f.sha256
    finally:
        httpd.shutdown()


def test_checksum_mismatch_on_download_leaves_nothing(course_env, toy_dataset, tmp_path):
    spec, server = toy_dataset
    f = spec.splits["train"].images
    wrong = dataclasses.replace(f, sha256="0" * 64)
    target = tmp_path / "dl" / f.filename
    with pytest.raises(DatasetNotFoundError, match="does not match"):
        download(wrong, target)
    assert not target.exists()
    assert list(target.parent.iterdir()) == [], "the temporary download folder is removed"


def test_corrupted_file_on_disk_is_never_used(course_env, toy_dataset):
    spec, server = toy_dataset
    target = course_env.data_dirs[0] / "toy"
    target.mkdir()
    for f in server.iterdir():
        content = bytearray(f.read_bytes())
        content[-1] ^= 0xFF
        (target / f.name).write_bytes(bytes(content))
    with pytest.raises(ChecksumError, match=r"train-images\.gz: sha256 .* does not match"):
        data.load("toy", "train")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_offline_error_names_file_urls_and_directory(course_env, toy_dataset):
    spec, _ = toy_dataset
    f = spec.splits["train"].images
    unreachable = dataclasses.replace(f, urls=(f"http://127.0.0.1:{_closed_port()}/{f.filename}",))
    with pytest.raises(DatasetNotFoundError, match="train-images.gz is missing") as err:
        locate(spec, unreachable)
    message = str(err.value)
    assert "train-images.gz is missing" in message
    assert unreachable.urls[0] in message
    assert str(course_env.cache_dir / "toy") in message
    assert "COURSE_DATA_DIR" in message


def test_course_offline_never_downloads(course_env, toy_dataset, monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    config.reload()
    with pytest.raises(DatasetNotFoundError, match="no download was attempted"):
        data.load("toy", "train")
    assert not (course_env.cache_dir / "toy").exists()

