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
    """
    from scipy import linalg

    a = np.asarray(features_a, dtype=np.float64)
    b = np.asarray(features_b, dtype=np.float64)
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean, _ = linalg.sqrtm(cov_a @ cov_b, disp=False)
    covmean = covmean.real
    value = float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a + cov_b - 2.0 * covmean))
    return max(value, 0.0)


def class_entropy(predicted_labels: np.ndarray, num_classes: int = 10) -> float:
    """Entropy (nats) of the predicted-class histogram; log(10) = 2.303 means all classes equally often."""
    counts = np.bincount(np.asarray(predicted_labels).astype(int), minlength=num_classes).astype(float)
    p = counts / counts.sum()
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())
