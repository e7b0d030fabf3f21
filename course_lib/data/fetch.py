"""Find a dataset file on disk, or download it safely; never hand out a file with the wrong bytes.

Lookup order (GUIDE section 3):
1. each directory in ``COURSE_DATA_DIR`` (read-only is fine), as ``<dir>/<dataset>/<file>`` or ``<dir>/<file>``;
2. the writable cache, ``<cache>/<dataset>/<file>``;
3. a download into the cache: into a temporary file first, checked against the sha256, then renamed
   into place (a rename within one directory is atomic, so an interrupted download leaves no
   half-file behind to be mistaken for data).
A file with the right name but the wrong checksum is reported, never used.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from course_lib import config
from course_lib.data.registry import DatasetSpec, FileSpec


class ChecksumError(ValueError):
    """A file's sha256 differs from the registry's: it is corrupt, truncated or a different version."""


class DatasetNotFoundError(FileNotFoundError):
    """A dataset file is neither on disk nor downloadable; the message says where to put it."""


def sha256_of(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks so large files need little memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, spec: FileSpec) -> Path:
    """Return ``path`` if its sha256 matches ``spec``, else raise ChecksumError naming both hashes."""
    actual = sha256_of(path)
    if actual != spec.sha256:
        size = path.stat().st_size
        raise ChecksumError(
            f"{path}: sha256 {actual} does not match the expected {spec.sha256} "
            f"({size} bytes on disk, {spec.size} expected). The file is corrupt, truncated or a "
            f"different version: delete it and let course_lib download it again, or replace it "
            f"with the original from {spec.urls[0] if spec.urls else 'the dataset website'}."
        )
    return path


def candidate_paths(dataset: DatasetSpec, spec: FileSpec, settings: config.Settings) -> list[Path]:
    """Where the file may already be, in lookup order (data dirs first, then the cache)."""
    places: list[Path] = []
    for root in settings.data_dirs:
        places += [root / dataset.subdir / spec.filename, root / spec.filename]
    places.append(settings.cache_dir / dataset.subdir / spec.filename)
    return places


def download(spec: FileSpec, target: Path, urls: Sequence[str] | None = None) -> Path:
    """Download ``spec`` to ``target`` atomically, trying each mirror; checksum verified before the rename.

    Uses ``keras.utils.get_file`` for the transfer (proxies, progress bar, retries of Keras) but
    points it at a private temporary directory beside ``target``; only a verified file is moved
    into place with ``os.replace``.
    """
    import keras

    target.parent.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    for url in urls if urls is not None else spec.urls:
        staging = Path(tempfile.mkdtemp(prefix=".download-", dir=target.parent))
        try:
            fetched = Path(
                keras.utils.get_file(fname=spec.filename, origin=url, cache_dir=str(staging), cache_subdir=".")
            )
            verify(fetched, spec)
            os.replace(fetched, target)
            return target
        except ChecksumError as err:
            errors.append(f"{url}: downloaded, but {err}")
        except Exception as err:  # network errors come in many types (URLError, HTTPError, OSError ...)
            errors.append(f"{url}: {type(err).__name__}: {err}")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    raise DatasetNotFoundError(
        f"Could not download {spec.filename}.\n  Tried:\n    " + "\n    ".join(errors)
    )


def locate(dataset: DatasetSpec, spec: FileSpec, settings: config.Settings | None = None) -> Path:
    """Path of a verified copy of ``spec``: found on disk, else downloaded into the cache.

    Raises:
        ChecksumError: a file with this name exists but its bytes are wrong (it is not used).
        DatasetNotFoundError: not on disk and the download failed or is disabled; the message names
            the file, the URLs and the directory to place it in.
    """
    settings = settings or config.settings()
    for path in candidate_paths(dataset, spec, settings):
        if path.is_file():
            return verify(path, spec)
    target = settings.cache_dir / dataset.subdir / spec.filename
    searched = "\n    ".join(str(p) for p in candidate_paths(dataset, spec, settings))
    help_text = (
        f"{dataset.name}: file {spec.filename} is missing.\n"
        f"  Searched:\n    {searched}\n"
        f"  Get it from one of:\n    " + "\n    ".join(spec.urls) + "\n"
        f"  and place it in {target.parent} (or in a directory listed in COURSE_DATA_DIR, "
        f"e.g. COURSE_DATA_DIR=../shared/datasets). Expected sha256: {spec.sha256}"
    )
    if settings.offline:
        raise DatasetNotFoundError(help_text + "\n  (COURSE_OFFLINE=1, so no download was attempted.)")
    try:
        return download(spec, target)
    except DatasetNotFoundError as err:
        raise DatasetNotFoundError(f"{help_text}\n  The download failed:\n  {err}") from None
