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
3. A decoder keeps the model an autoencoder: once the encoder has laid out the map, the decoder learns to
   draw each image from its frozen code, ``min_g ||g(z_i) - x_i||^2``, so it can draw what lives anywhere on
   the map. (Training both at once, ``L_nb + w * ||g(z_i) - x_i||^2``, gave the same map -- kNN accuracy 0.716
   with w = 1, 0.717 with w = 0 -- at a higher cost per step.)

Graph edges are cheap to train on in large batches, so the encoder sees *all* training images; new images
cost one forward pass (:meth:`ParametricMap.embed`), no refitting. The frozen first layer holds a whitened
PCA projection (``pca_dims``): the map stays a function of the pixels, training skips the gradient of the
largest weight matrix, and every input direction has the same spread.

Training runs through one ``fit()`` on any backend (``compute_loss`` holds the loss): each batch is a few
integers per graph edge, indices into inputs projected once, and an epoch runs as one compiled call
(``steps_per_execution``), which is what makes 100 epochs over 60,000 images affordable on a CPU. The
settings of notebook 07 (batches of 1,024, a whitened PCA layer, 100 epochs) and what was measured on the
way to them are in ``reports/full/NOTES.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import keras
from keras import layers, ops

from course_lib.models.losses import LossTrackers
from course_lib.models.neighbour_pairs import mine_neighbours
from course_lib.validation import as_images

#: Flattened Fashion-MNIST image size (the encoder takes (N, 784) or (N, 28, 28[, 1])).
INPUT_DIM = 28 * 28


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


class ParametricMap(LossTrackers, keras.Model):
    """Encoder ``x (784) -> [frozen PCA] -> hidden -> 2`` trained with :func:`cauchy_infonce`, plus a decoder.

    Args:
        code_size: dimension of the map (2 for pictures).
        hidden: widths of the encoder's hidden layers (the decoder mirrors them).
        pca_dims: > 0 adds a frozen first layer holding a PCA projection (fill it with :meth:`set_projection`).
        alpha: tail of the map's similarity kernel (1 = t-SNE's Cauchy kernel, < 1 heavier).
        exaggeration: weight of the attraction term (1 = plain InfoNCE; below 1 the loss has no lower bound
            and the map only expands).

    ``model(x)`` / :meth:`embed` give codes, :meth:`decode` draws images at map positions. Train it with
    :func:`train_parametric_map`: the encoder learns the neighbour loss, then the decoder learns to draw the map.
    """

    def __init__(self, code_size: int = 2, hidden: Sequence[int] = (256, 256), pca_dims: int = 0,
                 alpha: float = 1.0, exaggeration: float = 1.0, **kwargs: Any):
        super().__init__(**kwargs)
        if int(code_size) < 1:
            raise ValueError(f"code_size must be a positive integer, got {code_size!r}")
        self.code_size, self.hidden = int(code_size), tuple(int(h) for h in hidden)
        if not 0 <= int(pca_dims) <= INPUT_DIM:
            raise ValueError(f"pca_dims must lie in 0..{INPUT_DIM}, got {pca_dims}")
        self.pca_dims = int(pca_dims)
        if alpha <= 0:
            raise ValueError(f"alpha (the kernel's tail) must be > 0, got {alpha}")
        self.alpha = float(alpha)
        if exaggeration <= 0:
            raise ValueError(f"exaggeration must be > 0, got {exaggeration}")
        self.exaggeration = float(exaggeration)
        # the frozen projection is kept apart from the trainable head, so training can run the head on
        # projected inputs computed once (the same function of the pixels, a fraction of the work per step)
        first = [layers.Dense(self.pca_dims, trainable=False, name="pca")] if self.pca_dims else []
        self.encoder = keras.Sequential([*first, *(layers.Dense(h, activation="relu") for h in self.hidden),
                                         layers.Dense(self.code_size)], name="encoder")
        self.decoder = keras.Sequential([*(layers.Dense(h, activation="relu") for h in reversed(self.hidden)),
                                         layers.Dense(INPUT_DIM, activation="sigmoid")], name="decoder")
        self.track_losses("neighbour_loss")
        self._hold_edge_inputs(None)

    def _hold_edge_inputs(self, inputs) -> None:
        """Set (or clear, with None) the projected images that training edges index; kept out of the weights."""
        object.__setattr__(self, "_edge_inputs", None if inputs is None else ops.convert_to_tensor(inputs))

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (the checkpoint key hashes them)."""
        return {**super().get_config(), "code_size": self.code_size, "hidden": list(self.hidden),
                "pca_dims": self.pca_dims, "alpha": self.alpha, "exaggeration": self.exaggeration}

    def build(self, input_shape=None) -> None:
        """Keras's build step: create every weight (checkpoint loading and ``set_projection`` need them)."""
        self.encoder.build((None, INPUT_DIM))
        self.decoder.build((None, self.code_size))
        super().build((None, INPUT_DIM))

    def set_projection(self, mean: np.ndarray, components: np.ndarray,
                       scale: np.ndarray | None = None) -> "ParametricMap":
        """Make the frozen first layer compute ``(x - mean) @ components.T / scale`` (e.g. a fitted PCA).

        ``scale`` (one value per component, e.g. the components' standard deviations) whitens the projection:
        on Fashion-MNIST the first principal component spreads ~20x wider than the 100th, and equal spreads let
        the first trainable layer learn at the same pace in every direction (a better map, see reports/full/NOTES.md).
        """
        if not self.pca_dims:
            raise ValueError("this map has no projection layer: build it with pca_dims > 0")
        components = np.asarray(components, dtype=np.float32)
        mean = np.asarray(mean, dtype=np.float32).reshape(-1)
        if components.shape != (self.pca_dims, INPUT_DIM) or mean.shape != (INPUT_DIM,):
            raise ValueError(f"expected components ({self.pca_dims}, {INPUT_DIM}) and mean ({INPUT_DIM},), "
                             f"got {components.shape} and {mean.shape}")
        scale = np.ones(self.pca_dims, np.float32) if scale is None else np.asarray(scale, np.float32).reshape(-1)
        if scale.shape != (self.pca_dims,) or not (scale > 0).all():
            raise ValueError(f"scale must hold {self.pca_dims} positive values, got shape {scale.shape}")
        kernel = components.T / scale
        self.encoder.get_layer("pca").set_weights([kernel, -(mean @ kernel)])
        return self

    def set_pca(self, pca: Any, whiten: bool = True) -> "ParametricMap":
        """:meth:`set_projection` from a fitted scikit-learn PCA, whitened by its components' standard deviations."""
        scale = np.sqrt(np.maximum(pca.explained_variance_, 1e-12)) if whiten else None
        return self.set_projection(pca.mean_, pca.components_, scale)

    def call(self, x, training: bool = False):
        """Map positions of flat images. In ``fit()`` the batch is graph edges that ``compute_loss`` reads
        itself, so a training batch passes through untouched."""
        if training or self._edge_inputs is not None:
            return x
        return self.encoder(x, training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training: bool = True):
        """``fit()``'s loss (any backend): :func:`cauchy_infonce` on a batch of graph edges, (B, 2) indices
        into the projected training images that :func:`train_parametric_map` holds for the duration of training
        (so an epoch's data is a few integers per edge, and every epoch runs in one ``fit()``)."""
        if self._edge_inputs is None:
            raise ValueError("a ParametricMap learns from neighbour pairs, not from (x, y): "
                             "train it with course_lib.models.parametric_map.train_parametric_map")
        ends = ops.concatenate([x[:, 0], x[:, 1]], axis=0)                       # anchors, then their partners
        z = self.head_forward(ops.take(self._edge_inputs, ends, axis=0), training=training)  # both at once
        batch = ops.shape(x)[0]
        loss = cauchy_infonce(z[:batch], z[batch:], self.alpha, self.exaggeration)
        self.update_losses({"neighbour_loss": loss})
        return loss

    def project(self, x: np.ndarray, batch_size: int = 8192) -> np.ndarray:
        """What the trainable head sees: the frozen projection of the images (or the flat pixels without one)."""
        flat = as_images(x, flat=True)
        if not self.pca_dims:
            return flat
        layer = self.encoder.get_layer("pca")
        return np.concatenate([ops.convert_to_numpy(layer(flat[i:i + batch_size]))
                               for i in range(0, len(flat), batch_size)]).astype(np.float32)

    @property
    def head(self) -> list:
        """The encoder's trainable layers (everything after the frozen projection)."""
        return self.encoder.layers[1:] if self.pca_dims else list(self.encoder.layers)

    def head_forward(self, h, training: bool = False):
        """The trainable part of the encoder, applied to :meth:`project` outputs."""
        for layer in self.head:
            h = layer(h, training=training)
        return h

    def decode(self, codes: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """Images (N, 28, 28) the decoder draws at map positions ``codes`` (N, code_size)."""
        codes = np.asarray(codes, dtype=np.float32)
        if codes.ndim != 2 or codes.shape[1] != self.code_size:
            raise ValueError(f"expected map positions (N, {self.code_size}), got shape {codes.shape}")
        return self.decoder.predict(codes, batch_size=batch_size, verbose=0).reshape(-1, 28, 28)

    def embed(self, x: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """2-D positions (N, code_size) of images: one forward pass, no refitting."""
        return self.predict(as_images(x, flat=True), batch_size=batch_size, verbose=0)

def build_parametric_map(code_size: int = 2, hidden: Sequence[int] = (256, 256), learning_rate: float = 1e-2,
                         pca: Any = None, pca_dims: int = 0, whiten: bool = True, alpha: float = 1.0,
                         exaggeration: float = 1.0) -> ParametricMap:
    """A built :class:`ParametricMap` whose ``optimizer`` (Adam at ``learning_rate``) trains the encoder.

    ``pca``: a fitted scikit-learn PCA (``mean_``, ``components_``, ``explained_variance_``) whose projection,
    whitened unless ``whiten=False``, becomes the frozen first layer; or only ``pca_dims`` to create that
    layer empty (checkpoint loading fills it).
    """
    dims = int(pca.components_.shape[0]) if pca is not None else int(pca_dims)
    model = ParametricMap(code_size, hidden, pca_dims=dims, alpha=alpha, exaggeration=exaggeration)
    model.build()
    if pca is not None:
        model.set_pca(pca, whiten)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), jit_compile=False)
    return model


def _steps_per_execution(steps: int) -> int:
    """A whole epoch per compiled call where Keras can: not on PyTorch (it allows no steps_per_execution) and
    not under a tf.distribute strategy (Keras's multi-step loop over a distributed iterator fails there)."""
    backend = keras.backend.backend()
    if backend == "torch":
        return 1
    if backend == "tensorflow":
        import tensorflow as tf

        return 1 if tf.distribute.has_strategy() else steps
    return steps


def train_parametric_map(model: ParametricMap, x: np.ndarray, neighbours: np.ndarray, epochs: int,
                         batch_size: int = 1024, seed: int = 0, decay: bool = True, decoder_epochs: int = 5,
                         decoder_batch_size: int = 256) -> dict[str, list[float]]:
    """Train ``model`` in two stages; returns the per-epoch losses ``{"neighbour_loss", "decoder_loss"}``.

    1. The encoder, with :func:`cauchy_infonce` on graph edges, through ``fit()``: each epoch, every training
       image is an anchor once, paired with one of its ``k`` neighbours drawn at random; ``batch_size`` is also
       the number of candidates in the loss's denominator (B - 1 negatives: more negatives, closer to t-SNE).
       Inputs are projected once and each batch is (B, 2) indices into them; one ``fit()`` runs every epoch,
       and ``steps_per_execution`` a whole epoch per compiled call.
    2. The decoder, with the codes frozen: it learns to draw the map (mean squared error to the image), so
       the model stays an autoencoder without the reconstruction pulling the layout away from the neighbours.
    """
    flat = as_images(x, flat=True)
    neighbours = np.asarray(neighbours)
    n = len(flat)
    if neighbours.ndim != 2 or len(neighbours) != n or neighbours.min() < 0 or neighbours.max() >= n:
        raise ValueError(f"neighbours must be (N, k) indices into the {n} images; got shape {neighbours.shape}")
    if batch_size < 2:
        raise ValueError(f"batch_size must be >= 2 (the other rows are the negatives), got {batch_size}")
    if getattr(model, "optimizer", None) is None:
        raise ValueError("the map has no optimizer: create it with build_parametric_map")
    batch = min(int(batch_size), n)
    steps, k = n // batch, neighbours.shape[1]
    optimizer = model.optimizer
    if not optimizer.built:  # built for every trainable weight, as Keras does when it reloads a checkpoint
        optimizer.build(model.trainable_weights)
    model.compile(optimizer=optimizer, steps_per_execution=_steps_per_execution(steps), jit_compile=False)
    # every epoch, every image an anchor once (full batches only: the batch is the loss's negatives), with one
    # of its k neighbours drawn at random; all epochs' edges in one array, so one fit() runs the whole stage
    rng = np.random.default_rng(seed)
    edges = []
    for _ in range(int(epochs)):
        rows = rng.permutation(n)[:steps * batch]
        edges.append(np.stack([rows, neighbours[rows, rng.integers(0, k, len(rows))]], axis=1).astype(np.int32))
    start_lr, epochs = float(ops.convert_to_numpy(optimizer.learning_rate)), int(epochs)
    # linear decay to 0, once per epoch: the last epochs settle the fine, local arrangement
    schedule = [keras.callbacks.LearningRateScheduler(lambda epoch: start_lr * (1.0 - epoch / epochs))] if decay else []
    history: dict[str, list[float]] = {"neighbour_loss": [], "decoder_loss": []}
    model._hold_edge_inputs(model.project(flat))
    try:  # stage 1: the loss reaches the encoder's head only (the decoder gets no gradient)
        if epochs > 0:
            fitted = model.fit(np.concatenate(edges), batch_size=batch, epochs=epochs, steps_per_epoch=steps,
                               shuffle=False, callbacks=schedule, verbose=0)
            history["neighbour_loss"] = [float(v) for v in fitted.history["neighbour_loss"]]
    finally:
        model._hold_edge_inputs(None)
    if decoder_epochs > 0:
        drawer = keras.Sequential([model.decoder])      # a throw-away wrapper, so the map keeps its own optimizer
        drawer.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse", jit_compile=False)
        fitted = drawer.fit(model.embed(flat), flat, epochs=int(decoder_epochs), batch_size=decoder_batch_size,
                            verbose=0)
        history["decoder_loss"] = [float(v) for v in fitted.history["loss"]]
    return history


def _train_on_pca_neighbours(model: ParametricMap, x: np.ndarray, k: int, neighbour_dims: int, epochs: int,
                             batch_size: int, decoder_epochs: int, seed: int, verbose: int = 0) -> dict[str, list[float]]:
    """Fill the frozen PCA layer from ``x``, mine the kNN graph in the first PCA dimensions, train the map."""
    from course_lib import embeddings

    pca = embeddings.fit_pca(x, model.pca_dims, seed=seed)
    model.set_pca(pca, whiten=True)                              # PCA, each component scaled to std 1
    features = pca.transform(embeddings.flatten(x))[:, :neighbour_dims]
    graph = mine_neighbours(features, k=k)
    return train_parametric_map(model, x, graph, epochs=epochs, batch_size=batch_size, seed=seed,
                                decoder_epochs=decoder_epochs)


def fit_or_load_parametric_map(notebook: str, name: str, x: np.ndarray, *, pca_dims: int, k: int, epochs: int,
                               batch_size: int, decoder_epochs: int = 5, learning_rate: float = 1e-2,
                               neighbour_dims: int = 50, seed: int | None = None, profile: str | None = None,
                               **map_options: Any):
    """A parametric map on images ``x``, or loaded from the checkpoint cache; returns a ``checkpoints.Trained``.

    Training fits a PCA-``pca_dims`` of ``x`` as the frozen first layer, finds each image's ``k`` nearest
    neighbours in its first ``neighbour_dims`` dimensions, then runs :func:`train_parametric_map`.
    ``map_options`` go to :func:`build_parametric_map` (code_size, hidden, alpha, exaggeration). The cache key
    is derived from the built map, ``x`` by content, these arguments and ``seed`` (default ``COURSE_SEED``).
    """
    from course_lib import checkpoints, config

    seed = config.settings().seed if seed is None else int(seed)
    if pca_dims < neighbour_dims:
        raise ValueError(f"pca_dims ({pca_dims}) must be at least neighbour_dims ({neighbour_dims})")
    return checkpoints.fit_or_load(
        notebook, name, lambda: build_parametric_map(learning_rate=learning_rate, pca_dims=pca_dims, **map_options),
        _train_on_pca_neighbours, data=(x,),
        fit_args={"k": k, "neighbour_dims": neighbour_dims, "epochs": epochs, "batch_size": batch_size,
                  "decoder_epochs": decoder_epochs, "seed": seed},
        seed=seed, profile=profile)
