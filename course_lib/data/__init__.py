"""Datasets: a checksummed registry, format readers, safe downloads and loaders.

Most notebooks need only::

    from course_lib import data
    x_train, y_train = data.load("fashion-mnist", "train")
    x = data.to_float(x_train)            # float32 (N, 28, 28, 1) in [0, 1]
"""

from course_lib.data.fetch import ChecksumError, DatasetNotFoundError, download, locate, sha256_of, verify
from course_lib.data.loaders import (
    StandInWarning,
    dataset_used,
    kmnist_standin,
    load,
    load_fashion_mnist,
    load_kannada_mnist,
    load_kmnist,
    load_mnist,
)
from course_lib.data.readers import DataFormatError, check_images, check_labels, read_digit_csv, read_idx, read_npz
from course_lib.data.registry import REGISTRY, DatasetSpec, FileSpec, SplitSpec, get_spec
from course_lib.data.transforms import (
    LabelledSplit,
    labelled_split,
    stratified_indices,
    stratified_subset,
    to_float,
    to_uint8,
)

__all__ = [
    "REGISTRY", "ChecksumError", "DataFormatError", "DatasetNotFoundError", "DatasetSpec", "FileSpec",
    "LabelledSplit", "SplitSpec", "StandInWarning", "check_images", "check_labels", "dataset_used", "download",
    "get_spec", "kmnist_standin", "labelled_split", "load", "load_fashion_mnist", "load_kannada_mnist",
    "load_kmnist", "load_mnist", "locate", "read_digit_csv", "read_idx", "read_npz", "sha256_of",
    "stratified_indices", "stratified_subset", "to_float", "to_uint8", "verify",
]
