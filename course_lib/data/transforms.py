"""Turn loaded uint8 arrays into model inputs, and draw seeded, class-balanced subsets and splits."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from course_lib.data.readers import DataFormatError, check_images, check_labels


def to_float(images: np.ndarray, channel_axis: bool = True) -> np.ndarray:
    """uint8 (N, 28, 28) -> float32 in [0, 1], shape (N, 28, 28, 1) (or (N, 28, 28) without channel)."""
    images = np.asarray(images)
    if images.ndim == 2 and images.shape == (28, 28):
        raise DataFormatError("to_float got one image of shape (28, 28); pass a batch, e.g. image[None].")
    check_images(images, source="to_float input")
    scaled = images.astype(np.float32) / 255.0
    return scaled[..., None] if channel_axis else scaled


def to_uint8(images: np.ndarray) -> np.ndarray:
    """float images in [0, 1] (any trailing channel of size 1) -> uint8 (N, 28, 28), for plotting and saving."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    return np.clip(np.rint(images * 255.0), 0, 255).astype(np.uint8)


def _check_pair(images: np.ndarray, labels: np.ndarray) -> None:
    check_labels(np.asarray(labels), source="labels")
    if len(images) != len(labels):
        raise DataFormatError(f"{len(images)} images but {len(labels)} labels: they must pair up one to one.")


def stratified_indices(labels: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Indices of ``n`` examples with the class proportions of ``labels`` (as equal as rounding allows).

    Deterministic for a given seed; sorted so that the subset keeps the original order.
    """
    labels = np.asarray(labels)
    if not 0 < n <= len(labels):
        raise ValueError(f"asked for {n} examples from a set of {len(labels)}")
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    quota = np.floor(counts / counts.sum() * n).astype(int)
    # hand out the remainder to the classes with the largest fractional parts
    remainder = n - quota.sum()
    fractional = counts / counts.sum() * n - quota
    quota[np.argsort(-fractional)[:remainder]] += 1
    chosen = [rng.choice(np.flatnonzero(labels == c), size=q, replace=False) for c, q in zip(classes, quota)]
    return np.sort(np.concatenate(chosen))


def stratified_subset(images: np.ndarray, labels: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded, class-balanced subset of ``n`` (image, label) pairs; all of them if ``n >= len``."""
    _check_pair(images, labels)
    if n >= len(labels):
        return images, labels
    idx = stratified_indices(labels, n, seed)
    return images[idx], labels[idx]


class LabelledSplit(NamedTuple):
    """A semi-supervised split: a few labelled examples, the rest unlabelled (labels kept for evaluation)."""

    x_labelled: np.ndarray
    y_labelled: np.ndarray
    x_unlabelled: np.ndarray
    y_unlabelled_hidden: np.ndarray
    labelled_index: np.ndarray


def labelled_split(images: np.ndarray, labels: np.ndarray, n_labelled: int, seed: int) -> LabelledSplit:
    """Keep ``n_labelled`` labels, spread evenly over the classes; the rest become unlabelled.

    With ``n_labelled=10`` on MNIST this is exactly one labelled image per digit. The hidden labels
    of the unlabelled part are returned for *evaluation only*; the name says so.
    """
    _check_pair(images, labels)
    classes = np.unique(labels)
    if n_labelled < len(classes):
        raise ValueError(f"need at least one label per class ({len(classes)} classes), got n_labelled={n_labelled}")
    rng = np.random.default_rng(seed)
    per_class = np.full(len(classes), n_labelled // len(classes))
    per_class[rng.permutation(len(classes))[: n_labelled % len(classes)]] += 1
    picked = np.concatenate(
        [rng.choice(np.flatnonzero(labels == c), size=k, replace=False) for c, k in zip(classes, per_class)]
    )
    picked = np.sort(picked)
    rest = np.setdiff1d(np.arange(len(labels)), picked)
    return LabelledSplit(images[picked], labels[picked], images[rest], labels[rest], picked)
