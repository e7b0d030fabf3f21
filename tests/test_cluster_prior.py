"""The clustering GMM prior (notebook 09): neighbour mining, the pair dataset, the loss terms, training on codes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import built
from keras import ops

from course_lib import metrics
from course_lib.models import cluster_prior as cp
from course_lib.models import priors


def test_loss_terms_reward_agreement_and_balance():
    means = ops.convert_to_tensor(priors.gmm_means(10, 10, 3.0))
    z = priors.gmm_means(10, 10, 3.0)  # one code on each centre
    r = cp.gmm_responsibilities(ops.convert_to_tensor(z), means, scale=0.5)
    np.testing.assert_allclose(ops.convert_to_numpy(ops.sum(r, -1)), 1.0, rtol=1e-5)
    assert float(cp.neighbour_consistency(r, r)) == pytest.approx(0.0, abs=1e-3)  # same, certain components
    shifted = ops.convert_to_tensor(np.roll(ops.convert_to_numpy(r), 1, axis=0))
    assert float(cp.neighbour_consistency(r, shifted)) > 5.0  # certain but different components
    assert float(cp.assignment_balance(r)) == pytest.approx(-math.log(10), abs=1e-3)
    one_component = ops.convert_to_tensor(np.tile(ops.convert_to_numpy(r)[:1], (10, 1)))
    assert float(cp.assignment_balance(one_component)) == pytest.approx(0.0, abs=1e-3)


def two_groups(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Codes (n, 6) in two well-separated groups, with their group labels."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    codes = rng.standard_normal((n, 6)).astype(np.float32) * 0.3 + 4.0 * labels[:, None]
    return codes.astype(np.float32), labels


def test_head_rejects_codes_of_the_wrong_size_and_unpaired_data():
    head = built(cp.GMMPriorHead(code_dim=6, pool_size=500))
    with pytest.raises(ValueError, match=r"codes \(N, 6\)"):
        head.latent(np.zeros((3, 5)))
    head.compile(optimizer="adam")
    with pytest.raises(ValueError, match="pairs"):
        head.fit(np.zeros((8, 6), "float32"), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="must be >= 0"):
        cp.GMMPriorHead(code_dim=6, cluster_weight=-1.0)


def test_training_puts_neighbours_in_one_component_and_separates_the_groups():
    codes, labels = two_groups()
    nb = cp.mine_neighbours(codes, k=5)
    assert cp.neighbour_agreement(labels, nb) == 1.0
    head = cp.GMMPriorHead(code_dim=6, n_components=2, latent_dim=2, hidden=32, pool_size=2_000, seed=0)
    pairs = cp.NeighbourPairs(codes, nb, batch_size=64, seed=0)
    head.adapt(codes)
    (a, b), = pairs[0]
    before = float(head.loss_terms(a, b)["neighbour_consistency"])
    history = cp.train_gmm_prior_head(head, codes, nb, epochs=30, batch_size=64, learning_rate=3e-3)
    assert {"neighbour_consistency", "balance", "code_reconstruction", "cross_entropy"} <= set(history)
    assert all(np.isfinite(v).all() for v in history.values())
    assert float(head.loss_terms(a, b)["neighbour_consistency"]) < before
    clusters = head.assign(codes)
    assert metrics.clustering_accuracy(labels, clusters) == 1.0  # both groups found, each in its own component


def test_restarts_keep_the_run_with_the_lowest_neighbour_loss():
    codes, labels = two_groups(seed=1)
    nb = cp.mine_neighbours(codes, k=5)
    head = cp.GMMPriorHead(code_dim=6, n_components=2, latent_dim=2, hidden=16, pool_size=1_000, seed=3)
    history = cp.train_gmm_prior_head(head, codes, nb, epochs=3, batch_size=64, restarts=3)
    finals = history["restart_consistency"]
    assert len(finals) == 3 and history["neighbour_consistency"][-1] == min(finals)
    pairs = cp.NeighbourPairs(codes, nb, batch_size=len(codes), seed=0)
    (a, b), = pairs[0]
    for tracker in head.metrics:  # after fit the trackers still hold the last epoch's running means
        tracker.reset_state()
    head.compute_loss(x=(a, b), training=False)  # what fit()/evaluate() run on a batch, on any backend
    evaluated, direct = {m.name: m.result() for m in head.metrics}, head.loss_terms(a, b)
    for name in ("code_reconstruction", "entropy", "neighbour_consistency", "balance"):  # no prior draw in these
        assert float(evaluated[name]) == pytest.approx(float(direct[name]), rel=1e-5)
    with pytest.raises(ValueError, match="restarts"):
        cp.train_gmm_prior_head(head, codes, nb, epochs=1, restarts=0)


def test_fit_or_load_gmm_prior_head_trains_once_and_keys_on_the_neighbours(course_env):
    codes = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    neighbours = cp.mine_neighbours(codes, k=3)
    kwargs = dict(epochs=1, batch_size=32, latent_dim=3, n_components=3, hidden=8, pool_size=200)
    first = cp.fit_or_load_gmm_prior_head("nb", "head", codes, neighbours, **kwargs)
    again = cp.fit_or_load_gmm_prior_head("nb", "head", codes, neighbours, **kwargs)
    assert not first.loaded and again.loaded and again.model.get_config()["code_dim"] == 4
    np.testing.assert_array_equal(again.model.assign(codes), first.model.assign(codes))
    other = neighbours.copy()
    other[0, 0] = (other[0, 0] + 1) % 64 or 1
    assert not cp.fit_or_load_gmm_prior_head("nb", "head", codes, other, **kwargs).loaded
