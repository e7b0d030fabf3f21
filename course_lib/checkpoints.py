"""Load a trained model if it is cached, else train it and cache it ("fit or load").

The second run of a notebook should take seconds, not minutes, without any ``if`` in the notebook:

    trained = fit_or_load(
        "02_conv_autoencoder_fashion", "reference", build_reference_autoencoder,
        data=(x, x), fit_args={"epochs": sizes.epochs, "batch_size": 128}, verbose=2,
    )
    model, history = trained.model, trained.history

``build()`` returns a fresh model, built (weights created) or buildable by Keras's ``model.build()`` with no
argument; ``train(model, *data, **fit_args, verbose=...)`` trains it (by
default ``model.fit``). **The cache key is derived, never written by hand**: it hashes what determines the
trained weights,

* the model: the ``get_config()`` of the built model and of every layer inside it (layer names that Keras
  numbers automatically are renumbered in order, so building twice gives the same key),
* the optimizer and loss when ``build()`` compiles the model (``get_compile_config()``),
* the code: the source of the model's own classes and of ``train`` (docstrings and comments left out),
* the training data, by content (``joblib.hash``), and the fit arguments (all but ``verbose``),
* the seed (``fit_or_load`` seeds Python, NumPy and Keras with it before building and again before
  training), and
* ``settings``: facts about the data that the arrays do not show (which dataset stands in for another).

So changing a learning rate, an activation, a batch-norm flag or one pixel of the data retrains; an
unchanged run loads. Each entry is two files written atomically: ``<key>.weights.h5`` (the weights only,
no optimizer state: training never resumes from the cache) and ``<key>.json`` (the key's parts, the
training history and how long training took). The JSON is written last, so an entry without it is
incomplete and is ignored. A checkpoint that fails to load (corrupt file, other weight shapes) is reported
and the model is retrained: a stale cache never crashes a notebook.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
import json
import textwrap
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course_lib import config
from course_lib.files import atomic_write

FORMAT_VERSION = 2
NOT_IN_KEY = frozenset({"verbose"})  # fit arguments that do not change the trained weights
SUFFIX = ".weights.h5"


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


# ---------------------------------------------------------------------------------------------- the key
def _json_default(value: Any) -> Any:
    import joblib
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "__array__") or isinstance(value, np.ndarray):
        return {"array": joblib.hash(np.asarray(value))}  # by content: every element counts
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return {"object": joblib.hash(value)}


def content_hash(obj: Any) -> str:
    """SHA-256 of ``obj`` as canonical JSON (sorted keys), NumPy arrays hashed by their bytes (``joblib.hash``).

    Not ``joblib.hash`` of the whole structure: pickling depends on which equal strings are the same object,
    so two equal configs could hash differently.
    """
    text = json.dumps(obj, sort_keys=True, default=_json_default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _qualname(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', type(obj).__qualname__)}"


def _source_signature(obj: Any) -> str:
    """The code of a function or class without docstrings and comments (its name when no source exists)."""
    try:
        source = textwrap.dedent(inspect.getsource(obj))
    except (OSError, TypeError):
        return _qualname(obj)
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a lambda cut out of a longer statement: keep its text
        return source.strip()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)) and body
                and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def _own_classes(model: Any) -> list[type]:
    """The model's classes that are not Keras's or Python's own (VAE, GAN, a notebook's subclass ...)."""
    return [c for c in type(model).__mro__ if not c.__module__.split(".")[0] in {"keras", "builtins", "tensorflow"}]


def _layer_config(layer: Any) -> Any:
    try:
        return layer.get_config()
    except (NotImplementedError, TypeError):  # a custom layer without a usable get_config: its weight shapes at least
        return {"weights": [tuple(w.shape) for w in layer.weights]}


def _all_layers(model: Any) -> list[Any]:
    return list(model._flatten_layers(include_self=True, recursive=True))


def _renumber(obj: Any, names: Mapping[str, str]) -> Any:
    if isinstance(obj, str):
        return names.get(obj, obj)
    if isinstance(obj, Mapping):
        return {k: _renumber(v, names) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_renumber(v, names) for v in obj]
    return obj


def model_signature(model: Any) -> list[dict[str, Any]]:
    """Class and ``get_config()`` of the model and every layer in it, with layer names renumbered.

    Keras numbers unnamed layers per process (``dense``, ``dense_1`` ...), so the raw config of the same
    architecture differs between a first and a second build; renumbering the names in order of appearance
    makes the signature depend on the architecture only.
    """
    layers = _all_layers(model)
    names = {}
    for layer in layers:
        names.setdefault(layer.name, f"layer{len(names)}")
    return [_renumber({"class": _qualname(type(layer)), "config": _layer_config(layer)}, names) for layer in layers]


def _callable_signature(fn: Callable | None) -> Any:
    if fn is None:
        return None
    if isinstance(fn, functools.partial):
        return {"func": _callable_signature(fn.func), "args": content_hash(fn.args),
                "keywords": content_hash(fn.keywords)}
    return _source_signature(fn)


def _compile_signature(model: Any) -> Any:
    """Optimizer, loss and compile options of a compiled model, without the optimizer's numbered name."""
    if not getattr(model, "compiled", False):
        return None
    compiled = model.get_compile_config()
    optimizer = compiled.get("optimizer") if isinstance(compiled, dict) else None
    if isinstance(optimizer, dict) and isinstance(optimizer.get("config"), dict):
        compiled = {**compiled, "optimizer": {**optimizer, "config": {**optimizer["config"], "name": None}}}
    return compiled


def key_parts(model: Any, train: Callable | None, data: Sequence[Any], fit_args: Mapping[str, Any], seed: int,
              settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """One hash per thing that determines the trained weights (recorded in the entry's JSON)."""
    compile_config = _compile_signature(model)
    return {
        "format": FORMAT_VERSION,
        "model": content_hash(model_signature(model)),
        "compile": content_hash(compile_config),
        "code": content_hash([_source_signature(c) for c in _own_classes(model)] + [_callable_signature(train)]),
        "data": content_hash(list(data)),
        "fit_args": content_hash({k: v for k, v in fit_args.items() if k not in NOT_IN_KEY}),
        "seed": int(seed),
        "settings": content_hash(dict(settings or {})),
    }


def _describe(value: Any) -> Any:
    """A JSON-friendly summary of a fit argument (arrays by shape) for the entry's JSON."""
    shape = getattr(value, "shape", None)
    if shape is not None:
        return f"array{tuple(shape)}"
    if isinstance(value, (list, tuple)):
        return [_describe(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _describe(v) for k, v in value.items()}
    return value if isinstance(value, (int, float, str, bool, type(None))) else repr(value)


def entry_path(notebook: str, name: str, key: str, profile: str | None = None) -> Path:
    """Where the weights of this model/key/profile live (the JSON is beside it)."""
    active = config.settings()
    return active.checkpoint_dir / notebook / f"{name}-{profile or active.profile}-{key}{SUFFIX}"


def meta_path(path: Path) -> Path:
    """The JSON file that completes the entry whose weights are at ``path``."""
    return path.with_name(path.name[: -len(SUFFIX)] + ".json")


# ---------------------------------------------------------------------------------------------- fit or load
def _history_dict(result: Any) -> dict[str, list[float]]:
    """Accept a keras History, a plain dict of lists, or None from the train function."""
    raw = getattr(result, "history", result) or {}
    if not isinstance(raw, dict):
        raise TypeError("train() must return a keras History, a dict of metric lists, or None")
    return {str(k): [float(v) for v in values] for k, values in raw.items()}


def _optimizers(model: Any) -> list[Any]:
    import keras

    found = [getattr(model, "optimizer", None), *vars(model).values()]
    unique = {id(o): o for o in found if isinstance(o, keras.optimizers.Optimizer)}
    return list(unique.values())


def save_weights(model: Any, path: str | Path) -> None:
    """The model's weights without any optimizer state (the cache never resumes training)."""
    from keras.src.saving import saving_lib  # model.save_weights has no way to leave the optimizer out

    saving_lib.save_weights_only(model, str(path), objects_to_skip=_optimizers(model))


def load_weights(model: Any, path: str | Path) -> None:
    """Read weights written by :func:`save_weights` into a built model; raises on other shapes or a broken file."""
    from keras.src.saving import saving_lib

    saving_lib.load_weights_only(model, str(path), objects_to_skip=_optimizers(model))


def _fit(model: Any, *data: Any, **fit_args: Any) -> Any:
    return model.fit(*data, **fit_args)


@dataclass
class _Entry:
    model: Any
    parts: dict[str, Any]
    key: str
    path: Path


def _prepare(notebook: str, name: str, build: Callable[[], Any], train: Callable | None, data: Sequence[Any],
             fit_args: Mapping[str, Any], seed: int | None, settings: Mapping[str, Any] | None,
             profile: str | None) -> _Entry:
    if not isinstance(data, (tuple, list)):
        raise TypeError(f"data must be a tuple of the arrays train() receives, e.g. (x, y); got {type(data).__name__}")
    seed = config.seed_everything(seed)
    model = build()
    own_build = getattr(type(model), "build", None)  # a subclass's own build(), not one of Keras's
    if not getattr(model, "built", False) and own_build is not None and not own_build.__module__.startswith("keras"):
        try:
            model.build()  # Keras's build step; the course's subclassed models need no input shape for it
        except TypeError:  # this build() wants an input shape: say so below
            pass
    if not getattr(model, "built", False):
        raise ValueError(f"build() must return a built model (weights created), or one whose build() needs no "
                         f"input shape; {type(model).__name__} is not built")
    parts = key_parts(model, train, data, fit_args, seed, settings)
    key = content_hash(parts)[:16]
    return _Entry(model, parts, key, entry_path(notebook, name, key, profile))


def _changed_parts(entry: _Entry) -> list[str]:
    """Which key parts differ from the newest other cached entry of this model (to say why it retrains)."""
    others = sorted(entry.path.parent.glob(entry.path.name.rsplit("-", 1)[0] + "-*.json"),
                    key=lambda p: p.stat().st_mtime)
    for other in reversed(others):
        try:
            previous = json.loads(other.read_text(encoding="utf-8")).get("key_parts", {})
        except (OSError, ValueError):
            continue
        return [k for k, v in entry.parts.items() if previous.get(k) != v]
    return []


def _try_load(entry: _Entry) -> Trained | None:
    """The cached model, or None (with a printed reason) when the entry is missing or unusable."""
    meta_file = meta_path(entry.path)
    if not entry.path.exists() and not meta_file.exists():
        return None
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        if meta.get("key") != entry.key:
            raise ValueError("its JSON belongs to another key")
        load_weights(entry.model, entry.path)
    except Exception as err:  # any failure means: retrain, never crash the notebook
        print(f"[checkpoints] {entry.path.name} is unusable ({type(err).__name__}: {str(err)[:200]}); retraining.")
        return None
    return Trained(entry.model, meta.get("history", {}), float(meta.get("train_seconds", 0.0)), True, entry.path)


def fit_or_load(
    notebook: str,
    name: str,
    build: Callable[[], Any],
    train: Callable[..., Any] | None = None,
    *,
    data: Sequence[Any] = (),
    fit_args: Mapping[str, Any] | None = None,
    seed: int | None = None,
    settings: Mapping[str, Any] | None = None,
    profile: str | None = None,
    verbose: int | None = None,
) -> Trained:
    """Return the cached trained model for this key, or build, train and cache it.

    Args:
        notebook: the notebook stem (cache folder).
        name: the model's name within the notebook.
        build: returns a fresh model, compiled or not, *built* (weights created) or one whose ``build()`` needs no
            input shape (``fit_or_load`` calls it: loading weights needs them).
        train: called as ``train(model, *data, **fit_args)`` (plus ``verbose=`` when given); returns a
            History, a dict of lists, or None. Defaults to ``model.fit``.
        data: the arrays ``train`` receives, hashed by content.
        fit_args: the keyword arguments of ``train`` (epochs, batch size, learning rate ...), all in the key.
        seed: seeds everything before ``build()`` and before ``train``; defaults to ``COURSE_SEED``.
        settings: facts the arrays do not show (e.g. the name of a stand-in dataset); in the key.
        profile: defaults to the active profile.
        verbose: passed to ``train`` when given; not part of the key.
    """
    fit_args = dict(fit_args or {})
    train_fn = train or _fit
    entry = _prepare(notebook, name, build, train, data, fit_args, seed, settings, profile)
    cached = _try_load(entry)
    if cached is not None:
        print(f"[checkpoints] loaded {notebook}/{entry.path.name} (trained in {cached.train_seconds:.0f} s)")
        return cached
    changed = _changed_parts(entry)
    if changed:
        print(f"[checkpoints] {name}: no cached entry for this key ({', '.join(changed)} changed); training.")
    if meta_path(entry.path).exists() or entry.path.exists():  # the unusable entry may have touched the weights
        entry = _prepare(notebook, name, build, train, data, fit_args, seed, settings, profile)
    extra = {} if verbose is None else {"verbose": verbose}
    config.seed_everything(entry.parts["seed"])  # training starts from the same random state, whatever build() drew
    started = time.perf_counter()
    history = _history_dict(train_fn(entry.model, *data, **fit_args, **extra))
    seconds = time.perf_counter() - started
    atomic_write(entry.path, lambda tmp: save_weights(entry.model, tmp), suffix=SUFFIX)
    atomic_write(meta_path(entry.path), json.dumps(
        {"format": FORMAT_VERSION, "key": entry.key, "key_parts": entry.parts, "fit_args": _describe(fit_args),
         "data": _describe(list(data)), "settings": _describe(dict(settings or {})), "history": history,
         "train_seconds": seconds}, indent=1))
    print(f"[checkpoints] trained {notebook}/{entry.path.name} in {seconds:.0f} s")
    return Trained(entry.model, history, seconds, False, entry.path)


def is_cached(
    notebook: str,
    name: str,
    build: Callable[[], Any],
    train: Callable[..., Any] | None = None,
    *,
    data: Sequence[Any] = (),
    fit_args: Mapping[str, Any] | None = None,
    seed: int | None = None,
    settings: Mapping[str, Any] | None = None,
    profile: str | None = None,
) -> bool:
    """True when ``fit_or_load`` with these arguments would find a complete entry (it builds, never trains)."""
    entry = _prepare(notebook, name, build, train, data, dict(fit_args or {}), seed, settings, profile)
    return entry.path.exists() and meta_path(entry.path).exists()
