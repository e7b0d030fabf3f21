"""Format readers: IDX (raw or gzip), Kaggle-style digit CSV, and npz (never with pickle).

Each reader checks what it reads and raises :class:`DataFormatError` naming the file and the
problem, because a wrong array shape found three cells later inside TensorFlow is much harder
for a student to trace back to a bad file.

IDX layout (big-endian): two zero bytes, a type code (0x08 = uint8), the number of dimensions,
then one 4-byte size per dimension, then the raw values. Images: magic 0x00000803 (N, 28, 28);
labels: magic 0x00000801 (N,).
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

IMAGE_MAGIC = 0x00000803
LABEL_MAGIC = 0x00000801
IMAGE_SHAPE = (28, 28)
NUM_CLASSES = 10


class DataFormatError(ValueError):
    """A data file is malformed: the message names the file and what is wrong with it."""


def _read_bytes(path: Path) -> bytes:
    """Whole file content, transparently gunzipped; truncated or corrupt gzip -> DataFormatError."""
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except EOFError:
        raise DataFormatError(
            f"{path}: the gzip stream ends early (truncated file, e.g. an interrupted download). "
            "Delete it and download it again."
        ) from None
    except (gzip.BadGzipFile, zlib.error, OSError) as err:
        raise DataFormatError(f"{path}: not a valid gzip file ({err}). Delete it and download it again.") from None


def read_idx(path: str | Path, expect: str | None = None) -> np.ndarray:
    """Read an IDX file (``.gz`` or raw) into a uint8 array.

    Args:
        path: the file.
        expect: ``"images"`` (magic 0x803, shape (N, 28, 28)) or ``"labels"`` (magic 0x801,
            shape (N,), values 0..9); ``None`` accepts any uint8 IDX file.

    Returns:
        uint8 array with the dimensions stored in the header.
    """
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise DataFormatError(f"{path}: only {len(data)} bytes, too short to hold an IDX header.")
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    magic = struct.unpack(">I", data[:4])[0]
    if zero != 0 or dtype_code != 0x08 or ndim == 0:
        raise DataFormatError(
            f"{path}: wrong magic number 0x{magic:08x}; an IDX file of uint8 starts with 0x0000080N "
            "(0x00000803 for images, 0x00000801 for labels). Is this really an IDX file?"
        )
    wanted = {"images": IMAGE_MAGIC, "labels": LABEL_MAGIC}.get(expect) if expect else None
    if wanted is not None and magic != wanted:
        raise DataFormatError(
            f"{path}: magic number 0x{magic:08x} but {expect} files have 0x{wanted:08x}. "
            "Were the images and labels files swapped?"
        )
    header_end = 4 + 4 * ndim
    if len(data) < header_end:
        raise DataFormatError(f"{path}: header announces {ndim} dimensions but the file ends inside the header.")
    dims = struct.unpack(f">{ndim}I", data[4:header_end])
    expected_body = int(np.prod(dims, dtype=np.int64))
    body = len(data) - header_end
    if body != expected_body:
        raise DataFormatError(
            f"{path}: header says shape {tuple(dims)} = {expected_body} bytes of data but the file holds {body}. "
            "The file is truncated or corrupt; delete it and download it again."
        )
    array = np.frombuffer(data, dtype=np.uint8, offset=header_end).reshape(dims)
    if expect == "images":
        check_images(array, source=str(path))
    elif expect == "labels":
        check_labels(array, source=str(path))
    return array


def check_images(images: np.ndarray, source: str = "images") -> np.ndarray:
    """Raise DataFormatError unless ``images`` is (N, 28, 28) uint8."""
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise DataFormatError(
            f"{source}: images must have shape (N, 28, 28), got {images.shape}. "
            "If they are flat (N, 784), reshape with images.reshape(-1, 28, 28)."
        )
    if images.dtype != np.uint8:
        raise DataFormatError(f"{source}: images must be uint8 0..255, got dtype {images.dtype}.")
    return images


def check_labels(labels: np.ndarray, source: str = "labels") -> np.ndarray:
    """Raise DataFormatError unless ``labels`` is a 1-D array of class indices 0..9."""
    if labels.ndim != 1:
        raise DataFormatError(f"{source}: labels must be 1-D (N,), got shape {labels.shape}.")
    if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        bad = labels[(labels < 0) | (labels >= NUM_CLASSES)]
        raise DataFormatError(
            f"{source}: labels must be 0..9 but {bad.size} are outside that range (e.g. {int(bad[0])})."
        )
    return labels


def read_digit_csv(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read the Kaggle layout: one row per image, a label column then 784 pixel columns.

    A header row is allowed (``label,pixel0,...`` or ``label,1x1,...``); pixel ``(i, j)`` of the
    28x28 image is column ``1 + i * 28 + j``.

    Returns:
        images (N, 28, 28) uint8 and labels (N,) uint8.
    """
    import pandas as pd

    path = Path(path)
    try:
        frame = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    except (pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise DataFormatError(f"{path}: cannot be read as CSV ({err}).") from None
    if frame.shape[1] != 1 + 28 * 28:
        raise DataFormatError(
            f"{path}: expected 785 columns (label + 784 pixels) but found {frame.shape[1]}. "
            "Is this a digit CSV in the Kaggle layout?"
        )
    if not frame.iloc[0, 0].strip().lstrip("-").isdigit():
        frame = frame.iloc[1:]  # header row
    try:
        values = frame.to_numpy(dtype=np.int64)
    except ValueError:
        raise DataFormatError(f"{path}: found a value that is not an integer; pixels and labels must be integers.") from None
    labels, pixels = values[:, 0], values[:, 1:]
    if pixels.size and (pixels.min() < 0 or pixels.max() > 255):
        raise DataFormatError(
            f"{path}: pixel values must lie in 0..255, found {pixels.min()}..{pixels.max()}."
        )
    check_labels(labels, source=str(path))
    return pixels.astype(np.uint8).reshape(-1, 28, 28), labels.astype(np.uint8)


def read_npz(path: str | Path, images_key: str = "arr_0", labels_key: str | None = None) -> np.ndarray | tuple:
    """Read arrays from an ``.npz`` archive without ever unpickling objects.

    KMNIST's original npz files hold one array each under ``arr_0``; Keras' ``mnist.npz`` holds
    ``x_train``/``y_train``/``x_test``/``y_test``.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [k for k in (images_key, labels_key) if k and k not in archive.files]
            if missing:
                raise DataFormatError(f"{path}: no array named {missing[0]!r}; it has {', '.join(archive.files)}.")
            first = archive[images_key]
            second = archive[labels_key] if labels_key else None
    except DataFormatError:
        raise
    except ValueError as err:
        raise DataFormatError(f"{path}: holds pickled objects or is malformed ({err}); refusing to load it.") from None
    except (OSError, EOFError, zlib.error) as err:
        raise DataFormatError(f"{path}: not a readable npz archive ({err}).") from None
    if second is None:
        return first
    return first, second
