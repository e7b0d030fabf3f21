"""Which files make up each dataset, where they come from, and what their bytes must hash to.

Checksums and URLs are the verified values of ``shared/datasets/SOURCES.md``: sha256 of the
original distribution files (gzip-compressed IDX). A file is only ever used after its sha256
matched, so a half-downloaded or edited file cannot leak into a notebook.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileSpec:
    """One distribution file: its name, checksum, size and download mirrors (tried in order)."""

    filename: str
    sha256: str
    size: int
    urls: tuple[str, ...]


@dataclass(frozen=True)
class SplitSpec:
    """An (images, labels) pair of files forming one split, e.g. MNIST 'test'."""

    images: FileSpec
    labels: FileSpec


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset: its sub-directory name (in data dirs and cache), splits, class names, citation."""

    name: str
    subdir: str
    splits: dict[str, SplitSpec]
    class_names: tuple[str, ...]
    citation: str
    license: str

    def split(self, split: str) -> SplitSpec:
        if split not in self.splits:
            raise KeyError(f"{self.name} has no split {split!r}; choose one of: {', '.join(self.splits)}")
        return self.splits[split]


def _mirrors(bases: tuple[str, ...], filename: str) -> tuple[str, ...]:
    return tuple(base + filename for base in bases)


def _idx_pair(bases, images: tuple[str, str, int], labels: tuple[str, str, int]) -> SplitSpec:
    return SplitSpec(
        images=FileSpec(images[0], images[1], images[2], _mirrors(bases, images[0])),
        labels=FileSpec(labels[0], labels[1], labels[2], _mirrors(bases, labels[0])),
    )


_MNIST_BASES = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
_FASHION_BASES = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)
_KANNADA_BASES = (
    "https://raw.githubusercontent.com/vinayprabhu/Kannada_MNIST/master/data/output_tensors/MNIST_format/",
    "https://github.com/vinayprabhu/Kannada_MNIST/raw/master/data/output_tensors/MNIST_format/",
)
_KMNIST_BASES = ("http://codh.rois.ac.jp/kmnist/dataset/kmnist/",)

DIGITS = tuple(str(d) for d in range(10))

MNIST = DatasetSpec(
    name="mnist",
    subdir="mnist",
    splits={
        "train": _idx_pair(
            _MNIST_BASES,
            ("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422),
            ("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881),
        ),
        "test": _idx_pair(
            _MNIST_BASES,
            ("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877),
            ("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542),
        ),
    },
    class_names=DIGITS,
    citation="Y. LeCun, C. Cortes, C. J. C. Burges, The MNIST database of handwritten digits.",
    license="CC BY-SA 3.0 (as stated by keras.datasets.mnist)",
)

FASHION_MNIST = DatasetSpec(
    name="fashion-mnist",
    subdir="fashion-mnist",
    splits={
        "train": _idx_pair(
            _FASHION_BASES,
            ("train-images-idx3-ubyte.gz", "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26421880),
            ("train-labels-idx1-ubyte.gz", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29515),
        ),
        "test": _idx_pair(
            _FASHION_BASES,
            ("t10k-images-idx3-ubyte.gz", "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4422102),
            ("t10k-labels-idx1-ubyte.gz", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5148),
        ),
    },
    class_names=(
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ),
    citation="H. Xiao, K. Rasul, R. Vollgraf, Fashion-MNIST, arXiv:1708.07747 (2017).",
    license="MIT, Copyright (c) 2017 Zalando SE",
)

KANNADA_MNIST = DatasetSpec(
    name="kannada-mnist",
    subdir="kannada-mnist",
    splits={
        "train": _idx_pair(
            _KANNADA_BASES,
            ("X_kannada_MNIST_train-idx3-ubyte.gz", "11785e1e0846a852266d5323a51c1b495c207ad2acbeaaaf108211163481b212", 6918402),
            ("y_kannada_MNIST_train-idx1-ubyte.gz", "ef11e1d3e378fefbe78d4c9913dc9617c83fc5f9240b090121fcc335b5642201", 199),
        ),
        "test": _idx_pair(
            _KANNADA_BASES,
            ("X_kannada_MNIST_test-idx3-ubyte.gz", "4628f3fa7b1d32137449dd356be4601da0c28c420b79f1b745a5134504ca35ca", 1120203),
            ("y_kannada_MNIST_test-idx1-ubyte.gz", "645db5902d290681c9e5b452428e24636963a50a3036c2201240351b88786272", 103),
        ),
        # Dig-MNIST: 10,240 digits written by volunteers on a different sheet: out of distribution.
        "dig": _idx_pair(
            _KANNADA_BASES,
            ("X_dig_MNIST-idx3-ubyte.gz", "abda37c59d3d65ef89505860c18e7b7f7e80bfb2ba361ec1df68949e0c630aaa", 1395287),
            ("y_dig_MNIST-idx1-ubyte.gz", "321fa413dc0f4bc4342da1f3418c656cd346f91d6d479ea67b1a107e920b907b", 92),
        ),
    },
    class_names=DIGITS,
    citation="V. U. Prabhu, Kannada-MNIST, arXiv:1908.01242 (2019).",
    license="not stated by the origin; cite the paper",
)

KMNIST = DatasetSpec(
    name="kmnist",
    subdir="kmnist",
    splits={
        "train": _idx_pair(
            _KMNIST_BASES,
            ("train-images-idx3-ubyte.gz", "51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4", 18165135),
            ("train-labels-idx1-ubyte.gz", "e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17", 29497),
        ),
        "test": _idx_pair(
            _KMNIST_BASES,
            ("t10k-images-idx3-ubyte.gz", "edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5", 3041136),
            ("t10k-labels-idx1-ubyte.gz", "20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c", 5120),
        ),
    },
    # Romanised names of the ten hiragana classes (rois-codh/kmnist, kmnist_classmap.csv).
    class_names=("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
    citation="T. Clanuwat et al., Deep Learning for Classical Japanese Literature, arXiv:1812.01718 (2018).",
    license="CC BY-SA 4.0 ('KMNIST Dataset' (created by CODH), adapted from 'Kuzushiji Dataset')",
)

REGISTRY: dict[str, DatasetSpec] = {spec.name: spec for spec in (MNIST, FASHION_MNIST, KANNADA_MNIST, KMNIST)}


def get_spec(name: str) -> DatasetSpec:
    """The registry entry for ``name``, or a KeyError listing the known datasets."""
    key = name.strip().lower().replace("_", "-")
    if key not in REGISTRY:
        raise KeyError(f"Unknown dataset {name!r}; known: {', '.join(REGISTRY)}")
    return REGISTRY[key]
