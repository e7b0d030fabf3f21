import numpy as np
import pytest

from course_lib import data


def test_to_float_shape_range_and_errors():
    x = np.array([[[0] * 28] * 28, [[255] * 28] * 28], dtype=np.uint8)
    f = data.to_float(x)
    assert f.shape == (2, 28, 28, 1) and f.dtype == np.float32
    assert f.min() == 0.0 and f.max() == 1.0
    assert data.to_float(x, channel_axis=False).shape == (2, 28, 28)
    np.testing.assert_array_equal(data.to_uint8(f), x)
    with pytest.raises(data.DataFormatError, match="pass a batch"):
        data.to_float(x[0])
    with pytest.raises(data.DataFormatError, match=r"\(N, 28, 28\)"):
        data.to_float(np.zeros((2, 784), dtype=np.uint8))


def test_stratified_subset_keeps_proportions_and_is_seeded():
    labels = np.repeat(np.arange(10), [100, 200, 100, 100, 100, 100, 100, 100, 100, 100]).astype(np.uint8)
    images = np.zeros((len(labels), 28, 28), dtype=np.uint8)
    xs, ys = data.stratified_subset(images, labels, 110, seed=3)
    counts = np.bincount(ys, minlength=10)
    assert counts.sum() == 110 and counts[1] == 20 and set(counts[[0, 2, 3]]) == {10}
    np.testing.assert_array_equal(data.stratified_indices(labels, 110, 3), data.stratified_indices(labels, 110, 3))
    assert not np.array_equal(data.stratified_indices(labels, 110, 3), data.stratified_indices(labels, 110, 4))
    xs_all, _ = data.stratified_subset(images, labels, 10_000, seed=0)
    assert len(xs_all) == len(labels)


def test_labelled_split_one_per_class():
    labels = np.tile(np.arange(10), 50).astype(np.uint8)
    images = np.arange(len(labels) * 784, dtype=np.int64).reshape(-1, 28, 28).astype(np.uint8)
    split = data.labelled_split(images, labels, 10, seed=0)
    assert sorted(split.y_labelled.tolist()) == list(range(10))
    assert len(split.x_unlabelled) == len(labels) - 10
    assert np.bincount(split.y_unlabelled_hidden, minlength=10).tolist() == [49] * 10
    np.testing.assert_array_equal(split.x_labelled, images[split.labelled_index])
    again = data.labelled_split(images, labels, 10, seed=0)
    np.testing.assert_array_equal(split.labelled_index, again.labelled_index)
    with pytest.raises(ValueError, match="at least one label per class"):
        data.labelled_split(images, labels, 5, seed=0)
    with pytest.raises(data.DataFormatError, match="pair up"):
        data.labelled_split(images, labels[:-1], 10, seed=0)
