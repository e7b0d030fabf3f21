"""Shared fixtures: generated IDX/CSV files and an isolated course environment per test."""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
from pathlib import Path

import numpy as np
import pytest

from course_lib import config

# Importing Streamlit (tests/test_muddle_app.py) sets MPLBACKEND=Agg for the whole test process, and every kernel
# started afterwards (site build, student notebooks, nbval) would inherit it and draw its figures off screen.
_MPLBACKEND_AT_START = os.environ.get("MPLBACKEND")


def pytest_collection_finish(session):
    """Put MPLBACKEND back as it was before collection imported the test modules."""
    if _MPLBACKEND_AT_START is None:
        os.environ.pop("MPLBACKEND", None)
    else:
        os.environ["MPLBACKEND"] = _MPLBACKEND_AT_START


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array as IDX: 0x0000 08 ndim, big-endian dims, raw data."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def write_idx(path: Path, array: np.ndarray, gz: bool = True) -> Path:
    payload = idx_bytes(array)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(payload) if gz else payload)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def smooth_blobs(n: int = 64, seed: int = 0) -> np.ndarray:
    """float32 (n, 28, 28, 1) images of one Gaussian blob each: structure a tiny model can learn fast."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:28, 0:28]
    centres = rng.uniform(6, 22, size=(n, 2))
    x = np.exp(-((yy[None] - centres[:, 0, None, None]) ** 2 + (xx[None] - centres[:, 1, None, None]) ** 2) / 30.0)
    return x[..., None].astype(np.float32)


@pytest.fixture
def toy_arrays():
    """20 images with a recognisable pattern and labels cycling 0..9."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(20, 28, 28), dtype=np.uint8)
    labels = (np.arange(20) % 10).astype(np.uint8)
    return images, labels


@pytest.fixture
def course_env(tmp_path, monkeypatch):
    """Point every course directory at tmp_path (data dir, cache, reports) and reload the settings."""
    data_dir = tmp_path / "datasets"
    cache = tmp_path / "cache"
    reports = tmp_path / "reports"
    for d in (data_dir, cache, reports):
        d.mkdir()
    monkeypatch.setenv("COURSE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("COURSE_CACHE_DIR", str(cache))
    monkeypatch.setenv("COURSE_REPORTS_DIR", str(reports))
    monkeypatch.delenv("COURSE_CHECKPOINT_DIR", raising=False)
    monkeypatch.delenv("COURSE_KMNIST_STANDIN", raising=False)
    monkeypatch.delenv("COURSE_OFFLINE", raising=False)
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    settings = config.reload()
    yield settings
    monkeypatch.undo()
    config.reload()


def built(model):
    """``model.build()`` (Keras's build returns None) and the model, so a test can build it inline."""
    model.build()
    return model


def file_spec(path, urls=()):
    """The registry entry of a generated file: its name, checksum and size, and where to download it."""
    from course_lib.data import registry

    return registry.FileSpec(path.name, sha256(path), path.stat().st_size, tuple(urls))


@pytest.fixture
def toy_dataset(tmp_path, toy_arrays, monkeypatch):
    """A registered dataset 'toy' whose four files live in a 'server' folder, not yet in any data dir."""
    from course_lib.data import loaders, registry

    images, labels = toy_arrays
    server = tmp_path / "server"
    files = {
        "train_images": write_idx(server / "train-images.gz", images),
        "train_labels": write_idx(server / "train-labels.gz", labels),
    }
    spec = registry.DatasetSpec(
        name="toy", subdir="toy",
        splits={"train": registry.SplitSpec(
            file_spec(files["train_images"], [files["train_images"].as_uri()]),
            file_spec(files["train_labels"], [files["train_labels"].as_uri()]))},
        class_names=tuple("0123456789"), citation="generated", license="none",
    )
    monkeypatch.setitem(registry.REGISTRY, "toy", spec)
    loaders._load_verified.cache_clear()
    yield spec, server
    loaders._load_verified.cache_clear()

