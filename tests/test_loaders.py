"""course_lib.data.loaders: loading splits, image/label pairing, read-only arrays and the KMNIST stand-in."""

import dataclasses

import numpy as np
import pytest

from conftest import file_spec, sha256, write_idx
from course_lib import config, data
from course_lib.data import loaders, registry


def test_images_labels_count_mismatch(course_env, toy_dataset, monkeypatch, tmp_path, toy_arrays):
    spec, _ = toy_dataset
    short = write_idx(tmp_path / "server2" / "train-labels.gz", toy_arrays[1][:5])
    split = registry.SplitSpec(spec.splits["train"].images, file_spec(short, [short.as_uri()]))
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
    with pytest.raises(ValueError, match="read-only"):
        x[0, 0, 0] = 1
