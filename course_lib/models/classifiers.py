"""Two MNIST classifiers for grading generated digits: the *judge* and the independent *examiner*.

Generated or translated digits are hard to grade by eye, so notebooks 03, 04, 05 and 08 ask a pretrained
MNIST classifier. A classifier that a model was trained against (a loss term) or that picked the outputs
(a selection rule) is no longer a fair measure of them: optimising against a metric spoils it as a measure.
So there are two, both trained on MNIST only and cached once per profile under the notebook key ``"shared"``:

``mnist_judge()``     a VGG-style CNN; may be used inside losses and for selection (05's semantic term, 08's search)
``mnist_examiner()``  a panel of three networks of another architecture (strided 5x5 convolutions, no batch norm,
                      no pooling), each from its own seed, whose probabilities are averaged; it only ever scores
                      results and is never used by a training loss or a selection rule::

    from course_lib.models.classifiers import mnist_examiner
    examiner = mnist_examiner()             # load if cached, else train (under a minute on 2 CPU cores)
    examiner.test_accuracy                  # measured on the MNIST test set
    probs = examiner.predict_proba(images)  # (N, 10) softmax probabilities, averaged over the panel
    labels = examiner.predict(images)       # (N,) argmax
    feats = examiner.features(images)       # (N, 384) the members' penultimate layers side by side

Why a panel: digits drawn by a model are not MNIST digits, and on them single networks that agree on 99 % of
the MNIST test set disagree by several points (six seeds read the same translations 0.85-0.94); averaging three
readers makes a grade depend far less on the seeds they were trained from.

Images may be uint8 (N, 28, 28) in [0, 255] or float (N, 28, 28[, 1]) in [0, 1].
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np
from keras import layers

from course_lib import checkpoints, config, data
from course_lib.validation import as_images

NOTEBOOK_KEY = "shared"
FEATURE_LAYER = "features"
JUDGE, EXAMINER = "judge", "examiner"


def build_mnist_cnn(width: int = 32, feature_dim: int = 128, dropout: float = 0.3) -> keras.Model:
    """A VGG-style CNN returning logits: (conv-BN-ReLU x2, max-pool) x2, a 128-unit feature layer, 10 logits.

    Small on purpose (about 0.47 M parameters, roughly a minute per MNIST epoch on 2 CPU cores), yet
    batch normalisation and a cosine-decaying learning rate take it past 99.3 % test accuracy in 3 epochs.
    The layer named ``"features"`` (after ReLU) is the penultimate representation used for metrics.
    """
    inputs = keras.Input((28, 28, 1), name="image")
    h = inputs
    for filters in (width, 2 * width):
        for _ in range(2):
            h = layers.Conv2D(filters, 3, padding="same", use_bias=False)(h)
            h = layers.BatchNormalization(momentum=0.9)(h)  # short runs: running stats must catch up fast
            h = layers.ReLU()(h)
        h = layers.MaxPooling2D()(h)
    h = layers.Flatten()(h)
    h = layers.Dense(feature_dim, activation="relu", name=FEATURE_LAYER)(h)
    h = layers.Dropout(dropout)(h)
    logits = layers.Dense(10, name="logits")(h)
    return keras.Model(inputs, logits, name="mnist_cnn")


def build_examiner_cnn(feature_dim: int = 128, dropout: float = 0.5) -> keras.Model:
    """The examiner's CNN, built unlike the judge's: two strided 5x5 convolutions, no batch norm, no pooling.

    A different architecture (and seed) makes different mistakes, so images drawn to please the judge are not
    automatically read correctly by the examiner. About 0.45 M parameters but a sixth of the multiply-adds
    of the judge: it reaches about 99 % MNIST test accuracy in 2 epochs. Same ``"features"`` layer name.
    """
    inputs = keras.Input((28, 28, 1), name="image")
    h = layers.Conv2D(32, 5, strides=2, padding="same", activation="relu")(inputs)   # 14 x 14
    h = layers.Conv2D(64, 5, strides=2, padding="same", activation="relu")(h)        # 7 x 7
    h = layers.Flatten()(h)
    h = layers.Dense(feature_dim, activation="relu", name=FEATURE_LAYER)(h)
    h = layers.Dropout(dropout)(h)
    logits = layers.Dense(10, name="logits")(h)
    return keras.Model(inputs, logits, name="mnist_examiner_cnn")


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class MnistClassifier:
    """Trained MNIST networks with the questions notebooks ask of them; ``role`` is "judge" or "examiner".

    The judge is one network; the examiner is a panel whose softmax probabilities are averaged.
    """

    networks: tuple[keras.Model, ...]
    test_accuracy: float = float("nan")
    trained: tuple[checkpoints.Trained, ...] = ()
    role: str = JUDGE

    @property
    def model(self) -> keras.Model:
        """The one network of a single classifier (the judge's, e.g. for a loss term)."""
        if len(self.networks) != 1:
            raise ValueError(f"the {self.role} is a panel of {len(self.networks)} networks: ask it for predict_proba, "
                             "predict or features; a loss term needs a single network such as mnist_judge().model")
        return self.networks[0]

    @property
    def loaded(self) -> bool:
        """True when every network came from the checkpoint cache (nothing was trained in this process)."""
        return all(t.loaded for t in self.trained)

    @property
    def train_seconds(self) -> float:
        """Training time of all networks, as measured when each was trained (also for cached ones)."""
        return float(sum(t.train_seconds for t in self.trained))

    @functools.cached_property
    def _feature_models(self) -> tuple[keras.Model, ...]:
        return tuple(keras.Model(n.inputs, n.get_layer(FEATURE_LAYER).output) for n in self.networks)

    def predict_proba(self, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Softmax probabilities averaged over the networks, shape (N, 10)."""
        x = as_images(images)
        return np.mean([_softmax(np.asarray(n.predict(x, batch_size=batch_size, verbose=0))) for n in self.networks],
                       axis=0)

    def predict(self, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """The most probable digit of each image, shape (N,)."""
        return self.predict_proba(images, batch_size).argmax(axis=1)

    def features(self, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Penultimate-layer activations of every network side by side, shape (N, 128 x networks)."""
        x = as_images(images)
        return np.concatenate([np.asarray(f.predict(x, batch_size=batch_size, verbose=0))
                               for f in self._feature_models], axis=1)

    def accuracy(self, images: np.ndarray, labels: np.ndarray) -> float:
        """Share of images whose predicted digit equals ``labels``."""
        labels = np.asarray(labels)
        if len(labels) != len(images):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        return float(np.mean(self.predict(images) == labels))


def train_mnist_cnn(model: keras.Model, x: np.ndarray, y: np.ndarray, epochs: int, batch_size: int,
                    learning_rate: float = 2e-3, verbose: int = 2):
    """Adam with a cosine-decaying learning rate: converges in few epochs without a tuning loop."""
    steps = epochs * int(np.ceil(len(x) / batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=max(steps, 1), alpha=0.01)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=verbose)


@dataclass(frozen=True)
class _Role:
    """What distinguishes the judge from the examiner: sizes row, cache name, architecture, seed offset."""

    sizes_key: str
    name: str
    build: Callable[[], keras.Model]
    seed_offset: int


ROLES: dict[str, _Role] = {
    JUDGE: _Role("shared_mnist_judge", "mnist_cnn", build_mnist_cnn, 0),
    EXAMINER: _Role("shared_mnist_examiner", "mnist_examiner", build_examiner_cnn, 7919),
}


def _role(role: str) -> _Role:
    if role not in ROLES:
        raise ValueError(f"unknown classifier role {role!r}; expected one of {', '.join(ROLES)}")
    return ROLES[role]


def _training_data(sizes, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The MNIST training subset of the active profile (float images, labels): part of the cache key."""
    x_train, y_train = data.load("mnist", "train")
    if sizes.n_train < len(x_train):
        x_train, y_train = data.stratified_subset(x_train, y_train, sizes.n_train, seed)
    return data.to_float(x_train), y_train


def _train(model: keras.Model, x: np.ndarray, y: np.ndarray, epochs: int, batch_size: int, learning_rate: float,
           verbose: int = 2):
    print(f"[classifiers] training the shared MNIST {model.name} on {len(x)} images "
          f"for {epochs} epochs (once per profile; later notebooks load it)")
    return train_mnist_cnn(model, x, y, epochs, batch_size, learning_rate=learning_rate, verbose=verbose)


def _members(sizes) -> int:
    """How many networks the role's sizes row asks for (the examiner's panel; the judge is one network)."""
    return int(sizes.get("members", 1))


def _member_args(role: str, sizes, seed: int, profile: str) -> list[dict]:
    """The ``checkpoints.fit_or_load`` arguments of each network of a role (the cache keys are derived from them).

    Member 0 keeps the role's name and seed; member i is named ``<name>_<i + 1>`` and trained from seed + i.
    The training subset is loaded once, drawn with the role's seed: every member sees the same images in its own order.
    """
    spec = _role(role)
    train_seed = seed + spec.seed_offset
    images = _training_data(sizes, train_seed)
    fit_args = {"epochs": sizes.epochs, "batch_size": sizes.batch_size, "learning_rate": sizes.learning_rate}
    return [{"name": spec.name if member == 0 else f"{spec.name}_{member + 1}", "build": spec.build, "train": _train,
             "data": images, "fit_args": fit_args, "seed": train_seed + member, "profile": profile}
            for member in range(_members(sizes))]


def is_cached(role: str = JUDGE) -> bool:
    """True when the active profile's judge (or every network of the examiner) is in the checkpoint cache."""
    spec = _role(role)
    cfg = config.settings()
    sizes = config.sizes(spec.sizes_key, cfg.profile)
    return all(checkpoints.is_cached(NOTEBOOK_KEY, **args)
               for args in _member_args(role, sizes, cfg.seed, cfg.profile))


@functools.lru_cache(maxsize=6)
def _cached_classifier(role: str, profile: str, seed: int, checkpoint_dir: str, verbose: int) -> MnistClassifier:
    spec = _role(role)
    sizes = config.sizes(spec.sizes_key, profile)
    x_test, y_test = data.load("mnist", "test")
    if sizes.n_test < len(x_test):  # the smoke profile checks a subset; lecture and full use all 10,000
        x_test, y_test = data.stratified_subset(x_test, y_test, sizes.n_test, seed)
    trained = tuple(checkpoints.fit_or_load(NOTEBOOK_KEY, verbose=verbose, **args)
                    for args in _member_args(role, sizes, seed, profile))
    classifier = MnistClassifier(tuple(t.model for t in trained), trained=trained, role=role)
    classifier.test_accuracy = classifier.accuracy(x_test, y_test)
    return classifier


def _classifier(role: str, verbose: int) -> MnistClassifier:
    cfg = config.settings()
    return _cached_classifier(role, cfg.profile, cfg.seed, str(cfg.checkpoint_dir), verbose)


def mnist_judge(verbose: int = 2) -> MnistClassifier:
    """The MNIST judge of the active profile: the classifier that losses and selection rules may use.

    Loaded from the checkpoint cache, else trained once per profile (sizes in
    ``profiles.SIZES["shared_mnist_judge"]``) and kept in memory for the rest of the process. A corrupt or
    stale checkpoint is retrained with a message. ``test_accuracy`` is measured on the MNIST test set on every load.
    """
    return _classifier(JUDGE, verbose)


def mnist_examiner(verbose: int = 2) -> MnistClassifier:
    """The independent MNIST examiner of the active profile: the classifier that scores results, and only that.

    A panel of ``members`` networks (sizes in ``profiles.SIZES["shared_mnist_examiner"]``) of another
    architecture than :func:`mnist_judge`, each from its own seed, trained on MNIST only and cached like the
    judge. Never pass it to a loss or let it choose among outputs: a score that something was optimised against
    no longer measures it (its ``model`` is refused for that reason).
    """
    return _classifier(EXAMINER, verbose)
