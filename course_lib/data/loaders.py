"""Load a dataset split as uint8 arrays: images (N, 28, 28) and labels (N,).

    >>> x, y = load("fashion-mnist", "train")
    >>> x.shape, x.dtype, y.shape
    ((60000, 28, 28), dtype('uint8'), (60000,))

Kuzushiji-MNIST stand-in: when ``COURSE_KMNIST_STANDIN`` names another dataset (CI sets
``kannada-mnist`` because KMNIST images cannot be fetched offline), ``load("kmnist", ...)`` returns
that dataset instead and prints a banner every time, so a stand-in result can never pass for a
KMNIST result. Without the variable, KMNIST is loaded (and downloaded) for real.
"""

from __future__ import annotations

import functools
import sys
import warnings

import numpy as np

from course_lib import config
from course_lib.data.fetch import locate
from course_lib.data.readers import DataFormatError, read_idx
from course_lib.data.registry import DatasetSpec, get_spec


class StandInWarning(UserWarning):
    """Issued whenever a stand-in dataset replaces Kuzushiji-MNIST."""


def kmnist_standin() -> str | None:
    """Name of the dataset standing in for Kuzushiji-MNIST in this process, or None for the real one."""
    name = config.settings().kmnist_standin
    if name is None:
        return None
    spec = get_spec(name)
    if spec.name == "kmnist":
        return None
    return spec.name


def dataset_used(name: str) -> DatasetSpec:
    """The registry entry actually loaded for ``name`` (differs from ``name`` only for a KMNIST stand-in)."""
    spec = get_spec(name)
    if spec.name == "kmnist" and kmnist_standin():
        return get_spec(kmnist_standin())
    return spec


def _announce_standin(standin: str) -> None:
    banner = "!" * 78
    message = (
        f"\n{banner}\n!! STAND-IN DATA: COURSE_KMNIST_STANDIN={standin}\n"
        f"!! 'kmnist' is being served by {standin!r}, NOT Kuzushiji-MNIST.\n"
        f"!! Every number computed from it is a {standin} number. Unset the variable (with internet)\n"
        f"!! to use the real Kuzushiji-MNIST.\n{banner}\n"
    )
    print(message, file=sys.stdout, flush=True)
    warnings.warn(f"Kuzushiji-MNIST replaced by stand-in {standin!r}", StandInWarning, stacklevel=3)


@functools.lru_cache(maxsize=16)
def _load_verified(name: str, split: str, data_key: tuple) -> tuple[np.ndarray, np.ndarray]:
    spec = get_spec(name)
    files = spec.split(split)
    images = read_idx(locate(spec, files.images), expect="images")
    labels = read_idx(locate(spec, files.labels), expect="labels")
    if len(images) != len(labels):
        raise DataFormatError(
            f"{spec.name}/{split}: {len(images)} images but {len(labels)} labels; the two files do not belong together."
        )
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def load(name: str, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28) uint8 and labels (N,) uint8 of one split.

    Args:
        name: ``mnist``, ``fashion-mnist``, ``kannada-mnist`` or ``kmnist``.
        split: ``train`` or ``test``; Kannada-MNIST also has ``dig`` (Dig-MNIST).

    The arrays are cached per process and read-only: copy before editing in place.
    """
    spec = get_spec(name)
    if spec.name == "kmnist" and kmnist_standin():
        standin = kmnist_standin()
        _announce_standin(standin)
        spec = get_spec(standin)
    settings = config.settings()
    data_key = (settings.data_dirs, settings.cache_dir, settings.offline)
    return _load_verified(spec.name, split, data_key)


def load_mnist(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """MNIST handwritten Arabic digits (60k train / 10k test)."""
    return load("mnist", split)


def load_fashion_mnist(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST: Zalando article images, ten garment classes (60k / 10k)."""
    return load("fashion-mnist", split)


def load_kannada_mnist(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Kannada-MNIST digits (60k / 10k) and ``split="dig"``: the out-of-distribution Dig-MNIST (10,240)."""
    return load("kannada-mnist", split)


def load_kmnist(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Kuzushiji-MNIST cursive hiragana (60k / 10k), or the announced stand-in (see module doc)."""
    return load("kmnist", split)
