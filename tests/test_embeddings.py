"""2-D map helpers: PCA baseline against known values, t-SNE/UMAP shapes, scores on constructed cases."""

import numpy as np
import pytest

from course_lib import embeddings as emb


def test_pca_reconstruction_exact_for_low_rank_data():
    rng = np.random.default_rng(0)
    basis = rng.normal(size=(3, 50))
    train = rng.normal(size=(400, 3)) @ basis + 5.0
    test = rng.normal(size=(100, 3)) @ basis + 5.0
    errors = emb.pca_reconstruction_mse(train, test, [1, 2, 3])
    assert errors[1] > errors[2] > errors[3]
    assert errors[3] < 1e-8          # rank-3 data is reconstructed exactly by 3 components
    # one component on data with unit variance along 3 orthogonal-ish directions leaves about 2/3
    total = np.mean((test - test.mean(0)) ** 2)
    assert 0.3 * total < errors[1] < total


def test_pca_reconstruction_rejects_bad_sizes():
    x = np.zeros((10, 5), np.float32)
    with pytest.raises(ValueError, match="code sizes"):
        emb.pca_reconstruction_mse(x, x, [6])
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        emb.pca_reconstruction_mse(np.full((10, 28, 28), 255.0), x, [1])


def test_trustworthiness_known_cases():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 2))
    assert emb.trustworthiness(x, x, k=5, sample=None) == pytest.approx(1.0)
    shuffled = x[rng.permutation(len(x))]
    assert emb.trustworthiness(x, shuffled, k=5, sample=None) < 0.7
    assert emb.trustworthiness(x, x, k=5, sample=100) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="pair up"):
        emb.trustworthiness(x, x[:10])


def test_align_to_undoes_rotation_and_reflection():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(50, 2))
    theta = 0.7
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]]) @ np.diag([1, -1])
    np.testing.assert_allclose(emb.align_to(a, 3.0 * a @ rot), a - a.mean(0), atol=1e-5)


def test_centroid_distances_and_agreement():
    points = np.array([[0, 0], [0, 0], [3, 4], [3, 4], [6, 8]], float)
    labels = np.array([0, 0, 1, 1, 2])
    d = emb.centroid_distances(points, labels)
    np.testing.assert_allclose(d, [[0, 5, 10], [5, 0, 5], [10, 5, 0]])
    assert emb.distance_agreement(points, 2 * points, labels) == pytest.approx(1.0)


def test_tsne_and_umap_shapes_and_new_points():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 1, (100, 20)), rng.normal(6, 1, (100, 20))]).astype(np.float32)
    tsne = emb.tsne_2d(x, perplexity=10, pca_dims=5)
    assert tsne.embedding.shape == (200, 2)
    assert tsne.transform(x[:7]).shape == (7, 2)
    fitted = emb.umap_2d(x, n_neighbors=10)      # (its transform is exercised by notebook 07; numba-compiling it
    assert fitted.embedding.shape == (200, 2)    #  here would add ~15 s to the unit tests)
    # the two blobs stay apart in both maps
    for m in (tsne.embedding, fitted.embedding):
        assert emb.trustworthiness(x, m, k=5, sample=None) > 0.8


def test_sklearn_tsne_cannot_place_new_points():
    x = np.random.default_rng(0).normal(size=(60, 5)).astype(np.float32)
    fitted = emb.tsne_2d(x, perplexity=5, pca_dims=0, implementation="sklearn")
    assert fitted.embedding.shape == (60, 2)
    with pytest.raises(NotImplementedError, match="cannot place new points"):
        fitted.transform(x)
    with pytest.raises(ValueError, match="implementation"):
        emb.tsne_2d(x, implementation="cuda")


def test_pca_2d_and_timed():
    x = np.random.default_rng(0).normal(size=(40, 6)).astype(np.float32)
    (a, b), seconds = emb.timed(emb.pca_2d, x, x[:5])
    assert a.shape == (40, 2) and b.shape == (5, 2) and seconds >= 0
    np.testing.assert_allclose(a[:5], b, atol=1e-5)


def test_fit_pca_and_reconstruct_agree_with_mse():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(200, 30)).astype(np.float32)
    pca = emb.fit_pca(x[:150], 10)
    errors = emb.pca_reconstruction_mse(x[:150], x[150:], [3, 10], pca=pca)
    assert errors[3] == pytest.approx(float(np.mean((emb.pca_reconstruct(pca, x[150:], 3) - x[150:]) ** 2)))
    with pytest.raises(ValueError, match="k must"):
        emb.pca_reconstruct(pca, x, 11)


def test_neighbour_overlap_identity_and_random():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(300, 2))
    assert emb.neighbour_overlap(a, 5 * a + 1, k=5) == pytest.approx(1.0)
    assert emb.neighbour_overlap(a, rng.normal(size=(300, 2)), k=5) < 0.1
    with pytest.raises(ValueError, match="same points"):
        emb.neighbour_overlap(a, a[:10])


def test_clusters_on_a_line_centroid_distances():
    x, labels = emb.clusters_on_a_line([0, 10, 40], dim=20, n_per_cluster=300, spread=0.5)
    assert x.shape == (900, 20) and np.bincount(labels).tolist() == [300, 300, 300]
    d = emb.centroid_distances(x, labels)
    np.testing.assert_allclose([d[0, 1], d[0, 2], d[1, 2]], [10, 40, 30], atol=0.5)
