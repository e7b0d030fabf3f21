"""Load a trained model if it is cached, else train it and cache it ("fit or load").

The second run of a notebook should take seconds, not minutes, without any ``if`` in the notebook:

    trained = fit_or_load(
        notebook="02_conv_autoencoder_fashion", name="reference_ae",
        build=lambda: build_reference_autoencoder(),
        train=lambda model: model.fit(x, x, epochs=sizes.epochs, verbose=2),
        settings={"epochs": sizes.epochs, "n_train": len(x)},
    )
    model, history = trained.model, trained.history

The cache key is notebook / name / profile / a hash of ``settings`` (everything that changes the
trained weights: sizes, hyperparameters, seed). Each entry is two files written atomically:
``<key>.keras`` (the whole model, Keras' native format) and ``<key>.json`` (the settings, the training
history and how long training took). The JSON is written last, so an entry without it is incomplete
and is ignored. A checkpoint that fails to load (corrupt file, architecture changed) is reported and
the model is retrained: a stale cache never crashes a notebook.

Loading rebuilds the model with ``build()`` and reads the weights from the ``.keras`` file, which works
for subclassed models (VAE, GAN) as well as functional ones.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course_lib import config

FORMAT_VERSION = 1


@dataclass
class Trained:
    """A model with its training history; ``loaded`` says whether it came from the cache."""

    model: Any
    history: dict[str, list[float]] = field(default_factory=dict)
    train_seconds: float = 0.0
    loaded: bool = False
    path: Path | None = None

    @property
    def seconds_per_epoch(self) -> float:
        """Training time per epoch as measured when the model was trained (also for cached models)."""
        epochs = max((len(v) for v in self.history.values()), default=0)
        return self.train_seconds / epochs if epochs else float("nan")


def settings_hash(settings: dict[str, Any]) -> str:
    """Short stable hash of a JSON-serialisable settings dict (key order does not matter)."""
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def checkpoint_path(notebook: str, name: str, settings: dict[str, Any], profile: str | None = None) -> Path:
    """Where the ``.keras`` file of this model/settings/profile lives."""
    active = config.settings()
    profile = profile or active.profile
    return active.checkpoint_dir / notebook / f"{name}-{profile}-{settings_hash(settings)}.keras"


def _history_dict(result: Any) -> dict[str, list[float]]:
    """Accept a keras History, a plain dict of lists, or None from the train function."""
    raw = getattr(result, "history", result) or {}
    if not isinstance(raw, dict):
        raise TypeError("train() must return a keras History, a dict of metric lists, or None")
    return {str(k): [float(v) for v in values] for k, values in raw.items()}


def _atomic_save_model(model: Any, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".keras", dir=path.parent)
    os.close(fd)
    try:
        model.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _atomic_write_json(data: dict, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _try_load(build: Callable[[], Any], path: Path, settings: dict[str, Any]) -> Trained | None:
    """The cached model, or None (with a printed reason) when the entry is missing or unusable."""
    meta_path = path.with_suffix(".json")
    if not path.exists() and not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION or meta.get("settings_hash") != settings_hash(settings):
            raise ValueError("it was written for other settings or by another course_lib version")
        model = build()
        model.load_weights(str(path))
    except Exception as err:  # any failure means: retrain, never crash the notebook
        print(f"[checkpoints] {path.name} is unusable ({type(err).__name__}: {str(err)[:200]}); retraining.")
        return None
    return Trained(model, meta.get("history", {}), float(meta.get("train_seconds", 0.0)), True, path)


def fit_or_load(
    notebook: str,
    name: str,
    build: Callable[[], Any],
    train: Callable[[Any], Any],
    settings: dict[str, Any],
    profile: str | None = None,
) -> Trained:
    """Return the cached trained model for these settings, or build, train and cache it.

    Args:
        notebook: the notebook stem (cache folder).
        name: the model's name within the notebook.
        build: returns a fresh, *built* (weights created) model; called for training and for loading.
        train: trains the model in place; returns a History, a dict of lists, or None.
        settings: everything that determines the trained weights; part of the cache key.
        profile: defaults to the active profile.
    """
    path = checkpoint_path(notebook, name, settings, profile)
    cached = _try_load(build, path, settings)
    if cached is not None:
        print(f"[checkpoints] loaded {notebook}/{path.name} (trained in {cached.train_seconds:.0f} s)")
        return cached
    model = build()
    started = time.perf_counter()
    history = _history_dict(train(model))
    seconds = time.perf_counter() - started
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_save_model(model, path)
    _atomic_write_json(
        {"format": FORMAT_VERSION, "settings_hash": settings_hash(settings), "settings": settings,
         "history": history, "train_seconds": seconds},
        path.with_suffix(".json"),
    )
    return Trained(model, history, seconds, False, path)
