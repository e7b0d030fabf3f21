"""A parametric 2-D map trained with a neighbourhood loss (parametric t-SNE / UMAP in a few lines of Keras).

Why this module exists: t-SNE and UMAP give *coordinates* for the points they were fitted on, not a
function of the image. A network ``z = f(x)`` can embed new images with one forward pass, but what it
learns depends on its loss. Reconstruction alone (a plain 2-D autoencoder) does not ask similar images to
be close in ``z``; regressing onto a t-SNE "teacher" inherits the teacher's small training set and its
errors. Training the encoder *directly* on the neighbourhood objective does neither:

1. Build a k-nearest-neighbour graph of the training images in a good feature space (PCA-50 of the
   pixels: cheap, and less noisy than raw pixels) -- :func:`mine_neighbours` (shared with notebook 09).
2. Each step takes a batch of ``B`` graph edges ``(i, j(i))`` and encodes both ends. With the heavy-tailed
   (Student-t / Cauchy) similarity of t-SNE and UMAP, ``q(u, v) = 1 / (1 + ||u - v||^2)``, the loss is

   ``L_nb = -1/B sum_i log( q(z_i, z_j(i)) / sum_b q(z_i, z_j(b)) )``

   -- attraction along the edge (numerator) and repulsion from the other ``B - 1`` points of the batch,
   which are random non-neighbours (denominator). This is the InfoNCE form of neighbour embedding; with
   many negatives it behaves like t-SNE (Damrich et al., ICLR 2023, "From t-SNE to UMAP with contrastive
   learning"). The heavy tail lets dissimilar points sit far apart without a large penalty, which is what
   opens white space between classes.
3. Optionally a decoder reconstructs the image from the 2-D code, ``L = L_nb + w * ||g(z_i) - x_i||^2``,
   so the model stays an autoencoder: the decoder can draw what lives anywhere on the map.

Graph edges are cheap to train on in large batches, so the encoder sees *all* training images; new images
cost one forward pass (:meth:`ParametricMap.embed`), no refitting. An optional frozen first layer holds a
PCA projection (``pca_dims``): the map stays a function of the pixels, but training skips the gradient of
the largest weight matrix (about 2x faster per epoch on a CPU, with no loss in quality measured).

Measured on Fashion-MNIST (60,000 training images, kNN k=5 fitted on 20,000 of them, scored on 5,000 test
images, 2 busy CPU cores): kNN accuracy in the 2-D map 0.68 after 5 epochs, 0.71-0.73 after 12-30 epochs
(6-8 s per epoch), trustworthiness 0.96-0.97. What did *not* help in those runs: a heavier tail
(``alpha=0.5``), attraction ``exaggeration=4``, a k=5 graph, batches of 256 or 2048 instead of 512-1024.
The limit is optimisation, not generalisation: kNN accuracy among the training images' own positions was
the same as on the test images.

Later measurements (same protocol, 12 epochs unless stated): the loss itself can do better -- free 2-D
coordinates (no network) optimised with the same loss and graph reach 0.80 among the training images, but only
after ~200 epochs. The network version stayed at 0.64-0.72 for every change tried at equal compute: wider or
deeper encoders (512x3, 1024x2, at lr 1e-2 and 1e-3), lr 3e-3, ``exaggeration`` 0.7 (0.58), 1.5 (0.724) and
2.5, a k=30 graph, 20,000 images for 36 epochs, a warm start regressing the encoder onto the notebook's t-SNE
map (0.686 before, 0.72 after fine-tuning), and "neighbourhood batches" (seed images plus 7 of their neighbours,
every graph edge inside the batch a positive). Cosine or centred-pixel neighbours raise the graph's label
agreement only from 0.805 to 0.814. 40 epochs give 0.744.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import keras
from keras import layers, ops

from course_lib.models.neighbour_pairs import NeighbourPairs, mine_neighbours, unpack_pair, update_trackers

#: Flattened Fashion-MNIST image size (the encoder takes (N, 784) or (N, 28, 28[, 1])).
INPUT_DIM = 28 * 28


def flatten_images(x: np.ndarray, input_dim: int = INPUT_DIM) -> np.ndarray:
    """(N, 28, 28[, 1]) or (N, 784) floats in [0, 1] -> float32 (N, 784); clear errors for anything else."""
    x = np.asarray(x)
    if x.dtype == np.uint8:
        raise ValueError("got uint8 images; scale them to [0, 1] with course_lib.data.to_float first")
    if x.ndim < 2 or int(np.prod(x.shape[1:])) != input_dim:
        raise ValueError(f"expected a batch of images with {input_dim} values each, got shape {x.shape}")
    return x.reshape(len(x), input_dim).astype(np.float32, copy=False)


def cauchy_infonce(z_anchor, z_partner, alpha: float = 1.0, exaggeration: float = 1.0):
    """-mean_i log( q(z_i, p_i) / sum_b q(z_i, p_b) ) with q(u, v) = (1 + ||u - v||^2 / alpha)^(-alpha).

    ``alpha = 1`` is the Cauchy kernel of t-SNE; ``alpha < 1`` has a heavier tail, which separates clusters
    more (Kobak et al., ECML 2019, "Heavy-tailed kernels reveal a finer cluster structure in t-SNE").

    ``z_anchor`` and ``z_partner`` are (B, 2): row i of the partners is a graph neighbour of anchor i,
    every other row is a negative (a random non-neighbour, because the batch is a random sample).
    """
    d2 = ops.sum(ops.square(ops.expand_dims(z_anchor, 1) - ops.expand_dims(z_partner, 0)), axis=-1)  # (B, B)
    log_q = -alpha * ops.log1p(d2 / alpha)
    positive = ops.diagonal(log_q)
    return ops.mean(ops.logsumexp(log_q, axis=1) - exaggeration * positive)


class ParametricMap(keras.Model):
    """Dense encoder ``x (784) -> hidden -> 2`` trained with :func:`cauchy_infonce` on graph edges.

    Args:
        code_size: dimension of the map (2 for pictures).
        hidden: widths of the encoder's hidden layers (the decoder mirrors them).
        reconstruction_weight: ``w`` of the optional decoder term; 0 trains no decoder at all
            (a pure parametric neighbour embedding), > 0 keeps an autoencoder whose decoder draws the map.

    ``model(x)`` / :meth:`embed` give codes; ``fit`` takes batches of (images, neighbour images), e.g.
    :func:`train_parametric_map` with a :class:`~course_lib.models.neighbour_pairs.NeighbourPairs` dataset.
    """

    def __init__(self, code_size: int = 2, hidden: Sequence[int] = (256, 256), reconstruction_weight: float = 1.0,
                 pca_dims: int = 0, alpha: float = 1.0, exaggeration: float = 1.0, **kwargs: Any):
        super().__init__(**kwargs)
        if int(code_size) < 1:
            raise ValueError(f"code_size must be a positive integer, got {code_size!r}")
        if reconstruction_weight < 0:
            raise ValueError(f"reconstruction_weight must be >= 0, got {reconstruction_weight}")
        self.code_size, self.hidden = int(code_size), tuple(int(h) for h in hidden)
        self.reconstruction_weight = float(reconstruction_weight)
        if not 0 <= int(pca_dims) <= INPUT_DIM:
            raise ValueError(f"pca_dims must lie in 0..{INPUT_DIM}, got {pca_dims}")
        self.pca_dims = int(pca_dims)
        if alpha <= 0:
            raise ValueError(f"alpha (the kernel's tail) must be > 0, got {alpha}")
        self.alpha = float(alpha)
        if exaggeration <= 0:
            raise ValueError(f"exaggeration must be > 0, got {exaggeration}")
        self.exaggeration = float(exaggeration)
        # optional frozen first layer = a PCA projection (set with set_projection): the map stays a function of
        # the pixels, but training skips the gradient of the largest layer (784 x hidden) -- ~2x faster per epoch
        first = [layers.Dense(self.pca_dims, trainable=False, name="pca")] if self.pca_dims else []
        self.encoder = keras.Sequential([*first, *(layers.Dense(h, activation="relu") for h in self.hidden),
                                         layers.Dense(self.code_size)], name="encoder")
        self.decoder = keras.Sequential([*(layers.Dense(h, activation="relu") for h in reversed(self.hidden)),
                                         layers.Dense(INPUT_DIM, activation="sigmoid")], name="decoder")
        self.trackers = {n: keras.metrics.Mean(name=n) for n in ("loss", "neighbour_loss", "reconstruction_loss")}

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "code_size": self.code_size, "hidden": list(self.hidden),
                "reconstruction_weight": self.reconstruction_weight, "pca_dims": self.pca_dims,
                "alpha": self.alpha, "exaggeration": self.exaggeration}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def build(self, input_shape=None):
        self.encoder.build((None, INPUT_DIM))
        self.decoder.build((None, self.code_size))
        super().build((None, INPUT_DIM))

    def build_now(self) -> "ParametricMap":
        """Create every weight (checkpoint loading needs a built model)."""
        self.build()
        self(np.zeros((2, INPUT_DIM), "float32"))
        return self

    def set_projection(self, mean: np.ndarray, components: np.ndarray) -> "ParametricMap":
        """Make the frozen first layer compute ``(x - mean) @ components.T`` (e.g. a fitted scikit-learn PCA)."""
        if not self.pca_dims:
            raise ValueError("this map has no projection layer: build it with pca_dims > 0")
        components = np.asarray(components, dtype=np.float32)
        mean = np.asarray(mean, dtype=np.float32).reshape(-1)
        if components.shape != (self.pca_dims, INPUT_DIM) or mean.shape != (INPUT_DIM,):
            raise ValueError(f"expected components ({self.pca_dims}, {INPUT_DIM}) and mean ({INPUT_DIM},), "
                             f"got {components.shape} and {mean.shape}")
        self.encoder.get_layer("pca").set_weights([components.T, -(mean @ components.T)])
        return self

    def call(self, x, training: bool = False):
        return self.encoder(x, training=training)

    def decode(self, codes: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """Images (N, 28, 28) the decoder draws at map positions ``codes`` (N, code_size)."""
        codes = np.asarray(codes, dtype=np.float32)
        if codes.ndim != 2 or codes.shape[1] != self.code_size:
            raise ValueError(f"expected map positions (N, {self.code_size}), got shape {codes.shape}")
        return self.decoder.predict(codes, batch_size=batch_size, verbose=0).reshape(-1, 28, 28)

    def embed(self, x: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """2-D positions (N, code_size) of images: one forward pass, no refitting."""
        return self.predict(flatten_images(x), batch_size=batch_size, verbose=0)

    def loss_terms(self, x, x_partner, training: bool = False) -> dict[str, Any]:
        """Every term and the total for one batch of (images, one graph neighbour of each)."""
        n = ops.shape(x)[0]
        z = self.encoder(ops.concatenate([x, x_partner], axis=0), training=training)   # one pass for both ends
        z_anchor, z_partner = z[:n], z[n:]
        terms = {"neighbour_loss": cauchy_infonce(z_anchor, z_partner, self.alpha, self.exaggeration)}
        if self.reconstruction_weight > 0:
            terms["reconstruction_loss"] = ops.mean(ops.square(self.decoder(z_anchor, training=training) - x))
        else:
            terms["reconstruction_loss"] = ops.zeros(())
        terms["loss"] = terms["neighbour_loss"] + self.reconstruction_weight * terms["reconstruction_loss"]
        return terms

    def train_step(self, data):
        import tensorflow as tf  # the course's backend; the maths above is backend-neutral keras.ops

        x, x_partner = unpack_pair(data, "ParametricMap")
        with tf.GradientTape() as tape:
            terms = self.loss_terms(x, x_partner, training=True)
        weights = self.trainable_weights if self.reconstruction_weight > 0 else self.encoder.trainable_weights
        grads = tape.gradient(terms["loss"], weights)
        self.optimizer.apply(grads, weights)
        return update_trackers(self.trackers, terms)

    def test_step(self, data):
        return update_trackers(self.trackers, self.loss_terms(*unpack_pair(data, "ParametricMap"), training=False))


def build_parametric_map(code_size: int = 2, hidden: Sequence[int] = (256, 256), reconstruction_weight: float = 1.0,
                         learning_rate: float = 1e-3, pca: Any = None, pca_dims: int = 0,
                         alpha: float = 1.0, exaggeration: float = 1.0) -> ParametricMap:
    """A built, compiled :class:`ParametricMap` (Adam, XLA off as elsewhere in the course: faster on 2 CPU cores).

    ``pca``: a fitted scikit-learn PCA (``mean_``, ``components_``) whose projection becomes the frozen first
    layer; or only ``pca_dims`` to create that layer empty (checkpoint loading fills it).
    """
    dims = int(pca.components_.shape[0]) if pca is not None else int(pca_dims)
    model = ParametricMap(code_size, hidden, reconstruction_weight, pca_dims=dims, alpha=alpha,
                          exaggeration=exaggeration).build_now()
    if pca is not None:
        model.set_projection(pca.mean_, pca.components_)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), jit_compile=False)
    return model


def train_parametric_map(model: ParametricMap, x: np.ndarray, neighbours: np.ndarray, epochs: int,
                         batch_size: int = 1024, seed: int = 0, verbose: int = 0, decay: bool = True):
    """Fit ``model`` on (image, random graph neighbour) pairs, re-drawn every epoch; returns the History.

    One epoch = every training image once as an anchor, paired with one of its ``k`` neighbours at
    random. ``batch_size`` is also the number of candidates in the loss's denominator (B - 1 negatives).
    """

    flat = flatten_images(x)
    if batch_size < 2:
        raise ValueError(f"batch_size must be >= 2 (the other rows are the negatives), got {batch_size}")
    callbacks = []
    if decay:  # linear decay of the learning rate to 0: the last epochs settle the fine, local arrangement
        start = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
        callbacks.append(keras.callbacks.LearningRateScheduler(lambda epoch: start * (1.0 - epoch / int(epochs))))
    return model.fit(NeighbourPairs(flat, neighbours, batch_size, seed), epochs=int(epochs), verbose=verbose,
                     callbacks=callbacks)
