"""Metrics used across notebooks: clustering, embeddings and generated samples.

All take NumPy arrays and return plain floats, so a notebook can hand them straight to
``Report.add``.
"""

from __future__ import annotations

import numpy as np


def hungarian_match(y_true: np.ndarray, y_cluster: np.ndarray) -> dict[int, int]:
    """Best one-to-one mapping cluster id -> class id (maximises the number of agreeing points).

    Clusters found without labels have arbitrary names; this is how we give them the best names
    before counting accuracy.
    """
    from scipy.optimize import linear_sum_assignment

    y_true = np.asarray(y_true).astype(int)
    y_cluster = np.asarray(y_cluster).astype(int)
    size = max(y_true.max(), y_cluster.max()) + 1
    counts = np.zeros((size, size), dtype=np.int64)
    np.add.at(counts, (y_cluster, y_true), 1)
    rows, cols = linear_sum_assignment(-counts)
    return {int(r): int(c) for r, c in zip(rows, cols)}


def clustering_accuracy(y_true: np.ndarray, y_cluster: np.ndarray) -> float:
    """Accuracy after renaming clusters with the Hungarian matching (1.0 = perfect up to renaming)."""
    mapping = hungarian_match(y_true, y_cluster)
    renamed = np.array([mapping.get(int(c), -1) for c in np.asarray(y_cluster)])
    return float(np.mean(renamed == np.asarray(y_true)))


def nmi(y_true: np.ndarray, y_cluster: np.ndarray) -> float:
    """Normalised mutual information (scikit-learn's arithmetic-mean normalisation)."""
    from sklearn.metrics import normalized_mutual_info_score

    return float(normalized_mutual_info_score(y_true, y_cluster))


def fowlkes_mallows(y_true: np.ndarray, y_cluster: np.ndarray) -> float:
    """Fowlkes-Mallows score: geometric mean of pairwise precision and recall (invariant to renaming)."""
    from sklearn.metrics import fowlkes_mallows_score

    return float(fowlkes_mallows_score(y_true, y_cluster))


def knn_accuracy(train_features: np.ndarray, train_labels: np.ndarray, test_features: np.ndarray,
                 test_labels: np.ndarray, k: int = 5) -> float:
    """Test accuracy of a k-nearest-neighbour classifier fitted on the training features."""
    from sklearn.neighbors import KNeighborsClassifier

    model = KNeighborsClassifier(n_neighbors=k, n_jobs=-1).fit(train_features, train_labels)
    return float(model.score(test_features, test_labels))


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to two feature sets (the formula behind FID).

    d^2 = |mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))

    The matrix square root of S_a S_b is real in exact arithmetic (both are covariance matrices); rounding
    can leave a small imaginary part, which is dropped. A large one means the covariances are too
    ill-conditioned for the number to mean anything (too few samples for the feature dimension), and is
    refused rather than silently cut off. ``sqrtm`` is called without its ``disp`` argument, which SciPy 1.18
    removed, so this works on every SciPy from 1.11.
    """
    from scipy import linalg

    a = np.asarray(features_a, dtype=np.float64)
    b = np.asarray(features_b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"frechet_distance needs two (n, d) feature arrays of the same d, got {a.shape} and {b.shape}")
    if min(len(a), len(b)) < 2:
        raise ValueError("frechet_distance needs at least two samples per set to estimate a covariance")
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    covmean = np.asarray(linalg.sqrtm(cov_a @ cov_b))
    if not np.all(np.isfinite(covmean)):
        raise ValueError("frechet_distance: the covariance product has no finite square root "
                         "(singular covariances: use more samples than feature dimensions)")
    if np.iscomplexobj(covmean):
        diagonal = np.diagonal(covmean)
        scale = max(1.0, float(np.abs(diagonal.real).max()))
        if np.abs(diagonal.imag).max() > 1e-3 * scale:
            raise ValueError(f"frechet_distance: the square root of the covariance product is complex (imaginary "
                             f"part up to {np.abs(diagonal.imag).max():.3g}); the covariances are too ill-conditioned, "
                             f"use more samples than feature dimensions")
        covmean = covmean.real
    value = float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a + cov_b - 2.0 * covmean))
    return max(value, 0.0)


def class_entropy(predicted_labels: np.ndarray, num_classes: int = 10) -> float:
    """Entropy (nats) of the predicted-class histogram; log(10) = 2.303 means all classes equally often."""
    counts = np.bincount(np.asarray(predicted_labels).astype(int), minlength=num_classes).astype(float)
    p = counts / counts.sum()
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def linear_probe_accuracy(train_features: np.ndarray, train_labels: np.ndarray, test_features: np.ndarray,
                          test_labels: np.ndarray, max_iter: int = 200, C: float = 0.05, seed: int = 0) -> float:
    """Test accuracy of a standardised multinomial logistic regression fitted on the training features.

    The "linear probe": how much class information a representation exposes *linearly*. Features are
    standardised first so that codes with very different scales (pixels vs. network codes) are comparable;
    the mild L2 penalty (``C``) keeps the optimiser converging in a few dozen steps. BLAS is limited to one
    thread for the fit: with several threads on a busy 2-core machine the many tiny L-BFGS products are
    more than ten times *slower* (oversubscription).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    a = np.asarray(train_features, dtype=np.float32).reshape(len(train_features), -1)
    b = np.asarray(test_features, dtype=np.float32).reshape(len(test_features), -1)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"train and test features differ in size: {a.shape[1]} vs {b.shape[1]}")
    from threadpoolctl import threadpool_limits

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=max_iter, C=C, tol=1e-3, random_state=seed))
    with threadpool_limits(1):
        model.fit(a, np.asarray(train_labels))
        return float(model.score(b, np.asarray(test_labels)))


# --------------------------------------------------------------------------- generated samples
# A generator has no test-set likelihood to report, so we ask a fixed MNIST classifier about its samples:
# is each sample a clear digit, are all ten digits produced (mode coverage), and does the sample
# *distribution* look like real data in the classifier's feature space (a Frechet distance)?


def recognisable_share(probabilities: np.ndarray, threshold: float = 0.9) -> float:
    """Share of samples whose most probable class has probability >= ``threshold`` ("a clear digit")."""
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or len(p) == 0:
        raise ValueError(f"expected class probabilities (N, classes) with N >= 1, got shape {p.shape}")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    return float(np.mean(p.max(axis=1) >= threshold))


def class_shares(predicted_labels: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """Share of samples per predicted class, shape (num_classes,): the mode-coverage histogram."""
    labels = np.asarray(predicted_labels).astype(int)
    if len(labels) == 0:
        raise ValueError("no labels given")
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"labels must lie in 0..{num_classes - 1}, got {labels.min()}..{labels.max()}")
    return np.bincount(labels, minlength=num_classes) / len(labels)


def label_agreement(predicted_labels: np.ndarray, requested_labels: np.ndarray) -> float:
    """Share of conditional samples that the classifier reads as the digit that was asked for."""
    predicted = np.asarray(predicted_labels)
    requested = np.asarray(requested_labels)
    if predicted.shape != requested.shape:
        raise ValueError(f"{predicted.shape} predicted vs {requested.shape} requested labels")
    return float(np.mean(predicted == requested))


def frechet_classifier_distance(features_samples: np.ndarray, features_reference: np.ndarray,
                                min_samples: int = 500) -> float:
    """Frechet distance between two sets of *classifier features* (FID with an MNIST classifier).

    FID uses an ImageNet Inception network; for digits an MNIST classifier's penultimate layer is the
    meaningful feature space. The estimate is biased upwards for small samples (the covariance of
    d-dimensional features needs many more than d samples), so fewer than ``min_samples`` is refused,
    and distances should only be compared at equal sample sizes: the train-vs-test distance at the same
    size is the "floor" that a perfect generator would reach.
    """
    a = np.asarray(features_samples)
    b = np.asarray(features_reference)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"expected two feature matrices (N, d) with the same d, got {a.shape} and {b.shape}")
    if min(len(a), len(b)) < min_samples:
        raise ValueError(f"need >= {min_samples} samples per set for a stable Frechet distance, "
                         f"got {len(a)} and {len(b)}")
    return frechet_distance(a, b)


def generation_scores(probabilities: np.ndarray, features: np.ndarray, reference_features: np.ndarray,
                      threshold: float = 0.9, min_samples: int = 500) -> dict[str, float]:
    """All unconditional sample-quality numbers at once, so every generator is judged the same way.

    Returns ``fcd`` (Frechet classifier distance to the reference), ``recognisable`` (share with max
    probability >= threshold), ``entropy`` (nats, of the predicted-class histogram; log 10 = 2.303 is
    perfect coverage), ``min_class_share`` and ``max_class_share``.
    """
    predicted = np.asarray(probabilities).argmax(axis=1)
    shares = class_shares(predicted, np.asarray(probabilities).shape[1])
    return {
        "fcd": frechet_classifier_distance(features, reference_features, min_samples),
        "recognisable": recognisable_share(probabilities, threshold),
        "entropy": class_entropy(predicted, len(shares)) + 0.0,  # + 0.0 turns -0.0 into 0.0
        "min_class_share": float(shares.min()),
        "max_class_share": float(shares.max()),
    }


def walk_roughness(path_features: np.ndarray) -> float:
    """How unevenly a latent walk moves: mean over walks of (largest step / mean step), >= 1.

    ``path_features`` is (walks, steps, d): e.g. classifier features of the images decoded along
    straight lines in latent space. 1.0 means every step changes the image equally (a smooth walk);
    large values mean the image stays put and then jumps (e.g. snaps from one digit to another).
    """
    f = np.asarray(path_features, dtype=np.float64)
    if f.ndim != 3 or f.shape[1] < 2:
        raise ValueError(f"expected features along walks (walks, steps >= 2, d), got shape {f.shape}")
    steps = np.linalg.norm(np.diff(f, axis=1), axis=2)
    mean = steps.mean(axis=1)
    ok = mean > 0
    if not ok.any():
        return 1.0
    return float(np.mean(steps.max(axis=1)[ok] / mean[ok]))
