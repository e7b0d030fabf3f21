"""Settings read once from the environment: profile, data directories, cache, seed.

Every notebook starts with ``cfg = config.settings()`` and reads its sizes with
``config.sizes("NN_slug")``. Nothing else in the library reads environment variables,
so there is exactly one place that decides how big a run is and where files live.

Environment variables
---------------------
COURSE_PROFILE          smoke | lecture | full (default: lecture)
COURSE_DATA_DIR         extra dataset directories, os.pathsep-separated, searched first
                        (read-only is fine; relative entries are taken from the repository root)
COURSE_CACHE_DIR        writable directory for downloads and checkpoints (default: <repo>/data)
COURSE_CHECKPOINT_DIR   trained-model cache (default: <cache>/checkpoints); `make results` points it
                        at an empty folder so recorded wall times include training
COURSE_REPORTS_DIR      where course_lib.report writes results (default: <repo>/reports)
COURSE_SEED             global random seed (default: 1234)
COURSE_KMNIST_STANDIN   name of a dataset to use *instead of* Kuzushiji-MNIST, loudly
                        (CI sets it to kannada-mnist because KMNIST images are not available offline)
COURSE_OFFLINE          1 = never try to download; missing files raise at once
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from course_lib.profiles import PROFILE_NAMES, Sizes, sizes_for

DEFAULT_PROFILE = "lecture"
DEFAULT_SEED = 1234


class ProfileError(ValueError):
    """Raised for a profile name that is not one of smoke, lecture, full."""


def _find_repo_root() -> Path:
    """The checkout that holds this package, or the current directory for a plain install."""
    here = Path(__file__).resolve().parent.parent
    if (here / "pyproject.toml").exists():
        return here
    return Path.cwd()


REPO_ROOT: Path = _find_repo_root()


@dataclass(frozen=True)
class Settings:
    """Everything the environment decides, resolved to absolute paths."""

    profile: str
    data_dirs: tuple[Path, ...]
    cache_dir: Path
    reports_dir: Path
    seed: int
    kmnist_standin: str | None
    offline: bool
    checkpoint_dir: Path

    def describe(self) -> str:
        """One human-readable block for a notebook's setup cell."""
        dirs = ", ".join(str(d) for d in self.data_dirs) or "(none)"
        lines = [
            f"profile         : {self.profile}",
            f"data dirs       : {dirs}",
            f"cache (writable): {self.cache_dir}",
            f"seed            : {self.seed}",
        ]
        if self.kmnist_standin:
            lines.append(f"KMNIST stand-in : {self.kmnist_standin}  (Kuzushiji-MNIST is REPLACED)")
        return "\n".join(lines)


def check_profile(name: str) -> str:
    """Return ``name`` normalised, or raise a ProfileError that lists the valid profiles."""
    normalised = name.strip().lower()
    if normalised not in PROFILE_NAMES:
        raise ProfileError(
            f"COURSE_PROFILE={name!r} is not a profile. Choose one of: "
            f"{', '.join(PROFILE_NAMES)} (smoke = CI, lecture = laptop default, full = the real experiment)."
        )
    return normalised


def _resolve(path_text: str) -> Path:
    path = Path(path_text).expanduser()
    return path if path.is_absolute() else (REPO_ROOT / path).resolve()


def _read_settings(environ: os._Environ | dict) -> Settings:
    profile = check_profile(environ.get("COURSE_PROFILE", DEFAULT_PROFILE) or DEFAULT_PROFILE)
    data_dirs = tuple(
        _resolve(part) for part in environ.get("COURSE_DATA_DIR", "").split(os.pathsep) if part.strip()
    )
    cache_dir = _resolve(environ.get("COURSE_CACHE_DIR") or str(REPO_ROOT / "data"))
    reports_dir = _resolve(environ.get("COURSE_REPORTS_DIR") or str(REPO_ROOT / "reports"))
    seed_text = environ.get("COURSE_SEED", str(DEFAULT_SEED))
    try:
        seed = int(seed_text)
    except ValueError:
        raise ValueError(f"COURSE_SEED={seed_text!r} is not an integer.") from None
    standin = (environ.get("COURSE_KMNIST_STANDIN") or "").strip() or None
    offline = (environ.get("COURSE_OFFLINE") or "").strip().lower() in {"1", "true", "yes"}
    checkpoint_dir = _resolve(environ.get("COURSE_CHECKPOINT_DIR") or str(cache_dir / "checkpoints"))
    return Settings(profile, data_dirs, cache_dir, reports_dir, seed, standin, offline, checkpoint_dir)


@functools.lru_cache(maxsize=1)
def settings() -> Settings:
    """The settings of this process (read from the environment on first use, then fixed)."""
    return _read_settings(os.environ)


def reload() -> Settings:
    """Forget the cached settings and read the environment again (tests and notebooks that change it)."""
    settings.cache_clear()
    return settings()


def sizes(notebook: str, profile: str | None = None) -> Sizes:
    """The sample counts, epochs and batch sizes of ``notebook`` in the active (or given) profile."""
    return sizes_for(notebook, check_profile(profile) if profile else settings().profile)


def seed_everything(seed: int | None = None) -> int:
    """Seed Python, NumPy and the Keras backend in one call; returns the seed used."""
    import keras

    chosen = settings().seed if seed is None else seed
    keras.utils.set_random_seed(chosen)
    return chosen
