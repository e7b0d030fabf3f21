"""Digit muddle: make images that are hard to tell apart (a 4 or a 9?) yet still look like digits.

Three families of methods, all measured on the same (a, b) pairs. Ours *choose* their output with the MNIST
judge (``classifiers.mnist_judge``); every method, the reference's included, is *graded* by the independent
examiner (``classifiers.mnist_examiner``), which no method consults: a rate computed with the classifier that
picked the outputs would largely measure the selection.

reference ("MNIST Muddle" project)
    A convolutional autoencoder with a 10-number latent. Class centres = mean latent per digit.
    For an image a of digit d, take the nearest *other* class centre c, a random image b of class c,
    and decode the average of the two latents (:func:`reference_midpoint`).
reference, further thought
    Decode a series along the segment z_a -> z_b and keep the output farthest from both ends,
    argmax mse(O, a) + mse(O, b) (:func:`reference_farthest`).
ours
    Walk a path in a VAE / CVAE latent space and let the judge pick the point where its two
    largest probabilities are both high (:func:`ambiguity_score`, :func:`pick_by_score`); optionally
    project every candidate back onto the model's manifold with a decoder-encoder round trip.

The measure (:func:`muddle_rate`, on the examiner's probabilities): the share of outputs whose two largest class
probabilities are both >= 0.3 and sum to >= 0.9: hard to choose between two labels, but clearly one of those two
digits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np

from course_lib import checkpoints
from course_lib.interpolation import interpolate
from course_lib.models import autoencoders as ae

NOTEBOOK = "08_digit_muddle"


# ---------------------------------------------------------------------------- the measure
def _check_probs(probs: np.ndarray) -> np.ndarray:
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim < 2 or probs.shape[-1] < 2:
        raise ValueError(f"expected class probabilities (..., num_classes >= 2), got shape {probs.shape}")
    return probs


def top_two(probs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(p1, p2, class1, class2): the largest and second-largest probability and their classes."""
    probs = _check_probs(probs)
    order = np.argsort(-probs, axis=-1)
    c1, c2 = order[..., 0], order[..., 1]
    p1 = np.take_along_axis(probs, c1[..., None], -1)[..., 0]
    p2 = np.take_along_axis(probs, c2[..., None], -1)[..., 0]
    return p1, p2, c1, c2


def is_muddled(probs: np.ndarray, min_each: float = 0.3, min_sum: float = 0.9) -> np.ndarray:
    """True where the top two probabilities are both >= min_each and together >= min_sum."""
    p1, p2, _, _ = top_two(probs)
    eps = 1e-9  # 0.6 + 0.3 is 0.8999999999999999 in floating point: the boundary counts as inside
    return (p2 >= min_each - eps) & (p1 + p2 >= min_sum - eps)


def muddle_rate(probs: np.ndarray, min_each: float = 0.3, min_sum: float = 0.9) -> float:
    """Share of images (rows of ``probs``) that are muddled, see :func:`is_muddled`."""
    return float(np.mean(is_muddled(probs, min_each, min_sum)))


def ambiguity_score(probs: np.ndarray) -> np.ndarray:
    """p1 + 2 p2 on the top two probabilities: largest (1.5) for a 50/50 split between two digits.

    It rewards a large runner-up (ambiguity) and a large total of the two (still clearly a digit):
    a 50/50 image scores 1.5, a 60/35 one 1.3, a confident digit 1.0, a three-way 40/30/30 one 1.0.
    """
    p1, p2, _, _ = top_two(probs)
    return p1 + 2.0 * p2


def confusion_pairs(probs: np.ndarray, mask: np.ndarray | None = None) -> dict[tuple[int, int], int]:
    """How often each unordered pair of top-two classes occurs (optionally among ``mask`` rows), most first."""
    _, _, c1, c2 = top_two(probs)
    if mask is not None:
        c1, c2 = c1[mask], c2[mask]
    counts: dict[tuple[int, int], int] = {}
    for a, b in zip(c1.tolist(), c2.tolist()):
        key = (min(a, b), max(a, b))
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


# ---------------------------------------------------------------------------- the reference method
def class_centres(codes: np.ndarray, labels: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """Mean latent code per class, shape (num_classes, d): with a 10-number latent, a 10x10 matrix."""
    codes = np.asarray(codes, dtype=np.float64)
    labels = np.asarray(labels)
    if codes.ndim != 2 or len(codes) != len(labels):
        raise ValueError(f"codes must be (N, d) with one label each; got {codes.shape} and {labels.shape}")
    missing = [c for c in range(num_classes) if not np.any(labels == c)]
    if missing:
        raise ValueError(f"no examples of classes {missing}: every class needs a centre")
    return np.stack([codes[labels == c].mean(axis=0) for c in range(num_classes)])


def nearest_other_class(centres: np.ndarray) -> np.ndarray:
    """For each class, the index of the closest *other* class centre (Euclidean)."""
    centres = np.asarray(centres, dtype=np.float64)
    d = np.linalg.norm(centres[:, None, :] - centres[None, :, :], axis=-1)
    np.fill_diagonal(d, np.inf)
    return d.argmin(axis=1)


def sample_pairs(labels: np.ndarray, partner: np.ndarray, n_pairs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (a, b): a cycles evenly over the digits, b is a random image of a's partner class.

    With ``partner = nearest_other_class(centres)`` these are the reference method's pairs; every method
    is then measured on the same pairs.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    num_classes = len(partner)
    by_class = [np.flatnonzero(labels == c) for c in range(num_classes)]
    digits = np.arange(n_pairs) % num_classes
    rng.shuffle(digits)
    idx_a = np.array([rng.choice(by_class[d]) for d in digits], dtype=int)
    idx_b = np.array([rng.choice(by_class[partner[d]]) for d in digits], dtype=int)
    return idx_a, idx_b


def decode_paths(decode: Callable[[np.ndarray], np.ndarray], codes: np.ndarray) -> np.ndarray:
    """Decode (N, T, d) codes in one batch -> images (N, T, 28, 28, 1)."""
    n, steps, d = codes.shape
    images = np.asarray(decode(codes.reshape(n * steps, d)))
    return images.reshape(n, steps, *images.shape[1:])


def pick_by_score(paths: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each path (N, T, ...), the image with the highest score (N, T); returns (images, chosen t index)."""
    scores = np.asarray(scores)
    if scores.shape != paths.shape[:2]:
        raise ValueError(f"scores {scores.shape} must match the paths' first two axes {paths.shape[:2]}")
    best = scores.argmax(axis=1)
    return paths[np.arange(len(paths)), best], best


def reference_midpoint(encode: Callable, decode: Callable, x_a: np.ndarray, x_b: np.ndarray) -> np.ndarray:
    """The reference method: decode the average of the two latents."""
    return np.asarray(decode(0.5 * (np.asarray(encode(x_a)) + np.asarray(encode(x_b)))))


def reference_farthest(encode: Callable, decode: Callable, x_a: np.ndarray, x_b: np.ndarray,
                       steps: int = 11) -> tuple[np.ndarray, np.ndarray]:
    """The reference's further thought: along the segment, the output O maximising mse(O,a) + mse(O,b)."""
    paths = decode_paths(decode, interpolate(encode(x_a), encode(x_b), steps))
    axes = tuple(range(2, paths.ndim))
    dist = ((paths - x_a[:, None]) ** 2).mean(axis=axes) + ((paths - x_b[:, None]) ** 2).mean(axis=axes)
    return pick_by_score(paths, dist)


def classifier_guided(paths: np.ndarray, predict_proba: Callable[[np.ndarray], np.ndarray]
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Ours: along each path, the image the classifier (the judge) finds most ambiguous (:func:`ambiguity_score`)."""
    n, steps = paths.shape[:2]
    probs = np.asarray(predict_proba(paths.reshape(n * steps, *paths.shape[2:]))).reshape(n, steps, -1)
    return pick_by_score(paths, ambiguity_score(probs))


def path_search(make_images: Callable[[np.ndarray], np.ndarray], n: int,
                predict_proba: Callable[[np.ndarray], np.ndarray], steps: int = 21,
                refine_steps: int = 9) -> tuple[np.ndarray, np.ndarray]:
    """Ours, on a continuous path: coarse grid over t in [0, 1], then a finer grid around each pair's best t.

    ``make_images(t)`` gets one t per pair, shape (n,), and returns the n decoded images at those positions.
    A classifier's verdict can flip within one coarse step (a 4 turns into a 9 between t = 0.45 and 0.5), so
    the second pass searches the two neighbouring intervals of the best coarse point with ``refine_steps``
    points. Returns (images at the chosen t, chosen t) maximising :func:`ambiguity_score`.
    """
    if steps < 2:
        raise ValueError("a path search needs steps >= 2")
    coarse = np.linspace(0.0, 1.0, steps)
    best_t = np.zeros(n)
    best_score = np.full(n, -np.inf)
    best_img = None

    def consider(t: np.ndarray) -> None:
        nonlocal best_img
        images = np.asarray(make_images(t.astype(np.float32)))
        score = ambiguity_score(np.asarray(predict_proba(images)))
        better = score > best_score
        if best_img is None:
            best_img = images.copy()
        best_img[better] = images[better]
        best_t[better] = t[better]
        best_score[better] = score[better]

    for t in coarse:
        consider(np.full(n, t))
    if refine_steps > 0:
        step = 1.0 / (steps - 1)
        centre = best_t.copy()
        for offset in np.linspace(-step, step, refine_steps + 2)[1:-1]:
            consider(np.clip(centre + offset, 0.0, 1.0))
    return best_img, best_t


def label_mix(y_a: np.ndarray, y_b: np.ndarray, steps: int, num_classes: int = 10) -> np.ndarray:
    """Soft labels (N, steps, num_classes) moving from one-hot y_a to one-hot y_b (CVAE label path)."""
    e = np.eye(num_classes, dtype=np.float32)
    return interpolate(e[np.asarray(y_a)], e[np.asarray(y_b)], steps)


@dataclass
class MuddleModels:
    """The three generative models notebook 08 and the Streamlit app use."""

    autoencoder: keras.Model
    vae: keras.Model
    cvae: keras.Model
    trained: dict

    @property
    def ae_encode(self) -> Callable:
        enc = ae.encoder_of(self.autoencoder)
        return lambda x: np.asarray(enc.predict(x, batch_size=1000, verbose=0))

    @property
    def ae_decode(self) -> Callable:
        dec = ae.decoder_of(self.autoencoder)
        return lambda z: np.asarray(dec.predict(z, batch_size=1000, verbose=0))


def _specs(sizes, seed: int, x_train: np.ndarray, y_train: np.ndarray) -> dict[str, dict]:
    """The ``checkpoints.fit_or_load`` arguments of the three models (the cache key is derived from them)."""
    from course_lib.models.vae import VAE, train_vae

    common = {"seed": seed, "profile": sizes.profile}
    vae_args = {"epochs": sizes.vae_epochs, "batch_size": sizes.batch_size, "learning_rate": sizes.learning_rate}
    return {
        "autoencoder": dict(build=lambda: ae.build_muddle_reference_autoencoder(10, learning_rate=sizes.learning_rate),
                            data=(x_train, x_train),
                            fit_args={"epochs": sizes.ae_epochs, "batch_size": sizes.batch_size}, **common),
        "vae": dict(build=lambda: VAE(sizes.latent_dim, seed=seed), train=train_vae,
                    data=(x_train, None), fit_args=vae_args, **common),
        "cvae": dict(build=lambda: VAE(sizes.latent_dim, num_classes=10, seed=seed), train=train_vae,
                     data=(x_train, y_train), fit_args=vae_args, **common),
    }


def models_cached(sizes, seed: int) -> bool:
    """True when all three models of these sizes are in the checkpoint cache (the app's "ready" check)."""
    x_train, y_train = training_data(sizes, seed)
    return all(checkpoints.is_cached(NOTEBOOK, name, **spec) for name, spec in _specs(sizes, seed, x_train, y_train).items())


def training_data(sizes, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The MNIST training images (float (N, 28, 28, 1)) and labels notebook 08 trains on (and the app reloads)."""
    from course_lib import data

    x, y = data.load("mnist", "train")
    if sizes.n_train < len(x):
        x, y = data.stratified_subset(x, y, sizes.n_train, seed)
    return data.to_float(x), y


def fit_or_load_models(sizes, x_train: np.ndarray, y_train: np.ndarray, seed: int, verbose: int = 2) -> MuddleModels:
    """Reference autoencoder, VAE and CVAE for notebook 08: loaded from the cache, else trained.

    ``x_train`` float (N, 28, 28, 1); ``sizes`` is ``config.sizes("08_digit_muddle")`` (n_train, ae_epochs,
    vae_epochs, latent_dim, batch_size, learning_rate). The app calls this too, so both share one cache entry.
    """
    if len(x_train) != sizes.n_train:
        raise ValueError(f"x_train has {len(x_train)} images but sizes.n_train is {sizes.n_train}")
    trained = {name: checkpoints.fit_or_load(NOTEBOOK, name, verbose=verbose, **spec)
               for name, spec in _specs(sizes, seed, x_train, y_train).items()}
    return MuddleModels(trained["autoencoder"].model, trained["vae"].model, trained["cvae"].model, trained)
