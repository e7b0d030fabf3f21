"""Shared-latent translation between Kannada-MNIST and MNIST, used as domain adaptation (notebook 05).

What: a Kannada and an MNIST auto-encoder that share their inner layers and their code ``z = (p, s)``: ``p``, the
softmax of a shared class head (which digit), and ``s``, a ``style_dim``-number style (slant, thickness, size).
Translation Kannada -> MNIST is ``D_M(E_K(x))``. Per-domain stems and heads touch the pixels; shared layers hold
the meaning (the shared-latent assumption of UNIT, Liu et al. 2017).

Why this shape: nothing in the pixels says that the Kannada "3" should become an Arabic "3", so labels must tie
the classes across domains, and splitting the code into class and style makes translation class-preserving by
construction (the MNIST decoder learns to draw "the digit named by p in style s"). The losses, weighted by
:data:`DEFAULT_WEIGHTS`: pixel reconstruction, supervised cross-entropy on the MNIST labels and on the labelled
Kannada images, FixMatch self-training on the unlabelled ones (Sohn et al. 2020), a class-balance term, an MMD
alignment of the two style codes, a class cycle K -> M -> class, and two optional terms, the full pixel cycle and a
CyCADA-style semantic term (Hoffman et al. 2018) that applies a frozen MNIST classifier to a randomly warped copy
of the translation (with the class cycle beside it, so that the drawing must satisfy two readers, not one).

Everything is a ``keras.Model`` with its own ``compute_loss``, trained by ``fit()`` (see :func:`train_translator`
and :func:`training_arrays`). :func:`build_kannada_cnn` is the honest baseline: a small CNN trained only on the
same labelled Kannada images.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import keras
import numpy as np
from keras import layers, ops

from course_lib.models.losses import LossTrackers, bernoulli_nll
from course_lib.validation import as_images

DOMAINS: tuple[str, ...] = ("kannada", "mnist")
NUM_CLASSES = 10

#: Loss weights of the full recipe; pass ``weights={...}`` to change some (e.g. an ablation sets one to 0).
DEFAULT_WEIGHTS: dict[str, float] = {
    "reconstruction": 1.0, "supervised": 1.0, "fixmatch": 1.0, "balance": 0.5,
    "alignment": 1.0, "cycle": 0.0, "cycle_class": 1.0, "semantic": 0.0,
}

#: The keys :func:`training_arrays` produces and ``compute_loss`` expects.
ARRAY_KEYS: tuple[str, ...] = ("kannada", "labelled", "labelled_y", "labelled_w", "mnist", "mnist_y")


# ---------------------------------------------------------------------------------------------- label budget
def labelled_count(spec: str | int | float, n_train: int) -> int:
    """How many Kannada labels a row of the grid uses: ``"none"``/0, a count (10, 600) or a fraction.

    Accepts ``"none"``, ``0``, an integer count, a float fraction in (0, 1] (``0.01`` -> 1 % of ``n_train``),
    or strings like ``"10"``, ``"1%"``, ``"100%"``. A labelled row needs at least one label per class: a
    count below 10 is an error, a fraction of a small subset (the smoke profile's 1 % of 768) is raised to 10.
    """
    if isinstance(spec, str):
        text = spec.strip().lower().replace(" labels", "").replace(" label", "")
        if text in ("none", "0", "unsupervised"):
            return 0
        try:
            if text.endswith("%"):
                spec = float(text[:-1]) / 100.0
            else:
                spec = int(text)
        except ValueError:
            raise ValueError(f"label budget {spec!r} not understood: use 'none', a count like 10 or a percentage like '1%'") from None
    if isinstance(spec, bool):
        raise ValueError("label budget must be a count or a fraction, not a bool")
    if isinstance(spec, float):
        if not 0 < spec <= 1:
            raise ValueError(f"a label fraction must lie in (0, 1], got {spec}")
        n = max(int(round(spec * n_train)), min(NUM_CLASSES, n_train))  # a small subset still gets one per class
    else:
        n = int(spec)
    if n < 0:
        raise ValueError(f"label budget must be >= 0, got {n}")
    if n > n_train:
        raise ValueError(f"asked for {n} labels but there are only {n_train} training images")
    if 0 < n < NUM_CLASSES:
        raise ValueError(f"{n} labels cannot cover the {NUM_CLASSES} classes: use 0 (unsupervised) or >= {NUM_CLASSES}")
    return n


def row_key(spec: str | int | float) -> str:
    """A name for a row of the grid usable in metric and checkpoint names: "1%" -> "1pct", "10" -> "10labels"."""
    text = str(spec).strip().lower()
    if text in ("none", "0", "unsupervised"):
        return "none"
    if text.endswith("%"):
        return text[:-1].replace(".", "p") + "pct"
    return f"{int(float(text))}labels"


def scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """Raw accuracy, Hungarian-matched accuracy and Fowlkes-Mallows score of predicted digits.

    The last two ignore the *names* of the predicted classes (any renaming gives the same value): they say
    whether the right images are grouped together, which is all an unsupervised translator can achieve.
    """
    from course_lib import metrics

    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    if len(y_true) != len(y_pred) or len(y_true) == 0:
        raise ValueError(f"need equally many true and predicted labels, got {len(y_true)} and {len(y_pred)}")
    return {"acc": float(np.mean(y_true == y_pred)),
            "hungarian": float(metrics.clustering_accuracy(y_true, y_pred)),
            "fms": float(metrics.fowlkes_mallows(y_true, y_pred))}


def training_arrays(x_kannada: np.ndarray, y_kannada: np.ndarray, labelled_index: np.ndarray,
                    x_mnist: np.ndarray, y_mnist: np.ndarray, seed: int = 0,
                    length: int | None = None) -> dict[str, np.ndarray]:
    """The dict of equal-length uint8/int arrays that ``fit()`` hands to ``compute_loss``, batch by batch.

    ``fit`` slices every array with the same indices, so unequal datasets are made equal here: each row
    pairs an unlabelled Kannada image with a random MNIST image (and its label) and a random *labelled*
    Kannada image (resampled with replacement: with 10 labels every batch sees the same 10 images under
    different augmentations). With no labels (empty ``labelled_index``) the labelled slots hold an image
    with weight ``labelled_w = 0``, so the supervised Kannada term is zero and shapes never change.
    ``y_kannada`` is only read at ``labelled_index``: the other labels never reach the model.
    """
    x_kannada, x_mnist = np.asarray(x_kannada), np.asarray(x_mnist)
    for name, x in (("x_kannada", x_kannada), ("x_mnist", x_mnist)):
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28):
            raise ValueError(f"{name} must be uint8 images (N, 28, 28) as data.load returns them, got {x.dtype} {x.shape}")
    if len(y_mnist) != len(x_mnist) or len(y_kannada) != len(x_kannada):
        raise ValueError("images and labels must have the same length in each domain")
    labelled_index = np.asarray(labelled_index, dtype=np.int64).reshape(-1)
    if labelled_index.size and (labelled_index.min() < 0 or labelled_index.max() >= len(x_kannada)):
        raise ValueError("labelled_index points outside x_kannada")
    rng = np.random.default_rng(seed)
    n = int(length or len(x_kannada))
    k = rng.permutation(len(x_kannada))
    k = np.resize(k, n)
    m = rng.choice(len(x_mnist), size=n, replace=n > len(x_mnist))
    if labelled_index.size:
        lab = rng.choice(labelled_index, size=n, replace=True)
        lab_y = np.asarray(y_kannada)[lab].astype("int32")
        lab_w = np.ones(n, "float32")
    else:
        lab = k
        lab_y = np.zeros(n, "int32")
        lab_w = np.zeros(n, "float32")
    return {"kannada": x_kannada[k], "labelled": x_kannada[lab], "labelled_y": lab_y, "labelled_w": lab_w,
            "mnist": x_mnist[m], "mnist_y": np.asarray(y_mnist)[m].astype("int32")}


# ---------------------------------------------------------------------------------------------- augmentation
class Augment(layers.Layer):
    """Random affine warp (rotation, scale, shift) plus optional cutout, per image, in the training graph.

    Digits stay digits under small warps, so a prediction should not change: that is the invariance the
    supervised and self-training terms teach. ``strength`` scales all ranges (weak view 0.5, strong 1.5).
    The warp is one ``ops.image.affine_transform`` call (a third of the cost of chaining Keras'
    RandomRotation, RandomTranslation and RandomZoom, which matters on a CPU).
    """

    def __init__(self, strength: float = 1.0, cutout: int = 0, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.strength = float(strength)
        self.cutout = int(cutout)
        self.max_angle = 0.25 * self.strength          # radians (about 14 degrees at strength 1)
        self.max_scale = 0.1 * self.strength
        self.max_shift = 2.0 * self.strength           # pixels
        self.noise = keras.random.SeedGenerator(seed)

    def call(self, x, training: bool = True):
        if not training or self.strength <= 0:
            return x
        n = ops.shape(x)[0]
        u = keras.random.uniform((n, 4), -1.0, 1.0, seed=self.noise)
        angle, scale = u[:, 0] * self.max_angle, 1.0 + u[:, 1] * self.max_scale
        tx, ty = u[:, 2] * self.max_shift, u[:, 3] * self.max_shift
        cos, sin = ops.cos(angle) / scale, ops.sin(angle) / scale
        c = 13.5  # the image centre: rotate and scale about it
        a2 = c - cos * c + sin * c + tx
        b2 = c - sin * c - cos * c + ty
        zeros = ops.zeros_like(cos)
        transform = ops.stack([cos, -sin, a2, sin, cos, b2, zeros, zeros], axis=1)
        x = ops.image.affine_transform(x, transform, interpolation="bilinear", fill_mode="constant")
        if self.cutout:
            centre = keras.random.randint((n, 2), 0, 28, seed=self.noise)
            grid = ops.arange(28)
            half = self.cutout // 2
            rows = ops.abs(grid[None, :] - centre[:, :1]) <= half          # (N, 28)
            cols = ops.abs(grid[None, :] - centre[:, 1:]) <= half
            hole = ops.logical_and(rows[:, :, None], cols[:, None, :])     # (N, 28, 28)
            x = x * (1.0 - ops.cast(hole, x.dtype))[..., None]
        return ops.clip(x, 0.0, 1.0)


# ---------------------------------------------------------------------------------------------- networks
def build_stem(name: str, width: int = 32) -> keras.Sequential:
    """Per-domain encoder layers: pixels -> (7, 7, 2*width) feature maps (two stride-2 convolutions).

    Only the first layers see pixels, so only they must learn each script's strokes; everything after
    them is shared.
    """
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(width, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2D(2 * width, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2D(2 * width, 3, padding="same", activation="relu"),
    ], name=f"stem_{name}")


def build_shared_encoder(width: int = 32, hidden: int = 256, style_dim: int = 16) -> keras.Model:
    """Shared layers: (7, 7, 2*width) -> (class logits (N, 10), style (N, style_dim) in [-1, 1]).

    The style is squashed by tanh so the alignment term (an MMD with fixed kernel widths) cannot be
    satisfied by simply blowing the codes up.
    """
    h_in = keras.Input((7, 7, 2 * width))
    h = layers.Flatten()(h_in)
    h = layers.Dense(hidden, activation="relu")(h)
    logits = layers.Dense(NUM_CLASSES, name="class_logits")(h)
    style = layers.Dense(style_dim, activation="tanh", name="style")(h)
    return keras.Model(h_in, [logits, style], name="shared_encoder")


def build_shared_decoder(width: int = 32, hidden: int = 256, style_dim: int = 16) -> keras.Model:
    """Shared layers: z = concat(class probabilities, style) -> (7, 7, 2*width) feature maps."""
    z = keras.Input((NUM_CLASSES + style_dim,))
    h = layers.Dense(hidden, activation="relu")(z)
    h = layers.Dense(7 * 7 * 2 * width, activation="relu")(h)
    h = layers.Reshape((7, 7, 2 * width))(h)
    return keras.Model(z, h, name="shared_decoder")


def build_head(name: str, width: int = 32) -> keras.Sequential:
    """Per-domain decoder layers: (7, 7, 2*width) -> pixel logits (28, 28, 1) in that domain's script.

    Two transposed convolutions, as in notebook 03's VAE decoder: a decoder at full width on 28 x 28
    would cost five times more and is the bottleneck on a CPU.
    """
    return keras.Sequential([
        keras.Input((7, 7, 2 * width)),
        layers.Conv2DTranspose(width, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(1, 3, strides=2, padding="same"),
    ], name=f"head_{name}")


def _bce(logits, x):
    """Mean pixel binary cross-entropy from logits (numerically stable form)."""
    return ops.mean(bernoulli_nll(x, logits=logits))


def _ce(logits, labels, weights=None):
    """Sparse softmax cross-entropy, averaged with optional per-example weights (0 = ignore)."""
    losses = keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    if weights is None:
        return ops.mean(losses)
    return ops.sum(losses * weights) / ops.maximum(ops.sum(weights), 1.0)


def _soft_ce(logits, target_probs):
    return ops.mean(-ops.sum(target_probs * ops.log_softmax(logits, axis=-1), axis=-1))


def mmd(a, b, scales: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)):
    """Squared maximum mean discrepancy between two batches of codes, with a sum of RBF kernels.

    Zero exactly when the two batches could come from the same distribution (as the batches grow):
    the alignment term that makes Kannada and MNIST style codes indistinguishable to the decoders.
    """
    def kernel(u, v):
        d2 = ops.sum(ops.square(u[:, None, :] - v[None, :, :]), axis=-1)
        return sum(ops.exp(-d2 / (2.0 * s * s)) for s in scales)
    return ops.mean(kernel(a, a)) + ops.mean(kernel(b, b)) - 2.0 * ops.mean(kernel(a, b))


def _as_float(x):
    """uint8 (N, 28, 28) batch tensor -> float32 (N, 28, 28, 1) in [0, 1]."""
    x = ops.cast(x, "float32")
    if len(x.shape) == 3:
        x = x[..., None]
    return x / 255.0


def loss_weights(weights: Mapping[str, float] | None, defaults: Mapping[str, float]) -> dict[str, float]:
    """``defaults`` with the given ``weights`` put in (as floats); an unknown name is a clear error."""
    unknown = set(weights or {}) - set(defaults)
    if unknown:
        raise ValueError(f"unknown loss weights {sorted(unknown)}; known: {sorted(defaults)}")
    return {**defaults, **{k: float(v) for k, v in (weights or {}).items()}}


def check_confidence(confidence: float) -> float:
    """``confidence`` as a float if it lies in (0, 1) (a pseudo-label threshold), else a clear error."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    return float(confidence)


def _check_sizes(style_dim: int, width: int, hidden: int, confidence: float) -> None:
    if style_dim < 1 or width < 1 or hidden < 1:
        raise ValueError("style_dim, width and hidden must be >= 1")
    check_confidence(confidence)


def check_domain(domain: str) -> str:
    """``domain`` if it is one of :data:`DOMAINS`, else a clear error."""
    if domain not in DOMAINS:
        raise ValueError(f"unknown domain {domain!r}; use one of {DOMAINS}")
    return domain


def batched_numpy(fn: Callable, x, batch_size: int = 1000):
    """``fn`` on uint8 or [0, 1] float images in batches, as NumPy (a tuple of arrays if ``fn`` returns several)."""
    x = as_images(x)
    outs = [fn(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]
    if not outs:
        raise ValueError("got an empty batch of images")
    if isinstance(outs[0], (tuple, list)):
        return tuple(np.concatenate([ops.convert_to_numpy(o[j]) for o in outs]) for j in range(len(outs[0])))
    return np.concatenate([ops.convert_to_numpy(o) for o in outs])


def kannada_class_terms(model, xk, xl, yl, wl, logits_kannada=None, training: bool = True) -> dict:
    """The Kannada side of the class head: supervised, FixMatch and class-balance terms (one way, for both models).

    ``model`` has ``encode(x, "kannada", training)`` returning (logits, style), the augmentations ``weak``,
    ``strong`` and ``label_aug``, ``confidence`` and ``loss_weights_``. Supervised: cross-entropy on the labelled
    images (augmented, weights ``wl``; 0 = no label). FixMatch (Sohn et al. 2020): confident weak-view predictions
    of the unlabelled images ``xk`` are the targets of a strong view. Balance: KL of the mean prediction on ``xk``
    (``logits_kannada``, default the weak view's) from uniform, so the head cannot collapse onto a few classes.
    Also returns the pseudo-labels, their mask and the accuracy on the labelled images.
    """
    ll, _ = model.encode(model.label_aug(xl, training=training), "kannada", training)
    label_acc = ops.sum(ops.cast(ops.argmax(ll, axis=-1) == yl, "float32") * wl) / ops.maximum(ops.sum(wl), 1.0)
    lw, _ = model.encode(model.weak(xk, training=training), "kannada", training)
    pw = ops.stop_gradient(ops.softmax(lw, axis=-1))
    pseudo = ops.argmax(pw, axis=-1)
    mask = ops.cast(ops.max(pw, axis=-1) >= model.confidence, "float32")
    if model.loss_weights_["fixmatch"] > 0:
        ls, _ = model.encode(model.strong(xk, training=training), "kannada", training)
        fixmatch = _ce(ls, pseudo, mask) * ops.mean(mask)  # per-batch mean over all images
    else:
        fixmatch = ops.zeros(())
    mean_p = ops.mean(ops.softmax(lw if logits_kannada is None else logits_kannada, axis=-1), axis=0)
    return {"supervised": _ce(ll, yl, wl), "fixmatch": fixmatch,
            "balance": ops.sum(mean_p * ops.log(mean_p * NUM_CLASSES + 1e-8)),
            "pseudo": pseudo, "mask": mask, "kannada_label_acc": label_acc}


class SharedLatentTranslator(LossTrackers, keras.Model):
    """Two encoders and two decoders around a shared latent code ``z = (class probabilities, style)``.

    Args:
        style_dim: size of the style part of z (the class part is always 10).
        width: channels of the first convolution of each stem (then twice as many).
        hidden: width of the shared dense layers.
        weights: loss weights; missing keys take :data:`DEFAULT_WEIGHTS` (an unknown key is an error).
        confidence: FixMatch threshold on the weak-view prediction.
        judge: frozen MNIST classifier (a keras model returning logits), needed only when
            ``weights["semantic"] > 0``. It is kept outside the model's weights (never trained, never saved).
        semantic_batch: how many translations of each batch the judge reads (a backward pass through it is costly).
        semantic_augment: strength of the random warp (:class:`Augment`) applied to a translation before the judge
            reads it; 0 reads it as drawn. A drawing that only this judge's peculiar features read as a 3 rarely
            survives a small warp, so the warp keeps the decoder from learning to please one classifier.
        seed: seeds augmentation.
    """

    def __init__(self, style_dim: int = 16, width: int = 32, hidden: int = 256,
                 weights: Mapping[str, float] | None = None, confidence: float = 0.95,
                 judge: keras.Model | None = None, semantic_batch: int = 32, semantic_augment: float = 1.0,
                 seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        _check_sizes(style_dim, width, hidden, confidence)
        self.loss_weights_ = loss_weights(weights, DEFAULT_WEIGHTS)
        if self.loss_weights_["semantic"] > 0 and judge is None:
            raise ValueError("weights['semantic'] > 0 needs the frozen MNIST judge: pass judge=mnist_judge().model")
        self.style_dim, self.width, self.hidden = int(style_dim), int(width), int(hidden)
        self.confidence = float(confidence)
        self.semantic_batch = int(semantic_batch)
        self.semantic_augment = float(semantic_augment)
        self.seed = int(seed)
        self.stems = {d: build_stem(d, width) for d in DOMAINS}
        self.heads = {d: build_head(d, width) for d in DOMAINS}
        self.shared_encoder = build_shared_encoder(width, hidden, style_dim)
        self.shared_decoder = build_shared_decoder(width, hidden, style_dim)
        self.weak = Augment(0.5, seed=seed)
        self.strong = Augment(1.5, cutout=10, seed=seed + 10)
        self.label_aug = Augment(1.0, cutout=6, seed=seed + 20)
        self.semantic_aug = Augment(self.semantic_augment, seed=seed + 30)
        # a plain function, not an attribute Keras would track: the judge's weights are not ours to train or save
        self._judge_fn: Callable | None = (lambda x: judge(x, training=False)) if judge is not None else None
        self.track_losses("loss", *DEFAULT_WEIGHTS, "mask_rate", "kannada_label_acc")

    def get_config(self) -> dict:
        """The constructor arguments except the judge (a model, not a setting; its weights are not ours)."""
        return {**super().get_config(), "style_dim": self.style_dim, "width": self.width, "hidden": self.hidden,
                "weights": dict(self.loss_weights_), "confidence": self.confidence,
                "semantic_batch": self.semantic_batch, "semantic_augment": self.semantic_augment, "seed": self.seed}

    # ------------------------------------------------------------------ building blocks
    def encode(self, x, domain: str, training: bool = False):
        """Float images (N, 28, 28, 1) -> (class logits (N, 10), style (N, style_dim))."""
        return self.shared_encoder(self.stems[check_domain(domain)](x, training=training), training=training)

    def latent(self, logits, style):
        """The shared code z = concat(softmax(logits), style); (N, 10 + style_dim)."""
        return ops.concatenate([ops.softmax(logits, axis=-1), style], axis=-1)

    def decode_logits(self, z, domain: str, training: bool = False):
        """z (N, 10 + style_dim) -> pixel logits (N, 28, 28, 1) in ``domain``'s script."""
        return self.heads[check_domain(domain)](self.shared_decoder(z, training=training), training=training)

    def build(self, input_shape=None) -> None:
        """Create every weight (both stems, the shared layers, both heads) with a dummy batch."""
        x = np.zeros((2, 28, 28, 1), "float32")
        for d in DOMAINS:
            self.decode_logits(self.latent(*self.encode(x, d)), d)

    def call(self, x, training: bool = False):
        """Kannada float images -> MNIST-style translations (pixel probabilities).

        In ``fit()``/``evaluate()`` the batch is the dict of :data:`ARRAY_KEYS` that ``compute_loss`` reads
        itself, so such a dict (or any training batch) passes through untouched.
        """
        if training or isinstance(x, Mapping):
            return x
        logits, style = self.encode(x, "kannada", training=training)
        return ops.sigmoid(self.decode_logits(self.latent(logits, style), "mnist", training=training))

    # ------------------------------------------------------------------ losses
    def loss_terms(self, batch: Mapping, training: bool = True) -> dict:
        """Every loss term of one batch (a dict with :data:`ARRAY_KEYS`), weighted total under ``"loss"``."""
        w = self.loss_weights_
        xk, xm = _as_float(batch["kannada"]), _as_float(batch["mnist"])
        xl = _as_float(batch["labelled"])
        ym = ops.cast(ops.reshape(batch["mnist_y"], (-1,)), "int32")
        yl = ops.cast(ops.reshape(batch["labelled_y"], (-1,)), "int32")
        wl = ops.cast(ops.reshape(batch["labelled_w"], (-1,)), "float32")
        zero = ops.zeros(())
        terms = {}

        # reconstruction in each domain; the class part of z is a stop-gradient input, so pixels cannot
        # bend the class decision, only the style and the decoders
        lk, sk = self.encode(xk, "kannada", training)
        lm, sm = self.encode(xm, "mnist", training)
        zk = self.latent(ops.stop_gradient(lk), sk)
        zm = self.latent(ops.stop_gradient(lm), sm)
        terms["reconstruction"] = (_bce(self.decode_logits(zk, "kannada", training), xk)
                                   + _bce(self.decode_logits(zm, "mnist", training), xm))

        # class head: all MNIST labels, plus the labelled Kannada images (augmented), FixMatch and balance
        kannada = kannada_class_terms(self, xk, xl, yl, wl, lk, training)
        pseudo, mask = kannada["pseudo"], kannada["mask"]
        terms["supervised"] = _ce(lm, ym) + kannada["supervised"]
        terms["fixmatch"], terms["balance"] = kannada["fixmatch"], kannada["balance"]

        terms["alignment"] = mmd(sk, sm) if w["alignment"] > 0 else zero

        # translations, used by the cycle and semantic terms
        need_cycle, need_class, need_semantic = w["cycle"] > 0, w["cycle_class"] > 0, w["semantic"] > 0
        pk = ops.stop_gradient(ops.softmax(lk, -1))
        if need_cycle or need_class or need_semantic:
            x_km = ops.sigmoid(self.decode_logits(zk, "mnist", training))          # Kannada -> MNIST style
        if need_cycle or need_class:
            l_kmk, s_kmk = self.encode(x_km, "mnist", training)
            # the MNIST side must read the translation as the class the Kannada side saw (confident ones)
            terms["cycle_class"] = _ce(l_kmk, pseudo, mask) if need_class else zero
        else:
            terms["cycle_class"] = zero
        if need_cycle:
            x_mk = ops.sigmoid(self.decode_logits(zm, "kannada", training))        # MNIST -> Kannada style
            l_mkm, s_mkm = self.encode(x_mk, "kannada", training)
            terms["cycle"] = (_bce(self.decode_logits(self.latent(ops.stop_gradient(l_kmk), s_kmk), "kannada", training), xk)
                              + _bce(self.decode_logits(self.latent(ops.stop_gradient(l_mkm), s_mkm), "mnist", training), xm)
                              + _soft_ce(l_kmk, pk) + _ce(l_mkm, ym))
        else:
            terms["cycle"] = zero
        if need_semantic:
            # CyCADA's semantic consistency: the frozen judge reads a randomly warped copy of the translation
            # as the confident pseudo-label (on a sub-batch: a backward pass through the judge is expensive)
            k = self.semantic_batch
            terms["semantic"] = _ce(self._judge_fn(self.semantic_aug(x_km[:k], training=training)), pseudo[:k], mask[:k])
        else:
            terms["semantic"] = zero

        terms["loss"] = sum(w[k] * terms[k] for k in DEFAULT_WEIGHTS)
        terms["mask_rate"] = ops.mean(mask)
        terms["kannada_label_acc"] = kannada["kannada_label_acc"]
        return terms

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training: bool = True):
        """``fit()``'s loss (any backend): the weighted total of :meth:`loss_terms`; updates every tracker."""
        missing = set(ARRAY_KEYS) - set(x) if isinstance(x, Mapping) else set(ARRAY_KEYS)
        if missing:
            raise ValueError(f"fit() needs a dict with keys {ARRAY_KEYS} (see training_arrays); missing {sorted(missing)}")
        terms = self.loss_terms(x, training=training)
        self.update_losses(terms)
        return terms["loss"]

    # ------------------------------------------------------------------ convenience for notebooks (NumPy in/out)
    def class_probabilities(self, x, domain: str, batch_size: int = 1000) -> np.ndarray:
        """The shared class head's probabilities (N, 10) for images of ``domain``."""
        return batched_numpy(lambda b: ops.softmax(self.encode(b, domain)[0], -1), x, batch_size)

    def latent_codes(self, x, domain: str, batch_size: int = 1000) -> np.ndarray:
        """Shared codes z (N, 10 + style_dim) of images of ``domain``."""
        return batched_numpy(lambda b: self.latent(*self.encode(b, domain)), x, batch_size)

    def reconstruct(self, x, domain: str, batch_size: int = 1000) -> np.ndarray:
        """D_d(E_d(x)): pixel probabilities (N, 28, 28, 1)."""
        return self.translate(x, domain, domain, batch_size)

    def style_swap(self, x, source: str, target: str) -> np.ndarray:
        """Each image's style code drawn as every digit in ``target``'s script: (N, 10, 28, 28, 1) in [0, 1].

        The class part of z is set to each one-hot class in turn while the style part stays the image's own, which
        shows what the style code holds (slant, thickness, size) apart from the class.
        """
        check_domain(target)
        _, style = batched_numpy(lambda b: self.encode(b, source), x)
        n = len(style)
        onehot = np.tile(np.eye(NUM_CLASSES, dtype="float32"), (n, 1))
        codes = np.concatenate([onehot, np.repeat(style, NUM_CLASSES, axis=0)], axis=1)
        images = ops.convert_to_numpy(ops.sigmoid(self.decode_logits(codes, target)))
        return images.reshape(n, NUM_CLASSES, 28, 28, 1)

    def translate(self, x, source: str, target: str, batch_size: int = 1000) -> np.ndarray:
        """D_target(E_source(x)): images of ``source`` redrawn in ``target``'s script, (N, 28, 28, 1) in [0, 1]."""
        check_domain(target)
        return batched_numpy(lambda b: ops.sigmoid(self.decode_logits(self.latent(*self.encode(b, source)), target)),
                             x, batch_size)


def check_training_arrays(arrays: Mapping[str, np.ndarray]) -> int:
    """The common length of a dict from :func:`training_arrays`, or a clear error (missing keys, unequal lengths)."""
    missing = set(ARRAY_KEYS) - set(arrays)
    if missing:
        raise ValueError(f"arrays must come from training_arrays(); missing {sorted(missing)}")
    n = len(arrays["kannada"])
    if any(len(a) != n for a in arrays.values()):
        raise ValueError("every array in `arrays` must have the same length")
    return n


def fit_in_chunks(model: keras.Model, arrays: Mapping[str, np.ndarray], epochs: int, batch_size: int,
                  points_per_epoch: int = 5, verbose: int = 2) -> dict[str, list[float]]:
    """``epochs`` passes of a compiled model over ``arrays``, each fed to ``fit`` in ``points_per_epoch`` chunks.

    Same optimizer and schedule throughout, so a run of one or two epochs still gives a learning curve: the history
    has ``epochs * points_per_epoch`` points (fewer when there are fewer batches), each the mean of its chunk.
    """
    n = check_training_arrays(arrays)
    if epochs < 1 or points_per_epoch < 1:
        raise ValueError("epochs and points_per_epoch must be >= 1")
    points = max(1, min(points_per_epoch, n // batch_size))
    rng = np.random.default_rng(0)
    history: dict[str, list[float]] = {}
    for _ in range(epochs):
        order = rng.permutation(n)
        for chunk in np.array_split(order, points):
            result = model.fit({k: np.asarray(v)[chunk] for k, v in arrays.items()}, epochs=1,
                               batch_size=batch_size, verbose=verbose, shuffle=False)
            for key, values in result.history.items():
                history.setdefault(key, []).extend(float(v) for v in values)
    return history


def train_translator(model: keras.Model, arrays: Mapping[str, np.ndarray], epochs: int = 3,
                     batch_size: int = 128, learning_rate: float = 2e-3, points_per_epoch: int = 5,
                     verbose: int = 2, run_eagerly: bool = False) -> dict[str, list[float]]:
    """Adam with a cosine-decaying learning rate over all steps, fed by :func:`fit_in_chunks`; returns the history.

    Trains a :class:`SharedLatentTranslator` or a :class:`FixMatchClassifier` (both read the dict of
    :func:`training_arrays` in their ``compute_loss``). ``run_eagerly`` skips graph tracing (for tiny tests and
    debugging; much slower per step).
    """
    n = check_training_arrays(arrays)
    if epochs < 1 or points_per_epoch < 1:
        raise ValueError("epochs and points_per_epoch must be >= 1")
    points = max(1, min(points_per_epoch, n // batch_size))
    steps = epochs * points * int(np.ceil(n / points / batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=max(steps, 1), alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(schedule), run_eagerly=run_eagerly)
    return fit_in_chunks(model, arrays, epochs, batch_size, points_per_epoch, verbose)


# ---------------------------------------------------------------------------------------------- FixMatch only
#: Loss weights of the FixMatch-only classifier (the translator's values for the same terms).
FIXMATCH_WEIGHTS: dict[str, float] = {"supervised": 1.0, "fixmatch": 1.0, "balance": 0.5}


class FixMatchClassifier(LossTrackers, keras.Model):
    """The translator's Kannada encoder and class head alone: labelled Kannada images + FixMatch, no decoders, no MNIST.

    The baseline that tells what translation adds: the same stem, shared encoder, augmentations and Kannada terms
    (:func:`kannada_class_terms`) as :class:`SharedLatentTranslator`, trained by :func:`train_translator` on the
    same arrays (their MNIST part is ignored). Arguments as for the translator; ``weights`` keys are
    :data:`FIXMATCH_WEIGHTS`.
    """

    def __init__(self, style_dim: int = 16, width: int = 32, hidden: int = 256,
                 weights: Mapping[str, float] | None = None, confidence: float = 0.95, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        _check_sizes(style_dim, width, hidden, confidence)
        self.loss_weights_ = loss_weights(weights, FIXMATCH_WEIGHTS)
        self.style_dim, self.width, self.hidden = int(style_dim), int(width), int(hidden)
        self.confidence, self.seed = float(confidence), int(seed)
        self.stems = {"kannada": build_stem("kannada", width)}
        self.shared_encoder = build_shared_encoder(width, hidden, style_dim)
        self.shared_encoder.get_layer("style").trainable = False  # kept for the same encoder; no loss reads it
        self.weak = Augment(0.5, seed=seed)
        self.strong = Augment(1.5, cutout=10, seed=seed + 10)
        self.label_aug = Augment(1.0, cutout=6, seed=seed + 20)
        self.track_losses("loss", *FIXMATCH_WEIGHTS, "mask_rate", "kannada_label_acc")

    def get_config(self) -> dict:
        """The constructor arguments (the checkpoint key hashes them)."""
        return {**super().get_config(), "style_dim": self.style_dim, "width": self.width, "hidden": self.hidden,
                "weights": dict(self.loss_weights_), "confidence": self.confidence, "seed": self.seed}

    def encode(self, x, domain: str = "kannada", training: bool = False):
        """Float Kannada images (N, 28, 28, 1) -> (class logits (N, 10), unused style (N, style_dim))."""
        if check_domain(domain) != "kannada":
            raise ValueError("the FixMatch-only classifier reads Kannada images only")
        return self.shared_encoder(self.stems["kannada"](x, training=training), training=training)

    def build(self, input_shape=None) -> None:
        """Create every weight with a dummy batch."""
        self.encode(np.zeros((2, 28, 28, 1), "float32"))

    def call(self, x, training: bool = False):
        """Kannada float images -> class logits; a training batch (a dict) passes through."""
        if training or isinstance(x, Mapping):
            return x
        return self.encode(x)[0]

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training: bool = True):
        """``fit()``'s loss (any backend): supervised + FixMatch + balance on the Kannada part of the batch."""
        missing = set(ARRAY_KEYS) - set(x) if isinstance(x, Mapping) else set(ARRAY_KEYS)
        if missing:
            raise ValueError(f"fit() needs a dict with keys {ARRAY_KEYS} (see training_arrays); missing {sorted(missing)}")
        terms = kannada_class_terms(self, _as_float(x["kannada"]), _as_float(x["labelled"]),
                                    ops.cast(ops.reshape(x["labelled_y"], (-1,)), "int32"),
                                    ops.cast(ops.reshape(x["labelled_w"], (-1,)), "float32"), training=training)
        terms["loss"] = sum(self.loss_weights_[k] * terms[k] for k in FIXMATCH_WEIGHTS)
        terms["mask_rate"] = ops.mean(terms["mask"])
        self.update_losses(terms)
        return terms["loss"]

    def class_probabilities(self, x, domain: str = "kannada", batch_size: int = 1000) -> np.ndarray:
        """Class probabilities (N, 10) of Kannada images."""
        return batched_numpy(lambda b: ops.softmax(self.encode(b, domain)[0], -1), x, batch_size)


# ---------------------------------------------------------------------------------------------- baseline CNN
def build_kannada_cnn(width: int = 32, seed: int = 0) -> keras.Model:
    """The honest baseline: a small 4-conv CNN with rotation/shift/zoom augmentation; returns logits.

    Trained only on the labelled Kannada images a translation row uses, it answers "what would those
    labels give without any translation, unlabelled images or MNIST?"
    """
    inputs = keras.Input((28, 28, 1))
    h = layers.RandomRotation(0.04, fill_mode="constant", seed=seed)(inputs)
    h = layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=seed + 1)(h)
    h = layers.RandomZoom(0.1, fill_mode="constant", seed=seed + 2)(h)
    for filters in (width, 2 * width):
        h = layers.Conv2D(filters, 3, padding="same", activation="relu")(h)
        h = layers.Conv2D(filters, 3, padding="same", activation="relu")(h)
        h = layers.MaxPooling2D()(h)
    h = layers.Flatten()(h)
    h = layers.Dropout(0.3)(h)
    h = layers.Dense(128, activation="relu")(h)
    h = layers.Dropout(0.3)(h)
    return keras.Model(inputs, layers.Dense(NUM_CLASSES)(h), name="kannada_cnn")


def train_kannada_cnn(model: keras.Model, x: np.ndarray, y: np.ndarray, steps: int, batch_size: int = 64,
                      epochs: int = 4, learning_rate: float = 2e-3, seed: int = 0, verbose: int = 2):
    """Train for a fixed number of gradient ``steps`` (split into ``epochs`` for the history), whatever len(x).

    With 10 labelled images an "epoch" is meaningless, so the budget is counted in steps; the images are
    repeated (each time under fresh augmentation) to fill them.
    """
    x = as_images(x)
    y = np.asarray(y).reshape(-1)
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"need as many labels as images (got {len(x)} images, {len(y)} labels)")
    rng = np.random.default_rng(seed)
    per_epoch = max(1, steps // epochs)
    idx = np.resize(rng.permutation(len(x)), per_epoch * batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=per_epoch * epochs, alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model.fit(x[idx], y[idx], epochs=epochs, batch_size=batch_size, verbose=verbose, shuffle=True)


def predict_classes(model: keras.Model, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """argmax of a logits model on uint8 or [0, 1] float images."""
    x = as_images(x)
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0)).argmax(axis=1)


def fit_or_load_translator(notebook: str, name: str, arrays: Mapping[str, np.ndarray], *, epochs: int,
                           batch_size: int = 128, learning_rate: float = 2e-3, judge: keras.Model | None = None,
                           seed: int | None = None, profile: str | None = None, verbose: int = 2, **model_options):
    """A :class:`SharedLatentTranslator` trained by :func:`train_translator`, or loaded from the checkpoint cache.

    ``arrays`` come from :func:`training_arrays`; ``model_options`` are the model's arguments (style_dim, width,
    weights, confidence ...). ``judge`` is used only when ``weights["semantic"] > 0``; its weights are then part
    of the cache key (a retrained judge retrains the translator). The key is derived from the built model, the
    arrays by content, the fit arguments and ``seed`` (default ``COURSE_SEED``); returns a ``checkpoints.Trained``.
    """
    from course_lib import checkpoints, config

    seed = config.settings().seed if seed is None else int(seed)
    semantic = float({**DEFAULT_WEIGHTS, **(model_options.get("weights") or {})}["semantic"])
    judge = judge if semantic > 0 else None
    settings = None if judge is None else {"judge_weights": checkpoints.content_hash(judge.get_weights())}
    return checkpoints.fit_or_load(
        notebook, name, lambda: SharedLatentTranslator(judge=judge, seed=seed, **model_options),
        train_translator, data=(dict(arrays),),
        fit_args={"epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate},
        seed=seed, settings=settings, profile=profile, verbose=verbose)


def fit_or_load_kannada_cnn(notebook: str, name: str, x: np.ndarray, y: np.ndarray, *, steps: int,
                            batch_size: int = 64, epochs: int = 4, learning_rate: float = 2e-3, width: int = 32,
                            seed: int | None = None, profile: str | None = None, verbose: int = 2):
    """The baseline CNN of :func:`build_kannada_cnn` trained by :func:`train_kannada_cnn`, or loaded from the cache.

    The key is derived from the built network, the labelled images by content, the fit arguments and ``seed``
    (default ``COURSE_SEED``); returns a ``checkpoints.Trained``.
    """
    from course_lib import checkpoints, config

    seed = config.settings().seed if seed is None else int(seed)
    return checkpoints.fit_or_load(
        notebook, name, lambda: build_kannada_cnn(width, seed=seed), train_kannada_cnn, data=(x, y),
        fit_args={"steps": steps, "batch_size": batch_size, "epochs": epochs, "learning_rate": learning_rate,
                  "seed": seed},
        seed=seed, profile=profile, verbose=verbose)


def fit_or_load_fixmatch(notebook: str, name: str, arrays: Mapping[str, np.ndarray], *, epochs: int,
                         batch_size: int = 128, learning_rate: float = 2e-3, seed: int | None = None,
                         profile: str | None = None, verbose: int = 2, **model_options):
    """A :class:`FixMatchClassifier` trained by :func:`train_translator`, or loaded from the checkpoint cache.

    Same arrays and fit arguments as :func:`fit_or_load_translator` (the MNIST part of ``arrays`` is not used but
    keeps the two rows on the same batches); the key is derived from the built model, the arrays, the fit
    arguments and ``seed``. Returns a ``checkpoints.Trained``.
    """
    from course_lib import checkpoints, config

    seed = config.settings().seed if seed is None else int(seed)
    return checkpoints.fit_or_load(
        notebook, name, lambda: FixMatchClassifier(seed=seed, **model_options), train_translator,
        data=(dict(arrays),), fit_args={"epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate},
        seed=seed, profile=profile, verbose=verbose)
