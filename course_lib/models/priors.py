"""Latent priors for autoencoders and the information-theoretic (ITL) regulariser that imposes them (notebook 09).

What: samplers for three priors (:func:`sample_swiss_roll`, :func:`sample_gaussian`, :func:`sample_gmm`), Parzen
estimates of Renyi's quadratic entropy ``H2(q) = -log V(q, q)``, cross-entropy ``H2(q; p) = -log V(q, p)`` and the
Cauchy-Schwarz divergence ``D_CS = 2 H2(q; p) - H2(q) - H2(p)`` (Principe, *Information Theoretic Learning*, 2010),
where the information potential ``V(q, p) = 1/(N M) sum_ij G_{2 sigma^2}(z_i - y_j)`` is an exact double sum
(two Gaussian kernels convolve into one), and :class:`PriorAutoencoder`, a convolutional autoencoder trained
with ``reconstruction + itl_weight * [H2(q; p) - entropy_weight * H2(q)]`` (``entropy_weight = 0.5`` gives
``D_CS / 2`` up to a constant). Why: a plain autoencoder's code cloud has no known shape; with a chosen prior we
can sample, walk the prior's manifold and read clusters off the codes, and the kernel estimates need no density
model and no discriminator. The kernel width sets what the estimates can see (:func:`silverman_bandwidth`).
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from course_lib.models import autoencoders as ae
from course_lib.models.losses import LossTrackers, bernoulli_nll
from course_lib.validation import as_images

PRIOR_NAMES: tuple[str, ...] = ("swiss_roll", "gaussian", "gmm")

# Swiss roll geometry: angle t in [T_MIN, T_MAX] (1.5 turns, as scikit-learn's make_swiss_roll),
# height h in [-HEIGHT/2, HEIGHT/2]; points are scaled by SWISS_SCALE so that coordinates are O(1),
# like the codes of a freshly initialised encoder.
SWISS_T_MIN = 1.5 * math.pi
SWISS_T_MAX = 4.5 * math.pi
SWISS_HEIGHT = 21.0
SWISS_SCALE = 1.0 / 7.0


def _check_n(n: int) -> int:
    if int(n) != n or int(n) < 1:
        raise ValueError(f"the number of samples must be a positive integer, got {n!r}")
    return int(n)


# ----------------------------------------------------------------------------------------------- priors
def swiss_roll_point(t: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Map intrinsic coordinates (angle ``t`` along the roll, height ``h`` across it) to 3-D points.

    x = t cos t, y = h, z = t sin t (scaled by SWISS_SCALE). Used by the sampler and to build decoded
    walks *along* the roll (vary t) and *across* it (vary h) in the notebook.
    """
    t = np.asarray(t, dtype=np.float64)
    h = np.asarray(h, dtype=np.float64)
    t, h = np.broadcast_arrays(t, h)
    pts = np.stack([t * np.cos(t), h, t * np.sin(t)], axis=-1) * SWISS_SCALE
    return pts.astype(np.float32)


def sample_swiss_roll(n: int, seed: int = 0, noise: float = 0.0, return_coords: bool = False):
    """n points on the swiss roll surface in 3-D, uniform in (t, h); optionally also (t, h).

    Args:
        n: number of samples.
        seed: NumPy seed (same seed, same points).
        noise: std of isotropic Gaussian noise added in 3-D (0 = exactly on the sheet).
        return_coords: also return the intrinsic coordinates, e.g. to colour points along the roll.
    """
    n = _check_n(n)
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    rng = np.random.default_rng(seed)
    t = rng.uniform(SWISS_T_MIN, SWISS_T_MAX, n)
    h = rng.uniform(-SWISS_HEIGHT / 2, SWISS_HEIGHT / 2, n)
    pts = swiss_roll_point(t, h) + (noise * rng.standard_normal((n, 3))).astype(np.float32)
    return (pts, t.astype(np.float32), h.astype(np.float32)) if return_coords else pts


def sample_gaussian(n: int, dim: int = 3, seed: int = 0, std: float = 1.0) -> np.ndarray:
    """n draws from the isotropic Gaussian N(0, std^2 I) in ``dim`` dimensions."""
    n = _check_n(n)
    if dim < 1 or std <= 0:
        raise ValueError(f"need dim >= 1 and std > 0, got dim={dim}, std={std}")
    return (std * np.random.default_rng(seed).standard_normal((n, int(dim)))).astype(np.float32)


def gmm_means(n_components: int = 10, dim: int = 3, radius: float = 3.0) -> np.ndarray:
    """Deterministic, well-separated component centres at distance ``radius`` from the origin.

    dim >= n_components: scaled one-hot vectors (all pairwise distances radius * sqrt 2);
    dim == 2: a regular polygon; dim == 3: a Fibonacci sphere (near-uniform spacing);
    otherwise fixed-seed random directions.
    """
    k, d = int(n_components), int(dim)
    if k < 1 or d < 1 or radius <= 0:
        raise ValueError(f"need n_components >= 1, dim >= 1, radius > 0; got {k}, {d}, {radius}")
    if d >= k:
        means = np.eye(k, d)
    elif d == 2:
        a = 2 * np.pi * np.arange(k) / k
        means = np.stack([np.cos(a), np.sin(a)], 1)
    elif d == 3:
        i = np.arange(k) + 0.5
        phi = np.arccos(1 - 2 * i / k)
        theta = np.pi * (1 + 5 ** 0.5) * i
        means = np.stack([np.cos(theta) * np.sin(phi), np.sin(theta) * np.sin(phi), np.cos(phi)], 1)
    else:
        means = np.random.default_rng(0).standard_normal((k, d))
        means /= np.linalg.norm(means, axis=1, keepdims=True)
    return (radius * means).astype(np.float32)


def sample_gmm(n: int, n_components: int = 10, dim: int = 3, seed: int = 0, radius: float = 3.0,
               std: float = 0.5, return_components: bool = False):
    """n draws from an equal-weight mixture of isotropic Gaussians centred at :func:`gmm_means`.

    With one component per class, a code's nearest centre is its cluster (see :func:`gmm_assign`).
    """
    n = _check_n(n)
    if std <= 0:
        raise ValueError(f"std must be > 0, got {std}")
    means = gmm_means(n_components, dim, radius)
    rng = np.random.default_rng(seed)
    comp = rng.integers(0, len(means), n)
    pts = (means[comp] + std * rng.standard_normal((n, means.shape[1]))).astype(np.float32)
    return (pts, comp) if return_components else pts


def gmm_assign(codes: np.ndarray, means: np.ndarray) -> np.ndarray:
    """Index of the nearest centre for each code (= most probable component of an equal-weight,
    equal-variance isotropic mixture): unsupervised cluster labels."""
    codes = np.asarray(codes, dtype=np.float32)
    means = np.asarray(means, dtype=np.float32)
    if codes.ndim != 2 or means.ndim != 2 or codes.shape[1] != means.shape[1]:
        raise ValueError(f"codes (N, d) and means (K, d) must share d; got {codes.shape} and {means.shape}")
    d2 = ((codes[:, None, :] - means[None, :, :]) ** 2).sum(-1)
    return d2.argmin(axis=1)


def sample_prior(name: str, n: int, dim: int = 3, seed: int = 0, **kwargs) -> np.ndarray:
    """Dispatch by name: ``swiss_roll`` (dim must be 3), ``gaussian`` or ``gmm``."""
    if name == "swiss_roll":
        if dim != 3:
            raise ValueError(f"the swiss roll prior lives in 3-D; got latent dim {dim}")
        return sample_swiss_roll(n, seed=seed, **kwargs)
    if name == "gaussian":
        return sample_gaussian(n, dim, seed=seed, **kwargs)
    if name == "gmm":
        return sample_gmm(n, dim=dim, seed=seed, **kwargs)
    raise ValueError(f"unknown prior {name!r}; choose one of {', '.join(PRIOR_NAMES)}")


# ------------------------------------------------------------------------------------ ITL estimators
def silverman_bandwidth(samples: np.ndarray, n: int | None = None) -> float:
    """Silverman's rule-of-thumb Parzen width for a d-dimensional sample of size n.

    sigma = s * (4 / ((d + 2) n))^(1 / (d + 4)), s = mean per-dimension std. ``n`` defaults to the
    sample size; pass the *batch size* when the estimate is computed per batch in training.
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"need samples shaped (N >= 2, d), got {x.shape}")
    d = x.shape[1]
    n = len(x) if n is None else int(n)
    s = float(np.mean(x.std(axis=0)))
    return s * (4.0 / ((d + 2) * n)) ** (1.0 / (d + 4))


def _check_pair(a, b):
    if len(a.shape) != 2 or len(b.shape) != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"need two sample sets (N, d) and (M, d) of the same d; got {tuple(a.shape)} and "
                         f"{tuple(b.shape)}")


def log_information_potential(a, b, sigma: float):
    """log V(a, b) = log of the Parzen estimate of the integral of p_a * p_b (Gaussian kernels of width sigma).

    V = 1/(N M) sum_ij N(a_i - b_j; 0, 2 sigma^2 I). Computed with log-sum-exp, so tiny kernel values
    (far-apart points, small sigma) do not underflow to log 0.
    """
    if sigma <= 0:
        raise ValueError(f"kernel width sigma must be > 0, got {sigma}")
    a = ops.convert_to_tensor(a, "float32")
    b = ops.convert_to_tensor(b, "float32")
    _check_pair(a, b)
    d = a.shape[1]
    sq = (ops.sum(ops.square(a), 1)[:, None] + ops.sum(ops.square(b), 1)[None, :]
          - 2.0 * ops.matmul(a, ops.transpose(b)))
    sq = ops.maximum(sq, 0.0)
    var = 2.0 * sigma ** 2
    n_pairs = ops.cast(ops.shape(a)[0] * ops.shape(b)[0], "float32")
    return (ops.logsumexp(ops.reshape(-sq / (2.0 * var), (-1,))) - ops.log(n_pairs)
            - 0.5 * d * math.log(2.0 * math.pi * var))


def renyi_quadratic_entropy(z, sigma: float):
    """H2(q) = -log V(q, q): Parzen estimate of Renyi's quadratic entropy of the samples z (N, d)."""
    return -log_information_potential(z, z, sigma)


def renyi_cross_entropy(z, prior_samples, sigma: float):
    """H2(q; p) = -log V(q, p), the quadratic cross-entropy from the codes z to prior samples."""
    return -log_information_potential(z, prior_samples, sigma)


def cauchy_schwarz_divergence(z, prior_samples, sigma: float):
    """D_CS(q, p) = 2 H2(q; p) - H2(q) - H2(p) = -log (V(q,p)^2 / (V(q,q) V(p,p))) >= 0."""
    return (2.0 * renyi_cross_entropy(z, prior_samples, sigma) - renyi_quadratic_entropy(z, sigma)
            - renyi_quadratic_entropy(prior_samples, sigma))


def itl_regulariser(z, prior_samples, sigma: float, entropy_weight: float = 0.5):
    """The ITL prior-matching loss H2(q; p) - entropy_weight * H2(q) (= D_CS/2 + const at weight 0.5)."""
    return renyi_cross_entropy(z, prior_samples, sigma) - entropy_weight * renyi_quadratic_entropy(z, sigma)


# ------------------------------------------------------------------------------------ the model
class PriorAutoencoder(LossTrackers, keras.Model):
    """Convolutional autoencoder whose codes are pulled towards a chosen prior by the ITL regulariser.

    loss = reconstruction (binary cross-entropy, nats per image)
           + itl_weight * [H2(q; p) - entropy_weight * H2(q)]      (per batch, Parzen estimates)

    A pool of ``pool_size`` prior samples is drawn once (seeded NumPy) and each step picks a random
    batch from it, so any NumPy sampler can serve as a prior. Encoder and decoder are the sub-models of
    :func:`course_lib.models.autoencoders.build_conv_autoencoder` (strided convs, batch norm, dense code).

    Args:
        prior: ``swiss_roll`` | ``gaussian`` | ``gmm``.
        latent_dim: code size (3 for the swiss roll).
        itl_weight: lambda, strength of the prior term relative to reconstruction.
        entropy_weight: beta; 0.5 gives the Cauchy-Schwarz divergence.
        sigma: Parzen kernel width; None = Silverman's rule for the prior at this batch size.
        batch_size: the batch size training will use (sets the default sigma; fit with the same one).
        prior_kwargs: extra arguments of the sampler (e.g. ``{"radius": 3.0, "std": 0.5}`` for ``gmm``).
        filters: channels of the two convolution stages.
    """

    def __init__(self, prior: str = "swiss_roll", latent_dim: int = 3, itl_weight: float = 10.0,
                 entropy_weight: float = 0.5, sigma: float | None = None, batch_size: int = 128,
                 pool_size: int = 20_000, prior_kwargs: dict | None = None, filters: tuple[int, int] = (32, 64),
                 seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        if prior not in PRIOR_NAMES:
            raise ValueError(f"unknown prior {prior!r}; choose one of {', '.join(PRIOR_NAMES)}")
        if itl_weight < 0 or entropy_weight < 0:
            raise ValueError(f"itl_weight and entropy_weight must be >= 0, got {itl_weight}, {entropy_weight}")
        self._config = dict(prior=prior, latent_dim=int(latent_dim), itl_weight=float(itl_weight),
                            entropy_weight=float(entropy_weight), sigma=None if sigma is None else float(sigma),
                            batch_size=int(batch_size), pool_size=int(pool_size), prior_kwargs=dict(prior_kwargs or {}),
                            filters=[int(f) for f in filters], seed=int(seed))
        self.prior_name = prior
        self.latent_dim = int(latent_dim)
        self.itl_weight = float(itl_weight)
        self.entropy_weight = float(entropy_weight)
        self.prior_kwargs = dict(prior_kwargs or {})
        pool = sample_prior(prior, pool_size, self.latent_dim, seed=seed, **self.prior_kwargs)
        self.prior_pool = pool
        self.sigma = float(sigma) if sigma is not None else silverman_bandwidth(pool, n=batch_size)
        inner = ae.build_conv_autoencoder(self.latent_dim, filters=filters)
        self.encoder = ae.encoder_of(inner)
        self.decoder = ae.decoder_of(inner)
        self._pool = ops.convert_to_tensor(pool)
        self._rng = keras.random.SeedGenerator(seed)
        self.track_losses("loss", "reconstruction", "entropy", "cross_entropy")

    def get_config(self) -> dict:
        """The constructor arguments (the checkpoint key hashes them)."""
        return {**super().get_config(), **self._config}

    def build(self, input_shape=None) -> None:
        """Keras's build step: every weight lives in the encoder and decoder, functional models built when they
        were made, so this only marks the model built (before ``fit``, ``load_weights`` or a JAX train step)."""

    def call(self, x, training: bool = False):
        """Reconstructions (N, 28, 28, 1). In ``fit()``, where ``compute_loss`` runs the networks itself, the
        images pass through untouched (running them here too would update batch norm twice per step)."""
        if training:
            return x
        return self.decoder(self.encoder(x, training=training), training=training)

    def prior_batch(self, n):
        """n random prior samples from the pool (inside the training graph)."""
        idx = keras.random.randint((n,), 0, self._pool.shape[0], seed=self._rng)
        return ops.take(self._pool, idx, axis=0)

    def loss_terms(self, x, training: bool = False):
        """(reconstruction, H2(q), H2(q; p), total) for one batch."""
        x = ops.convert_to_tensor(x, "float32")
        z = self.encoder(x, training=training)
        recon = self.decoder(z, training=training)
        reconstruction = ops.mean(ops.sum(bernoulli_nll(x, probs=recon, eps=1e-6), axis=(1, 2, 3)))
        p = self.prior_batch(ops.shape(z)[0])
        entropy = renyi_quadratic_entropy(z, self.sigma)
        cross = renyi_cross_entropy(z, p, self.sigma)
        total = reconstruction + self.itl_weight * (cross - self.entropy_weight * entropy)
        return reconstruction, entropy, cross, total

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training: bool = True):
        """``fit()``'s loss (any backend): reconstruction + ITL prior term of the batch; updates the trackers."""
        reconstruction, entropy, cross, total = self.loss_terms(x, training=training)
        self.update_losses({"loss": total, "reconstruction": reconstruction, "entropy": entropy,
                            "cross_entropy": cross})
        return total

    # ------------------------------------------------------------------ convenience for notebooks
    def encode(self, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Codes (N, latent_dim) of float images (N, 28, 28[, 1]) in [0, 1], as NumPy."""
        x = as_images(x)
        return self.encoder.predict(x, batch_size=batch_size, verbose=0)

    def decode(self, z: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Images (N, 28, 28, 1) decoded from codes (N, latent_dim), as NumPy."""
        z = np.asarray(z, dtype=np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"expected latent codes (N, {self.latent_dim}), got shape {z.shape}")
        return self.decoder.predict(z, batch_size=batch_size, verbose=0)


def train_prior_autoencoder(model: PriorAutoencoder, x: np.ndarray, epochs: int, batch_size: int,
                            learning_rate: float = 2e-3, verbose: int = 2):
    """Compile with Adam (XLA off: slower on small CPUs, see autoencoders._compile) and fit on x."""
    x = as_images(x)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), jit_compile=False)
    return model.fit(x, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=verbose)


def fit_or_load_prior_autoencoder(notebook: str, name: str, x: np.ndarray, *, epochs: int, batch_size: int,
                                  learning_rate: float = 2e-3, seed: int | None = None, profile: str | None = None,
                                  verbose: int = 2, **model_options):
    """A :class:`PriorAutoencoder` trained by :func:`train_prior_autoencoder`, or loaded from the checkpoint cache.

    ``model_options`` are its arguments (prior, latent_dim, itl_weight, sigma, prior_kwargs ...); ``batch_size``
    serves both the model (its default sigma) and training. The cache key is derived from the built model, the
    images by content, the fit arguments and ``seed`` (default ``COURSE_SEED``); returns a ``checkpoints.Trained``.
    """
    from course_lib import checkpoints, config

    seed = config.settings().seed if seed is None else int(seed)
    return checkpoints.fit_or_load(
        notebook, name, lambda: PriorAutoencoder(batch_size=batch_size, seed=seed, **model_options),
        train_prior_autoencoder, data=(x,),
        fit_args={"epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate},
        seed=seed, profile=profile, verbose=verbose)
