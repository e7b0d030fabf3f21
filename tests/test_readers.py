"""Format readers on generated files: good files round-trip, every kind of bad file is named clearly."""

import gzip
import struct

import numpy as np
import pytest

from conftest import idx_bytes, write_idx
from course_lib.data import DataFormatError, read_digit_csv, read_idx, read_npz


def test_idx_round_trip_gzip_and_raw(tmp_path, toy_arrays):
    images, labels = toy_arrays
    for gz in (True, False):
        img_path = write_idx(tmp_path / f"img{gz}", images, gz=gz)
        lab_path = write_idx(tmp_path / f"lab{gz}", labels, gz=gz)
        np.testing.assert_array_equal(read_idx(img_path, expect="images"), images)
        np.testing.assert_array_equal(read_idx(lab_path, expect="labels"), labels)


def test_wrong_magic_number(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(b"\x12\x34\x56\x78" + b"\x00" * 100))
    with pytest.raises(DataFormatError, match=r"bad\.gz.*wrong magic number 0x12345678"):
        read_idx(path)


def test_images_and_labels_swapped(tmp_path, toy_arrays):
    path = write_idx(tmp_path / "labels.gz", toy_arrays[1])
    with pytest.raises(DataFormatError, match="swapped"):
        read_idx(path, expect="images")


def test_truncated_gzip(tmp_path, toy_arrays):
    good = gzip.compress(idx_bytes(toy_arrays[0]))
    path = tmp_path / "cut.gz"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(DataFormatError, match=r"cut\.gz.*truncated"):
        read_idx(path)


def test_corrupt_gzip(tmp_path, toy_arrays):
    good = bytearray(gzip.compress(idx_bytes(toy_arrays[0])))
    good[30:60] = b"\xff" * 30
    path = tmp_path / "corrupt.gz"
    path.write_bytes(bytes(good))
    with pytest.raises(DataFormatError, match="corrupt.gz"):
        read_idx(path)


def test_header_body_size_mismatch(tmp_path, toy_arrays):
    payload = idx_bytes(toy_arrays[0])[:-28]  # one row of pixels missing
    path = tmp_path / "short.gz"
    path.write_bytes(gzip.compress(payload))
    with pytest.raises(DataFormatError, match=r"short\.gz: header says shape \(20, 28, 28\)"):
        read_idx(path)


def test_header_cut_inside_dimensions(tmp_path):
    path = tmp_path / "hdr"
    path.write_bytes(struct.pack(">HBB", 0, 8, 3) + b"\x00\x00")
    with pytest.raises(DataFormatError, match="ends inside the header"):
        read_idx(path)


def test_labels_out_of_range(tmp_path):
    path = write_idx(tmp_path / "lab.gz", np.array([0, 3, 12, 9], dtype=np.uint8))
    with pytest.raises(DataFormatError, match=r"lab\.gz: labels must be 0\.\.9.*12"):
        read_idx(path, expect="labels")


def test_images_of_wrong_shape(tmp_path):
    path = write_idx(tmp_path / "img.gz", np.zeros((3, 32, 32), dtype=np.uint8))
    with pytest.raises(DataFormatError, match=r"\(N, 28, 28\), got \(3, 32, 32\)"):
        read_idx(path, expect="images")


def _csv(path, images, labels, header=True):
    rows = []
    if header:
        rows.append(",".join(["label"] + [f"pixel{k}" for k in range(784)]))
    for img, lab in zip(images, labels):
        rows.append(",".join(str(v) for v in [int(lab), *img.reshape(-1).tolist()]))
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize("header", [True, False])
def test_csv_round_trip_and_pixel_index(tmp_path, toy_arrays, header):
    images, labels = toy_arrays
    x, y = read_digit_csv(_csv(tmp_path / "d.csv", images, labels, header))
    np.testing.assert_array_equal(x, images)
    np.testing.assert_array_equal(y, labels)
    # pixel (i, j) lives in column 1 + i*28 + j of the row
    import pandas as pd

    row = pd.read_csv(tmp_path / "d.csv", header=0 if header else None).iloc[3].to_numpy()
    assert row[1 + 5 * 28 + 7] == images[3, 5, 7]


def test_csv_wrong_number_of_columns(tmp_path):
    path = tmp_path / "narrow.csv"
    path.write_text("label,a,b\n1,2,3\n")
    with pytest.raises(DataFormatError, match=r"narrow\.csv: expected 785 columns.*found 3"):
        read_digit_csv(path)


def test_csv_pixel_out_of_range(tmp_path, toy_arrays):
    images, labels = toy_arrays
    path = _csv(tmp_path / "d.csv", images[:2], labels[:2])
    text = path.read_text().splitlines()
    text[1] = text[1].rsplit(",", 1)[0] + ",300"
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(DataFormatError, match="0..255"):
        read_digit_csv(path)


def test_csv_label_out_of_range(tmp_path, toy_arrays):
    images, _ = toy_arrays
    path = _csv(tmp_path / "d.csv", images[:2], np.array([1, 11]))
    with pytest.raises(DataFormatError, match="labels must be 0..9"):
        read_digit_csv(path)


def test_npz_without_pickle(tmp_path, toy_arrays):
    images, labels = toy_arrays
    path = tmp_path / "d.npz"
    np.savez_compressed(path, x_train=images, y_train=labels)
    x, y = read_npz(path, "x_train", "y_train")
    np.testing.assert_array_equal(x, images)
    with pytest.raises(DataFormatError, match="no array named 'x_test'"):
        read_npz(path, "x_test")
    objects = tmp_path / "obj.npz"
    np.savez(objects, arr_0=np.array([{"a": 1}], dtype=object))
    with pytest.raises(DataFormatError, match="pickled"):
        read_npz(objects)
