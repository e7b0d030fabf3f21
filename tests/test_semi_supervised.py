"""course_lib.semi_supervised: known answers on tiny synthetic data."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from course_lib import semi_supervised as ss


def blobs(n_per: int = 60, centres=((0, 0), (20, 0), (0, 20)), seed: int = 0):
    """Well separated 2-D Gaussian blobs: features (n, 2) and labels 0..len(centres)-1."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(c, 1.0, size=(n_per, 2)) for c in centres])
    y = np.repeat(np.arange(len(centres)), n_per)
    return x, y


# ---------------------------------------------------------------------------------------------- deskew
def test_deskew_straightens_a_slanted_bar():
    image = np.zeros((1, 28, 28), dtype=np.uint8)
    for r in range(6, 22):                       # a bar leaning right by 0.5 px per row
        c = int(round(14 + 0.5 * (r - 14)))
        image[0, r, c - 1:c + 2] = 255
    out = ss.deskew(image)
    assert out.shape == image.shape and out.dtype == np.uint8

    def slant(im):
        r, c = np.mgrid[:28, :28]
        w = im.astype(float) / im.sum()
        mr, mc = (w * r).sum(), (w * c).sum()
        return (w * (r - mr) * (c - mc)).sum() / (w * (r - mr) ** 2).sum()

    assert slant(image[0]) == pytest.approx(0.5, abs=0.05)
    assert abs(slant(out[0])) < 0.05
    # centre of mass moved to the image centre
    r, c = np.mgrid[:28, :28]
    w = out[0].astype(float) / out[0].sum()
    assert (w * r).sum() == pytest.approx(14, abs=0.6) and (w * c).sum() == pytest.approx(14, abs=0.6)


def test_deskew_rejects_a_single_image():
    with pytest.raises(ValueError, match="batch"):
        ss.deskew(np.zeros((28, 28)))


# ---------------------------------------------------------------------------------------------- k-NN
def test_knn_vote_majority_and_tie_break_towards_nearest():
    reference_labels = np.array([0, 1, 1, 2])
    idx = np.array([[1, 2, 0],     # 1, 1, 0 -> 1
                    [0, 3, 1],     # tie of three: nearest (label 0) wins
                    [3, 0, 2]])
    assert list(ss.knn_vote(idx, reference_labels, n_classes=3)) == [1, 0, 2]
    assert list(ss.knn_vote(idx, reference_labels, n_classes=3, k=1)) == [1, 0, 2]


def test_knn_predict_and_neighbours():
    x, y = blobs()
    pred = ss.knn_predict(x[[0, 60, 120]], y[[0, 60, 120]], x, k=5)   # k capped at 3 points
    assert np.mean(pred == y) == 1.0
    idx, dist = ss.neighbours(x, k=3)
    assert idx.shape == (len(x), 3) and not np.any(idx == np.arange(len(x))[:, None])
    assert np.all(np.diff(dist, axis=1) >= 0)
    twins, _ = ss.neighbours(np.zeros((6, 2)), k=3)            # exact duplicates: self must still be dropped
    assert not np.any(twins == np.arange(6)[:, None])
    with pytest.raises(ValueError, match="2-D"):
        ss.neighbours(np.zeros((5, 2, 2)))
    with pytest.raises(ValueError, match="features"):
        ss.neighbours(x, np.zeros((3, 5)), k=2)


def test_knn_graph_is_symmetric_and_normalised():
    x, _ = blobs(n_per=30)
    s = ss.knn_graph(x, k=5)
    assert s.shape == (90, 90)
    assert abs(s - s.T).max() < 1e-12
    assert s.min() >= 0
    # the normalised affinity has spectral radius 1 (eigenvalue of D^1/2 1)
    top = np.max(np.abs(np.linalg.eigvalsh(s.toarray())))
    assert top == pytest.approx(1.0, abs=1e-8)


# ---------------------------------------------------------------------------------------------- spreading
def test_label_spreading_one_label_per_blob_is_perfect():
    x, y = blobs()
    graph = ss.knn_graph(x, k=8)
    f = ss.label_spreading(graph, np.array([5, 70, 130]), np.array([0, 1, 2]), n_classes=3)
    assert f.shape == (180, 3)
    assert np.mean(f.argmax(1) == y) == 1.0


def test_label_spreading_leaves_unreached_components_empty_and_checks_inputs():
    x, y = blobs()
    graph = ss.knn_graph(x, k=8)
    f = ss.label_spreading(graph, np.array([5]), np.array([0]), n_classes=3)
    assert np.all(f[60:].sum(1) == 0) and np.all(f[:60].sum(1) > 0)
    # unreached points are marked, never called class 0, and abstain in a k-NN vote
    labels = ss.predicted_labels(f)
    assert np.all(labels[:60] == 0) and np.all(labels[60:] == ss.UNREACHED)
    assert list(ss.knn_vote(np.array([[70, 71], [70, 5]]), labels, n_classes=3)) == [ss.UNREACHED, 0]
    assert ss.score(np.array([0, 1]), np.array([0, ss.UNREACHED]))[0] == 0.5
    with pytest.raises(ValueError, match="alpha"):
        ss.label_spreading(graph, np.array([5]), np.array([0]), alpha=1.0)
    with pytest.raises(ValueError, match="labels must lie"):
        ss.label_spreading(graph, np.array([5]), np.array([7]), n_classes=3)
    with pytest.raises(ValueError, match="labelled_index"):
        ss.label_spreading(graph, np.array([500]), np.array([0]), n_classes=3)


def test_label_spreading_reaches_the_closed_form_fixed_point():
    x, _ = blobs(centres=((0, 0), (4, 0), (8, 0)))        # touching blobs: one connected graph
    graph = ss.knn_graph(x, k=8)
    idx, lab = np.array([5, 70, 130]), np.array([0, 1, 2])
    y = np.zeros((len(x), 3))
    y[idx, lab] = 1.0
    for alpha in (0.5, 0.99):
        exact = (1 - alpha) * np.linalg.solve(np.eye(len(x)) - alpha * graph.toarray(), y)
        f = ss.label_spreading(graph, idx, lab, n_classes=3, alpha=alpha, tol=1e-10)
        assert np.allclose(f, exact, atol=1e-9 * np.abs(exact).max())
    with pytest.raises(RuntimeError, match="did not converge"):
        ss.label_spreading(graph, idx, lab, n_classes=3, alpha=0.99, tol=1e-12, max_iter=2)


def test_spread_and_name_rehomes_a_label_that_sits_in_another_cluster():
    x, y = blobs()
    graph = ss.knn_graph(x, k=8)
    # the label of class 2 is an atypical point at the edge of blob 1, nearer to blob 2 than blob 1's label
    atypical = int(np.argmin(np.linalg.norm(x[60:120] - np.array([0.0, 20.0]), axis=1))) + 60
    labelled, labels = np.array([5, 70, atypical]), np.array([0, 1, 2])
    plain = ss.label_spreading(graph, labelled, labels, n_classes=3).argmax(1)
    assert np.mean(plain == y) < 0.8                       # blob 2 unlabelled, blob 1 split
    result = ss.spread_and_name(graph, x, labelled, labels, n_classes=3)
    assert np.mean(result.labels == y) == 1.0
    assert [m[0] for m in result.moved] == [2]
    assert y[result.seeds[2]] == 2


def test_spread_and_name_moves_nothing_on_a_good_draw():
    x, y = blobs()
    graph = ss.knn_graph(x, k=8)
    result = ss.spread_and_name(graph, x, np.array([5, 70, 130, 131]), np.array([0, 1, 2, 2]), n_classes=3)
    assert result.moved == [] and np.mean(result.labels == y) == 1.0
    with pytest.raises(ValueError, match="rows"):
        ss.spread_and_name(graph, x[:10], np.array([5]), np.array([0]), n_classes=3)


def test_spread_and_name_gives_a_merged_component_two_classes():
    # blobs 1 and 2 touch (one component of twice the size); the class-2 label sits in blob 0
    x, y = blobs(centres=((0, 0), (30, 0), (33, 0)))
    graph = ss.knn_graph(x, k=8)
    atypical = int(np.argmax(x[:60, 0]))                    # blob-0 point closest to the merged pair
    result = ss.spread_and_name(graph, x, np.array([5, 70, atypical]), np.array([0, 1, 2]), n_classes=3)
    assert [m[0] for m in result.moved] == [2]
    assert np.mean(result.labels[:60] == 0) == 1.0
    assert np.all(result.labels[60:] != 0)


# ---------------------------------------------------------------------------------------------- cluster / self-training / medoids
def test_cluster_then_name_is_one_to_one():
    post = np.array([[0.9, 0.1, 0.0], [0.1, 0.8, 0.1], [0.0, 0.2, 0.8], [0.6, 0.0, 0.4]])
    # labelled points 0 and 3 both sit in cluster 0; point 3 is less typical, so it names cluster 2
    pred = ss.cluster_then_name(post, np.array([0, 3, 1]), np.array([5, 7, 6]))
    assert list(pred) == [5, 6, 7, 5]


def test_self_training_on_separable_blobs():
    x, y = blobs()
    pred = ss.self_training(x, np.array([5, 70, 130]), np.array([0, 1, 2]))
    assert pred.shape == y.shape and np.mean(pred == y) > 0.98


def test_kmeans_medoids_are_typical_points():
    x, y = blobs()
    medoids = ss.kmeans_medoids(x, 3, seed=0)
    assert sorted(y[medoids]) == [0, 1, 2]
    centres = np.array([x[y == c].mean(0) for c in range(3)])
    assert np.all(np.linalg.norm(x[medoids] - centres[y[medoids]], axis=1) < 1.0)
    with pytest.raises(ValueError, match="n_clusters"):
        ss.kmeans_medoids(x, 0)


# ---------------------------------------------------------------------------------------------- evaluation
def test_score_and_evaluate_draws_known_values():
    acc, f1 = ss.score(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]))
    assert acc == pytest.approx(0.75)
    assert f1 == pytest.approx((2 / 3 + 0.8) / 2)
    y_train = np.array([0, 1, 0, 1])
    y_test = np.array([0, 1])
    seen = []

    def method(idx, lab):
        seen.append((list(idx), list(lab)))
        return np.array([0, 1]) if idx[0] == 0 else np.array([1, 1])

    stats = ss.evaluate_draws("m", method, [np.array([0, 1]), np.array([2, 3])], y_train, y_test)
    assert seen == [([0, 1], [0, 1]), ([2, 3], [0, 1])]
    assert list(stats.accuracy) == [1.0, 0.5]
    assert stats.mean_accuracy == pytest.approx(0.75) and stats.std_accuracy == pytest.approx(0.25)
    assert stats.median_accuracy == pytest.approx(0.75)
    row = stats.row()
    assert row["accuracy %"] == "75.0 ± 25.0" and row["draws"] == 2
    with pytest.raises(ValueError, match="at least one"):
        ss.evaluate_draws("m", method, [], y_train, y_test)
    with pytest.raises(ValueError, match="shape"):
        ss.score(np.array([0, 1]), np.array([0]))


def test_random_draws_are_one_per_class_and_seeded(toy_arrays):
    images, labels = toy_arrays
    a = ss.random_draws(images, labels, 10, 3, seed=1)
    b = ss.random_draws(images, labels, 10, 3, seed=1)
    assert len(a) == 3 and all(np.array_equal(p, q) for p, q in zip(a, b))
    assert all(sorted(labels[d]) == list(range(10)) for d in a)
    assert not np.array_equal(a[0], a[1])


def test_record_adds_three_keys(course_env):
    from course_lib.report import Report

    rep = Report("06_semi_supervised_knn")
    stats = ss.DrawStats("m", np.array([0.9, 0.95]), np.array([0.88, 0.94]))
    ss.record(rep, "best", stats, reference=(0.65, 0.64), source="reference")
    assert set(rep.metrics) == {"best_acc_mean", "best_acc_std", "best_f1_mean"}
    assert rep.metrics["best_acc_mean"]["value"] == pytest.approx(0.925)
    assert rep.metrics["best_acc_std"]["higher_is_better"] is False
    assert rep.metrics["best_f1_mean"]["reference"] == pytest.approx(0.64)


def test_label_spreading_agrees_with_scikit_learn_on_the_same_graph():
    # scikit-learn's LabelSpreading builds S = D^-1/2 W D^-1/2 from a kernel matrix W; hand it our W
    from sklearn.semi_supervised import LabelSpreading

    x, _ = blobs(centres=((0, 0), (4, 0), (8, 0)))
    idx, lab = np.array([5, 70, 130]), np.array([0, 1, 2])
    graph = ss.knn_graph(x, k=8)
    w = ss.neighbours(x, k=8)
    sigma = float(np.median(w[1][:, -1]))
    weights = np.zeros((len(x), len(x)))
    np.put_along_axis(weights, w[0], np.exp(-((w[1] / sigma) ** 2)), axis=1)
    weights = np.maximum(weights, weights.T)
    target = np.full(len(x), -1)
    target[idx] = lab
    theirs = LabelSpreading(kernel=lambda a, b: weights, alpha=0.9, max_iter=5000, tol=1e-12).fit(x, target)
    ours = ss.predicted_labels(ss.label_spreading(graph, idx, lab, n_classes=3, alpha=0.9))
    assert np.array_equal(ours, theirs.transduction_)
