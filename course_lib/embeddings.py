"""2-D maps of image sets: PCA, t-SNE (openTSNE or scikit-learn), UMAP, and how to score them.

Every ``*_2d`` function takes images as (N, 28, 28[, 1]) or (N, D) arrays and returns an
(N, 2) float32 array, so the notebooks can time them with :func:`timed` and score them the same way:

* :func:`trustworthiness` -- are the 2-D neighbours real neighbours in pixel space? (scikit-learn,
  on a seeded sample because it needs all pairwise distances).
* ``metrics.knn_accuracy`` -- does the map keep classes apart? (fit on the training part's map,
  score on the test part's).

The t-SNE and UMAP helpers fit on one set and can *place new points* into the fitted map
(:class:`FittedMap`), which is how a test set is embedded without refitting -- and the fair
comparison for a parametric (network) encoder, which embeds new images with one forward pass.

PCA reconstruction error at several code sizes (:func:`pca_reconstruction_mse`) lives here too: it
is the baseline every autoencoder has to beat.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_lib.validation import as_images


def flatten(x: np.ndarray) -> np.ndarray:
    """(N, 28, 28[, 1]) images or (N, D) features -> float32 (N, D); clear errors for anything else.

    Images (and uint8 pixel rows) go through :func:`course_lib.validation.as_images` (uint8 0..255 or floats in
    [0, 1]); feature vectors (codes, embeddings) may take any finite values.
    """
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"expected a batch of images or feature vectors, got shape {x.shape}")
    if x.ndim > 2 or x.dtype == np.uint8:
        return as_images(x, size=None, flat=True)
    return x.reshape(len(x), -1).astype(np.float32, copy=False)


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """Call ``fn`` and return (its result, wall-clock seconds) -- every method in the notebooks is timed so."""
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


# ----------------------------------------------------------------------------------------- PCA
def fit_pca(x_train: np.ndarray, n_components: int, seed: int = 0):
    """A scikit-learn PCA with ``n_components`` fitted on flattened images (randomised SVD when that is cheaper)."""
    from sklearn.decomposition import PCA

    a = flatten(x_train)
    if not 1 <= int(n_components) <= min(a.shape):
        raise ValueError(f"code sizes must lie in 1..{min(a.shape)}, got {n_components}")
    solver = "randomized" if n_components < 0.8 * a.shape[1] else "full"
    return PCA(n_components=int(n_components), svd_solver=solver, random_state=seed).fit(a)


def pca_reconstruct(pca, x: np.ndarray, k: int) -> np.ndarray:
    """Reconstruct ``x`` (flattened, (N, D)) from its first ``k`` principal components: mu + (x - mu) W_k^T W_k."""
    if not 1 <= int(k) <= pca.n_components_:
        raise ValueError(f"k must lie in 1..{pca.n_components_} (the fitted components), got {k}")
    w = pca.components_[: int(k)]
    return pca.mean_ + ((flatten(x) - pca.mean_) @ w.T) @ w


def pca_reconstruction_mse(x_train: np.ndarray, x_test: np.ndarray, code_sizes: Sequence[int],
                           seed: int = 0, pca=None) -> dict[int, float]:
    """Test-set MSE of the best linear autoencoder (PCA) for each code size, from one fit.

    PCA with k components is the optimal *linear* encoder/decoder pair of code size k for squared
    error, so any non-linear autoencoder with a k-number code that does worse has learnt nothing a
    linear projection could not. One PCA with max(code_sizes) components is fitted on ``x_train``
    (or pass an already fitted ``pca``); the first k components give the size-k reconstruction.
    """
    sizes = sorted({int(k) for k in code_sizes})
    a, b = flatten(x_train), flatten(x_test)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"train and test have different sizes per image: {a.shape[1]} vs {b.shape[1]}")
    if not sizes or sizes[0] < 1 or sizes[-1] > min(a.shape):
        raise ValueError(f"code sizes must lie in 1..{min(a.shape)}, got {list(code_sizes)}")
    pca = pca if pca is not None else fit_pca(a, sizes[-1], seed)
    return {k: float(np.mean((pca_reconstruct(pca, b, k) - b) ** 2)) for k in sizes}


def pca_2d(x_train: np.ndarray, x_new: np.ndarray | None = None, seed: int = 0) -> tuple[np.ndarray, np.ndarray | None]:
    """The first two principal components of ``x_train`` (and of ``x_new`` projected with the same fit)."""
    from sklearn.decomposition import PCA

    pca = PCA(n_components=2, random_state=seed).fit(flatten(x_train))
    new = None if x_new is None else pca.transform(flatten(x_new)).astype(np.float32)
    return pca.transform(flatten(x_train)).astype(np.float32), new


# ------------------------------------------------------------------------------ t-SNE and UMAP
def _threads(n_jobs: int):
    """Limit BLAS/OpenMP thread pools to ``n_jobs`` (all of them when n_jobs < 1) for the enclosed block."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(None if n_jobs < 1 else n_jobs)


@dataclass
class FittedMap:
    """A 2-D map fitted on some points; ``transform`` places new points without refitting the old ones."""

    embedding: np.ndarray
    transform: Callable[[np.ndarray], np.ndarray]
    method: str


def tsne_2d(x: np.ndarray, perplexity: float = 30.0, seed: int = 0, pca_dims: int = 50,
            implementation: str = "opentsne", n_jobs: int = 1, init: str = "pca") -> FittedMap:
    """t-SNE of ``x`` (first reduced to ``pca_dims`` principal components, the usual recipe).

    ``implementation="opentsne"`` (FFT-accelerated gradients, can add new points to a fitted map)
    or ``"sklearn"`` (Barnes-Hut; its map cannot take new points, ``transform`` raises).
    ``init="pca"`` (both libraries' default) starts from the scaled PCA projection, which is what keeps
    the global arrangement of clusters; ``init="random"`` shows what the t-SNE objective alone does.
    ``n_jobs=1`` by default: on a small shared machine, multi-threaded t-SNE was measured to be many times
    *slower* (threads spin while waiting for a busy core); raise it on a dedicated machine.
    """
    if init not in ("pca", "random"):
        raise ValueError(f"init must be 'pca' or 'random', got {init!r}")
    from sklearn.decomposition import PCA

    flat = flatten(x)
    pca = None
    if pca_dims and flat.shape[1] > pca_dims:
        pca = PCA(n_components=pca_dims, random_state=seed).fit(flat)
        flat = pca.transform(flat)

    def reduce(new: np.ndarray) -> np.ndarray:
        f = flatten(new)
        return pca.transform(f) if pca is not None else f

    if implementation == "opentsne":
        from openTSNE import TSNE as OpenTSNE

        with _threads(n_jobs):
            fitted = OpenTSNE(perplexity=perplexity, random_state=seed, n_jobs=n_jobs, initialization=init,
                              verbose=False).fit(flat)

        def place(new: np.ndarray) -> np.ndarray:
            with _threads(n_jobs):
                return np.asarray(fitted.transform(reduce(new)), dtype=np.float32)


        return FittedMap(np.asarray(fitted, dtype=np.float32), place, "t-SNE (openTSNE)")
    if implementation == "sklearn":
        from sklearn.manifold import TSNE as SkTSNE

        with _threads(n_jobs):
            emb = SkTSNE(perplexity=perplexity, random_state=seed, init=init, n_jobs=n_jobs).fit_transform(flat)

        def no_transform(new: np.ndarray) -> np.ndarray:
            raise NotImplementedError("scikit-learn's TSNE cannot place new points; use implementation='opentsne'")

        return FittedMap(emb.astype(np.float32), no_transform, "t-SNE (scikit-learn)")
    raise ValueError(f"implementation must be 'opentsne' or 'sklearn', got {implementation!r}")


def umap_2d(x: np.ndarray, n_neighbors: int = 15, min_dist: float = 0.1, seed: int | None = 0,
            init: str = "spectral") -> FittedMap:
    """UMAP of ``x`` on raw features; ``transform`` places new points using the fitted neighbour graph.

    A fixed ``seed`` makes the map reproducible but switches off UMAP's multi-threading; pass
    ``seed=None`` for speed when reproducibility does not matter. ``init="spectral"`` (the default)
    starts from a Laplacian eigenmap of the neighbour graph; ``init="random"`` from noise.
    """
    import warnings

    import umap

    if init not in ("spectral", "random", "pca"):
        raise ValueError(f"init must be 'spectral', 'random' or 'pca', got {init!r}")
    warnings.filterwarnings("ignore", message="n_jobs value .* overridden")   # expected with a seed
    model = umap.UMAP(n_neighbors=n_neighbors, min_dist=min_dist, random_state=seed, n_components=2, init=init)
    emb = model.fit_transform(flatten(x)).astype(np.float32)
    return FittedMap(emb, lambda new: model.transform(flatten(new)).astype(np.float32), "UMAP")


# ------------------------------------------------------------------------------------ scoring
def trustworthiness(x_high: np.ndarray, x_low: np.ndarray, k: int = 10, sample: int | None = 5000,
                    seed: int = 0) -> float:
    """scikit-learn's trustworthiness on a seeded sample: 1.0 = every 2-D neighbour is a true neighbour.

    It penalises points that are among the k nearest in the map but far down the neighbour ranking in
    the original space. It needs all pairwise distances, so it is computed on ``sample`` points.
    """
    from sklearn.manifold import trustworthiness as sk_trustworthiness

    high, low = flatten(x_high), np.asarray(x_low, dtype=np.float32)
    if len(high) != len(low):
        raise ValueError(f"{len(high)} original points but {len(low)} embedded points: they must pair up")
    if sample is not None and sample < len(high):
        idx = np.random.default_rng(seed).choice(len(high), size=sample, replace=False)
        high, low = high[idx], low[idx]
    return float(sk_trustworthiness(high, low, n_neighbors=k))


def align_to(reference: np.ndarray, embedding: np.ndarray) -> np.ndarray:
    """Rotate/reflect/scale ``embedding`` onto ``reference`` (orthogonal Procrustes), for side-by-side plots.

    t-SNE and UMAP maps are only defined up to rotation and reflection; aligning them first makes
    run-to-run differences that *matter* visible instead of arbitrary flips.
    """
    from scipy.linalg import orthogonal_procrustes

    a = np.asarray(reference, dtype=np.float64) - np.mean(reference, axis=0)
    b = np.asarray(embedding, dtype=np.float64) - np.mean(embedding, axis=0)
    if a.shape != b.shape:
        raise ValueError(f"embeddings must have the same shape, got {a.shape} and {b.shape}")
    rotation, _ = orthogonal_procrustes(b, a)
    aligned = b @ rotation
    return (aligned * (np.linalg.norm(a) / max(np.linalg.norm(aligned), 1e-12))).astype(np.float32)


def centroid_distances(embedding: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Matrix of Euclidean distances between class centroids (classes 0..C-1) of a map or feature set."""
    emb = np.asarray(embedding, dtype=np.float64)
    labels = np.asarray(labels)
    classes = np.unique(labels)
    centroids = np.stack([emb[labels == c].mean(axis=0) for c in classes])
    return np.linalg.norm(centroids[:, None, :] - centroids[None, :, :], axis=-1)


def distance_agreement(high: np.ndarray, low: np.ndarray, labels: np.ndarray) -> float:
    """Spearman correlation between class-centroid distances in the original space and in the map.

    Near 1: far-apart classes stay far apart in the map (the map's global layout means something);
    near 0: distances between clusters are arbitrary.
    """
    from scipy.stats import spearmanr

    d_high, d_low = centroid_distances(flatten(high), labels), centroid_distances(low, labels)
    upper = np.triu_indices_from(d_high, k=1)
    return float(spearmanr(d_high[upper], d_low[upper]).statistic)


def neighbour_overlap(a: np.ndarray, b: np.ndarray, k: int = 10) -> float:
    """Mean fraction of each point's k nearest neighbours in ``a`` that are also among its k nearest in ``b``.

    A rotation-free way to say how much two maps of the same points agree locally (1.0 = same
    neighbourhoods; k/N = chance). Used to measure run-to-run variation across seeds.
    """
    from sklearn.neighbors import NearestNeighbors

    a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    if len(a) != len(b):
        raise ValueError(f"the two maps must hold the same points, got {len(a)} and {len(b)}")
    na = NearestNeighbors(n_neighbors=k + 1).fit(a).kneighbors(a, return_distance=False)[:, 1:]
    nb = NearestNeighbors(n_neighbors=k + 1).fit(b).kneighbors(b, return_distance=False)[:, 1:]
    return float(np.mean([len(np.intersect1d(x, y, assume_unique=True)) / k for x, y in zip(na, nb)]))


def clusters_on_a_line(positions: Sequence[float], dim: int = 50, n_per_cluster: int = 200,
                       spread: float = 1.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters in ``dim`` dimensions whose centres lie on one line at the given ``positions``.

    The ground truth for "do distances between clusters mean anything in the map?": the true distance
    between clusters i and j is |positions[i] - positions[j]|. Returns (points (N, dim), cluster labels).
    """
    rng = np.random.default_rng(seed)
    direction = rng.normal(size=dim)
    direction /= np.linalg.norm(direction)
    points = [p * direction + rng.normal(0.0, spread, size=(n_per_cluster, dim)) for p in positions]
    labels = np.repeat(np.arange(len(positions)), n_per_cluster)
    return np.concatenate(points).astype(np.float32), labels
