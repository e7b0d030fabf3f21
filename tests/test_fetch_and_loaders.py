"""Lookup, atomic checksummed download, offline errors, loaders and the KMNIST stand-in, on generated files."""

import dataclasses
import functools
import http.server
import socket
import threading

import numpy as np
import pytest

from conftest import sha256, write_idx
from course_lib import config, data
from course_lib.data import loaders, registry
from course_lib.data.fetch import ChecksumError, DatasetNotFoundError, download, locate


def _spec_for(path, urls=()):
    return registry.FileSpec(path.name, sha256(path), path.stat().st_size, tuple(urls))


@pytest.fixture
def toy_dataset(tmp_path, toy_arrays, monkeypatch):
    """A registered dataset 'toy' whose four files live in a 'server' folder, not yet in any data dir."""
    images, labels = toy_arrays
    server = tmp_path / "server"
    files = {
        "train_images": write_idx(server / "train-images.gz", images),
        "train_labels": write_idx(server / "train-labels.gz", labels),
    }
    spec = registry.DatasetSpec(
        name="toy", subdir="toy",
        splits={"train": registry.SplitSpec(
            _spec_for(files["train_images"], [files["train_images"].as_uri()]),
            _spec_for(files["train_labels"], [files["train_labels"].as_uri()]))},
        class_names=tuple("0123456789"), citation="generated", license="none",
    )
    monkeypatch.setitem(registry.REGISTRY, "toy", spec)
    loaders._load_verified.cache_clear()
    yield spec, server
    loaders._load_verified.cache_clear()


def test_registry_matches_shared_sources():
    assert set(registry.REGISTRY) == {"mnist", "fashion-mnist", "kannada-mnist", "kmnist"}
    assert set(registry.KANNADA_MNIST.splits) == {"train", "test", "dig"}
    for spec in registry.REGISTRY.values():
        for split in spec.splits.values():
            for f in (split.images, split.labels):
                assert len(f.sha256) == 64 and f.urls and f.size > 0
    with pytest.raises(KeyError, match="known: mnist"):
        registry.get_spec("cifar")
    with pytest.raises(KeyError, match="train, test, dig"):
        registry.KANNADA_MNIST.split("val")


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
    with pytest.raises(DatasetNotFoundError) as err:
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


def test_images_labels_count_mismatch(course_env, toy_dataset, monkeypatch, tmp_path, toy_arrays):
    spec, _ = toy_dataset
    short = write_idx(tmp_path / "server2" / "train-labels.gz", toy_arrays[1][:5])
    split = registry.SplitSpec(spec.splits["train"].images, _spec_for(short, [short.as_uri()]))
    monkeypatch.setitem(registry.REGISTRY, "toy", dataclasses.replace(spec, splits={"train": split}))
    with pytest.raises(data.DataFormatError, match="20 images but 5 labels"):
        data.load("toy", "train")


@pytest.fixture
def generated_kmnist(course_env, monkeypatch, toy_arrays):
    """Real KMNIST loader, fed generated files whose checksums are put in the registry."""
    folder = course_env.data_dirs[0] / "kmnist"
    images, labels = toy_arrays
    train = registry.KMNIST.splits["train"]
    img = write_idx(folder / train.images.filename, images)
    lab = write_idx(folder / train.labels.filename, labels)
    fake = registry.SplitSpec(dataclasses.replace(train.images, sha256=sha256(img)),
                              dataclasses.replace(train.labels, sha256=sha256(lab)))
    monkeypatch.setitem(registry.REGISTRY, "kmnist",
                        dataclasses.replace(registry.KMNIST, splits={**registry.KMNIST.splits, "train": fake}))
    loaders._load_verified.cache_clear()
    yield images, labels
    loaders._load_verified.cache_clear()


def test_kmnist_loader_reads_real_layout(generated_kmnist):
    x, y = data.load_kmnist("train")
    np.testing.assert_array_equal(x, generated_kmnist[0])
    assert data.kmnist_standin() is None
    assert data.dataset_used("kmnist").name == "kmnist"


def test_kmnist_standin_is_loud(generated_kmnist, monkeypatch, capsys, course_env, toy_arrays):
    # the stand-in (here: a generated 'mnist') replaces KMNIST only when asked, and says so every time
    folder = course_env.data_dirs[0] / "mnist"
    train = registry.MNIST.splits["train"]
    img = write_idx(folder / train.images.filename, 255 - toy_arrays[0])
    lab = write_idx(folder / train.labels.filename, toy_arrays[1])
    fake = registry.SplitSpec(dataclasses.replace(train.images, sha256=sha256(img)),
                              dataclasses.replace(train.labels, sha256=sha256(lab)))
    monkeypatch.setitem(registry.REGISTRY, "mnist", dataclasses.replace(registry.MNIST, splits={"train": fake}))
    monkeypatch.setenv("COURSE_KMNIST_STANDIN", "mnist")
    config.reload()
    with pytest.warns(data.StandInWarning):
        x, _ = data.load_kmnist("train")
    np.testing.assert_array_equal(x, 255 - toy_arrays[0])
    out = capsys.readouterr().out
    assert "STAND-IN DATA" in out and "NOT Kuzushiji-MNIST" in out
    assert data.dataset_used("kmnist").name == "mnist"


def test_loaded_arrays_are_read_only(course_env, toy_dataset):
    x, _ = data.load("toy", "train")
    with pytest.raises(ValueError):
        x[0, 0, 0] = 1
