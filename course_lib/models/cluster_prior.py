"""A GMM prior that clusters: neighbour consistency on top of an autoencoder's codes (notebook 09).

What: :class:`GMMPriorHead`, a small autoencoder on the (frozen) codes of an image autoencoder whose latent
follows a 10-component mixture prior (the ITL regulariser of :mod:`course_lib.models.priors`), plus two terms
in the spirit of SCAN (Van Gansbeke et al., ECCV 2020): mined nearest-neighbour pairs should sit in the same
component (``L_nb = -mean log sum_k r_k(z_i) r_k(z_j)``, with ``r`` the components' responsibilities), and all
components should be used (``L_bal``, the negative entropy of the mean responsibility). Why: matching a
*distribution* of codes does not say which images belong together; neighbour pairs do, without labels.
Working on 10-64 numbers per image instead of 784 pixels keeps many passes cheap. Clusters are read off
with :func:`~course_lib.models.priors.gmm_assign` (nearest component centre).
"""

from __future__ import annotations


import keras
import numpy as np
from keras import layers, ops

from course_lib.models.losses import LossTrackers
from course_lib.models.neighbour_pairs import (  # noqa: F401  (re-exported for notebook 09)
    NeighbourPairs, mine_neighbours, neighbour_agreement, unpack_pair)
from course_lib.models.priors import gmm_assign, gmm_means, itl_regulariser, renyi_cross_entropy, \
    renyi_quadratic_entropy, sample_gmm


def gmm_responsibilities(z, means, scale: float = 1.0):
    """r (N, K): posterior of each equal-weight isotropic component (std ``scale``) for each code z (N, d)."""
    d2 = ops.sum(ops.square(z[:, None, :] - means[None, :, :]), axis=-1)
    return ops.softmax(-d2 / (2.0 * scale ** 2), axis=-1)


def neighbour_consistency(r, r_neighbour):
    """-mean log <r_i, r_j>: zero when both codes are certain of the same component, large otherwise."""
    return -ops.mean(ops.log(ops.sum(r * r_neighbour, axis=-1) + 1e-7))


def assignment_balance(r):
    """sum_k rbar_k log rbar_k (negative entropy of the batch's component usage); -log K when balanced."""
    mean_r = ops.mean(r, axis=0)
    return ops.sum(mean_r * ops.log(mean_r + 1e-7))


class GMMPriorHead(LossTrackers, keras.Model):
    """Autoencoder on codes whose latent follows a 10-component GMM prior and respects mined neighbours.

    Args:
        code_dim: size of the codes it is trained on (a frozen image autoencoder's bottleneck).
        latent_dim: dimension of the GMM prior (>= n_components puts the centres on scaled axes).
        n_components: mixture components (one per class).
        radius, component_std: the prior's centres (distance from the origin) and their spread.
        itl_weight, entropy_weight: the ITL prior-matching term, as in PriorAutoencoder.
        cluster_weight, balance_weight: the neighbour terms and the balance term within them.
        responsibility_scale: s in the responsibilities (of the order of the distance between centres / 4).
        sigma: Parzen kernel width of the ITL estimates.
        hidden: width of the two hidden layers of each MLP.
    """

    def __init__(self, code_dim: int, latent_dim: int = 10, n_components: int = 10, radius: float = 3.0,
                 component_std: float = 0.5, itl_weight: float = 1.0, entropy_weight: float = 0.5,
                 cluster_weight: float = 5.0, balance_weight: float = 2.0, responsibility_scale: float = 1.0,
                 sigma: float = 1.0, hidden: int = 128, reconstruction_weight: float = 1.0, pool_size: int = 20_000,
                 seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        if min(code_dim, latent_dim, n_components, hidden) < 1:
            raise ValueError("code_dim, latent_dim, n_components and hidden must be >= 1")
        if min(itl_weight, entropy_weight, cluster_weight, balance_weight, reconstruction_weight) < 0 or min(radius, component_std,
                                                                                    responsibility_scale, sigma) <= 0:
            raise ValueError("weights must be >= 0; radius, component_std, responsibility_scale and sigma > 0")
        self._config = dict(code_dim=code_dim, latent_dim=latent_dim, n_components=n_components, radius=radius,
                            component_std=component_std, itl_weight=itl_weight, entropy_weight=entropy_weight,
                            cluster_weight=cluster_weight, balance_weight=balance_weight,
                            responsibility_scale=responsibility_scale, sigma=sigma, hidden=hidden,
                            reconstruction_weight=reconstruction_weight,
                            pool_size=pool_size, seed=seed)
        self.code_dim, self.latent_dim, self.n_components = int(code_dim), int(latent_dim), int(n_components)
        self.itl_weight, self.entropy_weight = float(itl_weight), float(entropy_weight)
        self.cluster_weight, self.balance_weight = float(cluster_weight), float(balance_weight)
        self.responsibility_scale, self.sigma = float(responsibility_scale), float(sigma)
        self.reconstruction_weight = float(reconstruction_weight)
        self.means = gmm_means(self.n_components, self.latent_dim, radius)
        self.prior_pool = sample_gmm(pool_size, self.n_components, self.latent_dim, seed=seed, radius=radius,
                                     std=component_std)
        self._means = ops.convert_to_tensor(self.means)
        self._pool = ops.convert_to_tensor(self.prior_pool)
        self._rng = keras.random.SeedGenerator(seed)
        # codes come in arbitrary units: a Normalization layer (adapted once, saved with the weights) standardises them
        self.scaler = layers.Normalization(name="code_scaler")
        self.to_latent = keras.Sequential([layers.Dense(hidden, activation="relu"), layers.Dense(hidden, activation="relu"),
                                           layers.Dense(self.latent_dim)], name="to_latent")
        self.to_code = keras.Sequential([layers.Dense(hidden, activation="relu"), layers.Dense(hidden, activation="relu"),
                                         layers.Dense(self.code_dim)], name="to_code")
        self.track_losses("loss", "code_reconstruction", "entropy", "cross_entropy", "neighbour_consistency", "balance")

    def get_config(self) -> dict:
        """The constructor arguments (``GMMPriorHead(**config)`` rebuilds it; the checkpoint key hashes them)."""
        return {**super().get_config(), **self._config}

    def build(self, input_shape=None) -> None:
        """Keras's build step: create every weight (the scaler's statistics are set by :meth:`adapt` or loaded)."""
        input_shape = (None, self.code_dim) if input_shape is None else input_shape
        if not self.scaler.built:
            self.scaler.build(input_shape)
        self.to_latent.build((None, self.code_dim))
        self.to_code.build((None, self.latent_dim))
        super().build(input_shape)

    def adapt(self, codes: np.ndarray) -> "GMMPriorHead":
        """Learn the codes' mean and variance (call once, before training) and create every weight."""
        codes = self._check_codes(codes)
        self.scaler.adapt(codes)
        self(codes[:2])
        return self

    def _check_codes(self, codes) -> np.ndarray:
        codes = np.asarray(codes, dtype=np.float32)
        if codes.ndim != 2 or codes.shape[1] != self.code_dim:
            raise ValueError(f"expected codes (N, {self.code_dim}) from the image autoencoder, got shape {codes.shape}")
        return codes

    def call(self, codes, training: bool = False):
        """GMM-prior latents of codes. In ``fit()``/``evaluate()`` the batch is a (codes, neighbour codes) pair
        that ``compute_loss`` reads itself, so a pair (or any training batch) passes through untouched."""
        if training or isinstance(codes, (tuple, list)):
            return codes
        return self.to_latent(self.scaler(codes), training=training)

    def loss_terms(self, codes, neighbour_codes, training: bool = False):
        """Dict of every term and the total for one batch of (codes, neighbour codes)."""
        c = self.scaler(codes)
        z = self.to_latent(c, training=training)
        z_nb = self.to_latent(self.scaler(neighbour_codes), training=training)
        reconstruction = ops.mean(ops.sum(ops.square(self.to_code(z, training=training) - c), axis=-1))
        idx = keras.random.randint((ops.shape(z)[0],), 0, self._pool.shape[0], seed=self._rng)
        prior = ops.take(self._pool, idx, axis=0)
        r = gmm_responsibilities(z, self._means, self.responsibility_scale)
        r_nb = gmm_responsibilities(z_nb, self._means, self.responsibility_scale)
        terms = {"code_reconstruction": reconstruction,
                 "entropy": renyi_quadratic_entropy(z, self.sigma),
                 "cross_entropy": renyi_cross_entropy(z, prior, self.sigma),
                 "neighbour_consistency": neighbour_consistency(r, r_nb),
                 "balance": assignment_balance(r)}
        terms["loss"] = (self.reconstruction_weight * reconstruction + self.itl_weight * itl_regulariser(z, prior, self.sigma, self.entropy_weight)
                         + self.cluster_weight * (terms["neighbour_consistency"] + self.balance_weight * terms["balance"]))
        return terms

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training: bool = True):
        """``fit()``'s loss (any backend) on a :class:`NeighbourPairs` batch; updates the trackers."""
        terms = self.loss_terms(*unpack_pair(x, "GMMPriorHead"), training=training)
        self.update_losses(terms)
        return terms["loss"]

    def latent(self, codes: np.ndarray, batch_size: int = 4096) -> np.ndarray:
        """GMM-prior latents (N, latent_dim) of image-autoencoder codes (N, code_dim)."""
        return self.predict(self._check_codes(codes), batch_size=batch_size, verbose=0)

    def assign(self, codes: np.ndarray) -> np.ndarray:
        """Cluster index of each code: its latent's nearest component centre (= most responsible component)."""
        return gmm_assign(self.latent(codes), self.means)


def train_gmm_prior_head(model: GMMPriorHead, codes: np.ndarray, neighbours: np.ndarray, epochs: int,
                         batch_size: int = 256, learning_rate: float = 1e-3, seed: int = 0, restarts: int = 1,
                         verbose: int = 0) -> dict[str, list[float]]:
    """Train ``model`` on :class:`NeighbourPairs` of ``codes``; with ``restarts`` > 1, keep the best of several runs.

    Like k-means, this objective has local minima (two characters sharing a component while another character is
    split in two), and which one a run lands in depends on its random start. Restarts are compared by their final
    neighbour-consistency loss, which needs no labels: a run that had to put many neighbour pairs into different
    components has found a worse partition.
    The winner's weights end up in ``model``; its per-epoch history is returned, plus ``restart_consistency``
    (one value per run, in order) so the notebook can show the choice.
    """
    if restarts < 1:
        raise ValueError(f"restarts must be >= 1, got {restarts}")
    model.adapt(codes)
    best_history, best_weights, finals = None, None, []
    for run in range(restarts):
        candidate = model if run == 0 else GMMPriorHead(**{**model._config, "seed": model._config["seed"] + run})
        candidate.adapt(codes)
        candidate.compile(optimizer=keras.optimizers.Adam(learning_rate), jit_compile=False)
        history = candidate.fit(NeighbourPairs(codes, neighbours, batch_size, seed + run), epochs=epochs,
                                verbose=verbose).history
        finals.append(float(history["neighbour_consistency"][-1]))
        if finals[-1] == min(finals):
            best_history, best_weights = history, candidate.get_weights()
    model.set_weights(best_weights)
    return {**best_history, "restart_consistency": finals}


def fit_or_load_gmm_prior_head(notebook: str, name: str, codes: np.ndarray, neighbours: np.ndarray, *, epochs: int,
                               batch_size: int = 256, learning_rate: float = 1e-3, restarts: int = 1,
                               seed: int | None = None, profile: str | None = None, verbose: int = 0,
                               **head_options):
    """A :class:`GMMPriorHead` trained by :func:`train_gmm_prior_head`, or loaded from the checkpoint cache.

    ``head_options`` are its arguments (latent_dim, radius, sigma, cluster_weight ...; ``code_dim`` defaults to
    the codes' width). The cache key is derived from the built head, the codes and neighbour lists by content,
    the fit arguments and ``seed`` (default ``COURSE_SEED``); returns a ``checkpoints.Trained``.
    """
    from course_lib import checkpoints, config

    seed = config.settings().seed if seed is None else int(seed)
    codes = np.asarray(codes, dtype=np.float32)
    head_options.setdefault("code_dim", codes.shape[-1])
    return checkpoints.fit_or_load(
        notebook, name, lambda: GMMPriorHead(seed=seed, **head_options), train_gmm_prior_head,
        data=(codes, np.asarray(neighbours)),
        fit_args={"epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate, "seed": seed,
                  "restarts": restarts},
        seed=seed, profile=profile, verbose=verbose)
