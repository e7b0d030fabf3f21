"""course_lib.metrics: clustering, embedding and generation metrics against closed forms and known cases."""

import math

import numpy as np
import pytest

from course_lib import metrics


def test_clustering_accuracy_is_invariant_to_renaming():
    y = np.array([0, 0, 1, 1, 2, 2])
    assert metrics.clustering_accuracy(y, np.array([2, 2, 0, 0, 1, 1])) == 1.0
    assert metrics.clustering_accuracy(y, np.array([2, 2, 0, 0, 1, 0])) == pytest.approx(5 / 6)
    assert metrics.hungarian_match(y, np.array([2, 2, 0, 0, 1, 1])) == {2: 0, 0: 1, 1: 2}
    assert metrics.nmi(y, np.array([1, 1, 2, 2, 0, 0])) == pytest.approx(1.0)
    assert metrics.fowlkes_mallows(y, np.array([1, 1, 2, 2, 0, 0])) == pytest.approx(1.0)


def test_frechet_distance_of_known_gaussians():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20000, 2))
    b = rng.normal(size=(20000, 2)) * 2 + np.array([3.0, 0.0])
    # |mu|^2 = 9; Tr(I + 4I - 2*2I) = 2
    assert metrics.frechet_distance(a, b) == pytest.approx(11.0, rel=0.03)
    assert metrics.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_frechet_distance_refuses_a_complex_square_root_and_bad_shapes(monkeypatch):
    from scipy import linalg

    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(50, 3)), rng.normal(size=(50, 3))
    with pytest.raises(ValueError, match="same d"):
        metrics.frechet_distance(a, b[:, :2])
    with pytest.raises(ValueError, match="at least two samples"):
        metrics.frechet_distance(a[:1], b[:1])
    real = linalg.sqrtm
    monkeypatch.setattr(linalg, "sqrtm", lambda m: real(m) + 0.5j * np.eye(len(m)))
    with pytest.raises(ValueError, match="is complex"):
        metrics.frechet_distance(a, b)
    monkeypatch.setattr(linalg, "sqrtm", lambda m: real(m) + 1e-9j * np.eye(len(m)))  # rounding noise is fine
    assert np.isfinite(metrics.frechet_distance(a, b))


def test_class_entropy_and_knn():
    assert metrics.class_entropy(np.arange(10)) == pytest.approx(np.log(10))
    assert metrics.class_entropy(np.zeros(10, dtype=int)) == 0.0
    x = np.array([[0.0], [0.1], [5.0], [5.1]])
    assert metrics.knn_accuracy(x, np.array([0, 0, 1, 1]), np.array([[0.05], [5.05]]), np.array([0, 1]), k=1) == 1.0


def test_recognisable_share_and_class_shares():
    p = np.array([[0.95, 0.05], [0.5, 0.5], [0.1, 0.9], [0.89, 0.11]])
    assert metrics.recognisable_share(p, 0.9) == pytest.approx(0.5)
    np.testing.assert_allclose(metrics.class_shares(np.array([0, 0, 1, 3]), 4), [0.5, 0.25, 0.0, 0.25])
    with pytest.raises(ValueError, match="0..3"):
        metrics.class_shares(np.array([4]), 4)
    assert metrics.label_agreement(np.array([1, 2, 3]), np.array([1, 2, 0])) == pytest.approx(2 / 3)


def test_frechet_classifier_distance_refuses_small_samples_and_matches_known_value():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5000, 3))
    b = rng.normal(size=(5000, 3)) + np.array([2.0, 0.0, 0.0])
    assert metrics.frechet_classifier_distance(a, b) == pytest.approx(4.0, rel=0.05)
    with pytest.raises(ValueError, match=">= 500"):
        metrics.frechet_classifier_distance(a[:100], b)


def test_generation_scores_detect_mode_collapse():
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(1000, 4))
    balanced = np.eye(10)[np.arange(1000) % 10]
    collapsed = np.eye(10)[np.zeros(1000, int)]
    good = metrics.generation_scores(balanced, ref + 0.01, ref)
    bad = metrics.generation_scores(collapsed, ref + 0.01, ref)
    assert good["entropy"] == pytest.approx(math.log(10))
    assert good["min_class_share"] == pytest.approx(0.1) and bad["max_class_share"] == 1.0
    assert bad["entropy"] == 0.0 and good["recognisable"] == 1.0


def test_walk_roughness():
    smooth = np.linspace(0, 1, 11)[None, :, None] * np.ones((2, 1, 3))
    assert metrics.walk_roughness(smooth) == pytest.approx(1.0)
    jump = np.zeros((1, 11, 1))
    jump[0, 6:] = 1.0  # stays put, then one jump: max step 1, mean step 0.1
    assert metrics.walk_roughness(jump) == pytest.approx(10.0)


def test_linear_probe_accuracy_separable_and_random():
    from course_lib import metrics

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=600)
    separable = np.eye(3)[labels] * 5 + rng.normal(0, 0.3, size=(600, 3))
    assert metrics.linear_probe_accuracy(separable[:400], labels[:400], separable[400:], labels[400:]) > 0.98
    noise = rng.normal(size=(600, 3))
    assert metrics.linear_probe_accuracy(noise[:400], labels[:400], noise[400:], labels[400:]) < 0.5
    with pytest.raises(ValueError, match="differ"):
        metrics.linear_probe_accuracy(noise, labels, noise[:, :2], labels)


