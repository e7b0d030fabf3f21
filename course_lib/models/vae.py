"""Variational autoencoders for MNIST: a convolutional VAE, its conditional version, ELBO and IWAE.

The model is a ``keras.Model`` subclass that overrides ``compute_loss`` (Keras's own hook for a custom
loss), so ``fit()``'s train step runs it on every backend (TensorFlow, JAX, PyTorch) and students get
progress bars, callbacks and the checkpoint cache for free::

    vae = VAE(latent_dim=16)                  # CVAE: VAE(latent_dim=16, num_classes=10)
    vae.build()                               # Keras's build: the weights exist before fit or load_weights
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    vae.fit(x_train, epochs=10, batch_size=128)           # CVAE: vae.fit(x_train, y_train, ...)

Inputs are float images (N, 28, 28, 1) in [0, 1]. The likelihood is Bernoulli, and with
``dynamic_binarization=True`` (the default) every batch is re-binarised at random (pixel = 1 with
probability equal to its grey level), the standard protocol under which VAE log-likelihoods on MNIST
are reported in nats (Burda et al. 2016). Losses per image, in nats:

    reconstruction = -E_q[log p(x|z)]      kl = KL(q(z|x) || N(0, I))
    loss = reconstruction + beta * kl      (beta = 1: the negative ELBO)
"""

from __future__ import annotations

import math

import keras
import numpy as np

from course_lib.models.batches import images_and_labels, latent_codes_and_labels
from course_lib.models.conditioning import condition_on_label, one_hot_labels
from course_lib.models.losses import LossTrackers, bernoulli_nll
from course_lib.validation import as_images
from keras import layers, ops

LOG_2PI = math.log(2.0 * math.pi)


def build_encoder(latent_dim: int, num_classes: int = 0, width: int = 16, hidden: int = 256) -> keras.Model:
    """Image (and one-hot label for a CVAE) -> (z_mean, z_log_var), each (N, latent_dim).

    Two stride-2 convolutions (28 -> 14 -> 7) then a dense layer; the label joins after the convolutions,
    where it can tell the dense layer "this is a 7" so the latent is free to code the style.
    """
    image = keras.Input((28, 28, 1), name="image")
    h = layers.Conv2D(width, 3, strides=2, padding="same", activation="relu")(image)
    h = layers.Conv2D(2 * width, 3, strides=2, padding="same", activation="relu")(h)
    h = layers.Flatten()(h)
    inputs, h = condition_on_label(image, h, num_classes)
    h = layers.Dense(hidden, activation="relu")(h)
    z_mean = layers.Dense(latent_dim, name="z_mean")(h)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(h)
    return keras.Model(inputs, [z_mean, z_log_var], name="encoder")


def build_decoder(latent_dim: int, num_classes: int = 0, width: int = 16, hidden: int = 256) -> keras.Model:
    """Latent code (and one-hot label) -> Bernoulli logits (N, 28, 28, 1); the mirror of the encoder."""
    z = keras.Input((latent_dim,), name="z")
    inputs, h = condition_on_label(z, z, num_classes)
    h = layers.Dense(hidden, activation="relu")(h)
    h = layers.Dense(7 * 7 * 2 * width, activation="relu")(h)
    h = layers.Reshape((7, 7, 2 * width))(h)
    h = layers.Conv2DTranspose(width, 3, strides=2, padding="same", activation="relu")(h)
    logits = layers.Conv2DTranspose(1, 3, strides=2, padding="same", name="logits")(h)
    return keras.Model(inputs, logits, name="decoder")


class VAE(LossTrackers, keras.Model):
    """Convolutional (conditional) VAE with a Bernoulli decoder, trained by ``fit()``.

    Args:
        latent_dim: size of z.
        beta: weight of the KL term (beta-VAE); 1 gives the ELBO.
        num_classes: 0 for a plain VAE; 10 for a conditional VAE that sees the digit label in the
            encoder and the decoder (then call ``fit(images, labels)``).
        width: channels of the first convolution (the second has twice as many).
        dynamic_binarization: re-binarise each training batch at random (see module docstring).
        seed: seeds the sampling noise and the binarisation.
    """

    def __init__(self, latent_dim: int = 16, beta: float = 1.0, num_classes: int = 0, width: int = 16,
                 dynamic_binarization: bool = True, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        if latent_dim < 1:
            raise ValueError(f"latent_dim must be >= 1, got {latent_dim}")
        if beta < 0:
            raise ValueError(f"beta must be >= 0, got {beta}")
        self.latent_dim = int(latent_dim)
        self.beta = float(beta)
        self.num_classes = int(num_classes)
        self.dynamic_binarization = bool(dynamic_binarization)
        self.width = int(width)
        self.seed = int(seed)
        self.encoder = build_encoder(latent_dim, num_classes, width)
        self.decoder = build_decoder(latent_dim, num_classes, width)
        self.noise = keras.random.SeedGenerator(seed)
        self.track_losses("loss", "reconstruction", "kl")

    def get_config(self) -> dict:
        """The constructor arguments (``VAE(**config)`` rebuilds it; the checkpoint key hashes them)."""
        return {**super().get_config(), "latent_dim": self.latent_dim, "beta": self.beta,
                "num_classes": self.num_classes, "width": self.width,
                "dynamic_binarization": self.dynamic_binarization, "seed": self.seed}

    @property
    def conditional(self) -> bool:
        return self.num_classes > 0

    # ------------------------------------------------------------------ building blocks
    def _onehot(self, labels):
        return one_hot_labels(labels, self.num_classes, "VAE")

    def _enc_inputs(self, x, labels):
        x = ops.convert_to_tensor(x, "float32")
        return [x, self._onehot(labels)] if self.conditional else x

    def encode(self, x, labels=None, training: bool = False):
        """(z_mean, z_log_var) of q(z|x[, y])."""
        return self.encoder(self._enc_inputs(x, labels), training=training)

    def decode_logits(self, z, labels=None, training: bool = False):
        """Bernoulli logits of p(x|z[, y]), shape (N, 28, 28, 1)."""
        z = ops.convert_to_tensor(z, "float32")
        inputs = [z, self._onehot(labels)] if self.conditional else z
        return self.decoder(inputs, training=training)

    def build(self, input_shape=None) -> None:
        """Keras's build step: every weight lives in the encoder and decoder, functional models built when they
        were made, so this only marks the VAE built (before ``fit``, ``load_weights`` or a JAX train step)."""

    def call(self, inputs, training: bool = False):
        """Reconstruction probabilities from the posterior mean (deterministic; for display).

        ``fit()`` and ``evaluate()`` call the model on the images before ``compute_loss``; the loss draws its
        own z (and a CVAE's labels arrive as ``y``), so in training, or for a CVAE given no labels, the images
        pass through untouched, at no cost.
        """
        if training or (self.conditional and not isinstance(inputs, (tuple, list))):
            return inputs
        x, labels = (inputs if self.conditional else (inputs, None))
        z_mean, _ = self.encode(x, labels, training=training)
        return ops.sigmoid(self.decode_logits(z_mean, labels, training=training))

    # ------------------------------------------------------------------ losses and training
    def _unpack(self, data):
        return images_and_labels(data, self.conditional, "VAE")

    def binarize(self, x):
        """Pixel = 1 with probability equal to its grey level (fresh noise each call)."""
        return ops.cast(keras.random.uniform(ops.shape(x), seed=self.noise) < x, "float32")

    def loss_terms(self, x, labels=None, training: bool = False):
        """Mean per-image (reconstruction, kl, total) in nats for one batch, with one z sample each."""
        x = ops.convert_to_tensor(x, "float32")
        if self.dynamic_binarization:
            x = self.binarize(x)
        z_mean, z_log_var = self.encode(x, labels, training=training)
        eps = keras.random.normal(ops.shape(z_mean), seed=self.noise)
        z = z_mean + ops.exp(0.5 * z_log_var) * eps          # reparameterisation trick
        logits = self.decode_logits(z, labels, training=training)
        reconstruction = ops.mean(ops.sum(bernoulli_nll(x, logits=logits), axis=(1, 2, 3)))
        kl = ops.mean(0.5 * ops.sum(ops.exp(z_log_var) + ops.square(z_mean) - 1.0 - z_log_var, axis=1))
        return reconstruction, kl, reconstruction + self.beta * kl

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training: bool = True):
        """``fit()``'s loss: the mean per-image negative ELBO of the batch (labels come as ``y``).

        Keras differentiates what this returns on any backend; the trackers record each term.
        """
        x, labels = self._unpack((x, y))
        reconstruction, kl, total = self.loss_terms(x, labels, training=training)
        self.update_losses({"loss": total, "reconstruction": reconstruction, "kl": kl})
        return total

    # ------------------------------------------------------------------ convenience for notebooks
    def encode_mean(self, x, labels=None, batch_size: int = 1000) -> np.ndarray:
        """Posterior means of float images (N, 28, 28, 1), as NumPy."""
        x = as_images(x)
        out = []
        for i in range(0, len(x), batch_size):
            lab = None if labels is None else np.asarray(labels)[i:i + batch_size]
            out.append(ops.convert_to_numpy(self.encode(x[i:i + batch_size], lab)[0]))
        return np.concatenate(out) if out else np.zeros((0, self.latent_dim), "float32")

    def decode(self, z, labels=None, batch_size: int = 1000) -> np.ndarray:
        """Pixel probabilities (N, 28, 28, 1) for latent codes z (N, latent_dim), as NumPy."""
        z, labels = latent_codes_and_labels(z, labels, self.latent_dim, self.num_classes if self.conditional else 0, "VAE")
        out = []
        for i in range(0, len(z), batch_size):
            lab = None if labels is None else labels[i:i + batch_size]
            out.append(ops.convert_to_numpy(ops.sigmoid(self.decode_logits(z[i:i + batch_size], lab))))
        return np.concatenate(out) if out else np.zeros((0, 28, 28, 1), "float32")

    def sample(self, n: int, labels=None, seed: int = 0) -> np.ndarray:
        """Decode n draws from the prior N(0, I) (the mean image of p(x|z), not a binary sample)."""
        z = np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype("float32")
        return self.decode(z, labels)


def binarize_fixed(x: np.ndarray, seed: int) -> np.ndarray:
    """One fixed random binarisation of an evaluation set (the test protocol for dynamic binarisation)."""
    x = as_images(x)
    return (np.random.default_rng(seed).random(x.shape) < x).astype("float32")


def _log_weights(vae: VAE, x_bin: np.ndarray, k: int, rng: np.random.Generator, labels=None) -> np.ndarray:
    """log p(x, z_i) - log q(z_i | x) for k posterior samples per image: shape (N, k)."""
    z_mean, z_log_var = (ops.convert_to_numpy(t) for t in vae.encode(x_bin, labels))
    n, d = z_mean.shape
    eps = rng.standard_normal((n, k, d)).astype("float32")
    std = np.exp(0.5 * z_log_var)[:, None, :]
    z = z_mean[:, None, :] + std * eps
    rep_labels = None if labels is None else np.repeat(np.asarray(labels), k, axis=0)
    logits = ops.convert_to_numpy(vae.decode_logits(z.reshape(n * k, d), rep_labels)).reshape(n, k, -1)
    xf = x_bin.reshape(n, 1, -1)
    log_px_z = -bernoulli_nll(xf, logits=logits).sum(-1)
    log_pz = -0.5 * (np.square(z) + LOG_2PI).sum(-1)
    log_qz = -0.5 * (np.square(eps) + z_log_var[:, None, :] + LOG_2PI).sum(-1)
    return (log_px_z + log_pz - log_qz).astype("float64")


def reconstruction_and_kl(vae: VAE, x_bin: np.ndarray, batch_size: int = 500, seed: int = 0) -> dict[str, float]:
    """Mean reconstruction term -log p(x|z) (one z per image) and analytic KL, in nats, on binary images.

    The two halves of the negative ELBO, reported separately to show the beta-VAE trade-off.
    """
    x_bin = as_images(x_bin)
    rng = np.random.default_rng(seed)
    rec, kl = [], []
    for i in range(0, len(x_bin), batch_size):
        xb = x_bin[i:i + batch_size]
        mean, log_var = (ops.convert_to_numpy(t) for t in vae.encode(xb))
        z = mean + np.exp(0.5 * log_var) * rng.standard_normal(mean.shape).astype("float32")
        logits = ops.convert_to_numpy(vae.decode_logits(z)).reshape(len(xb), -1)
        xf = xb.reshape(len(xb), -1)
        rec.append(bernoulli_nll(xf, logits=logits).sum(-1))
        kl.append(0.5 * (np.exp(log_var) + mean ** 2 - 1.0 - log_var).sum(-1))
    return {"reconstruction": float(np.concatenate(rec).mean()), "kl": float(np.concatenate(kl).mean())}


def evaluate_nll(vae: VAE, x_bin: np.ndarray, k: int = 100, batch_size: int = 50, seed: int = 0,
                 labels=None) -> dict[str, float]:
    """Negative ELBO and the IWAE estimate of -log p(x), in nats, averaged over binary images ``x_bin``.

    IWAE (Burda et al. 2016): log p(x) >= log (1/k) sum_i p(x, z_i) / q(z_i|x), z_i ~ q(z|x); the bound
    tightens as k grows, so -IWAE_k is an upper bound on the true NLL that approaches it. The ELBO is
    the k = 1 case (averaged over the same k samples, so it has low variance).
    """
    x_bin = as_images(x_bin)
    if not np.isin(x_bin, (0.0, 1.0)).all():
        raise ValueError("evaluate_nll expects binary images (use binarize_fixed first)")
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    rng = np.random.default_rng(seed)
    elbo, iwae = [], []
    for i in range(0, len(x_bin), batch_size):
        lab = None if labels is None else np.asarray(labels)[i:i + batch_size]
        logw = _log_weights(vae, x_bin[i:i + batch_size], k, rng, lab)
        elbo.append(logw.mean(axis=1))
        m = logw.max(axis=1, keepdims=True)
        iwae.append((m[:, 0] + np.log(np.exp(logw - m).mean(axis=1))))
    return {"neg_elbo": float(-np.concatenate(elbo).mean()), "nll_iwae": float(-np.concatenate(iwae).mean()),
            "k": int(k), "n": int(len(x_bin))}


def train_vae(vae: VAE, x: np.ndarray, labels=None, epochs: int = 10, batch_size: int = 128,
              learning_rate: float = 1e-3, verbose: int = 2):
    """Compile with Adam and fit; returns the History (loss, reconstruction, kl per epoch)."""
    x = as_images(x)
    vae.compile(optimizer=keras.optimizers.Adam(learning_rate))
    if vae.conditional:
        return vae.fit(x, np.asarray(labels), epochs=epochs, batch_size=batch_size, verbose=verbose)
    return vae.fit(x, epochs=epochs, batch_size=batch_size, verbose=verbose)


def fit_or_load_vae(notebook: str, name: str, x: np.ndarray, labels: np.ndarray | None = None, *, epochs: int,
                    batch_size: int = 128, learning_rate: float = 1e-3, seed: int | None = None,
                    profile: str | None = None, verbose: int = 2, **vae_options):
    """A (conditional) VAE trained by :func:`train_vae`, loaded from the checkpoint cache when it is there.

    ``vae_options`` are :class:`VAE`'s arguments (latent_dim, beta, num_classes, width ...); ``seed`` (default
    ``COURSE_SEED``) seeds the weights and the VAE's noise. The cache key is derived from the built model, the
    images and labels, the fit arguments and the seed; returns a ``checkpoints.Trained``.
    """
    from course_lib import checkpoints, config

    seed = config.settings().seed if seed is None else int(seed)
    if vae_options.get("num_classes", 0) and labels is None:
        raise ValueError("a conditional VAE (num_classes > 0) is trained with labels")
    return checkpoints.fit_or_load(
        notebook, name, lambda: VAE(seed=seed, **vae_options), train_vae, data=(x, labels),
        fit_args={"epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate},
        seed=seed, profile=profile, verbose=verbose)
