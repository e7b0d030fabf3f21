"""course_lib.models.parametric_map: exact kNN graph, the Cauchy InfoNCE loss, and the trainable map (fast, CPU)."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
import pytest

import keras
from course_lib.models import parametric_map as pm


def blobs(n_per: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three well separated Gaussian blobs of 'images' (784 values in [0, 1])."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0.1, 0.9, size=(3, pm.INPUT_DIM))
    x = np.concatenate([np.clip(c + 0.05 * rng.standard_normal((n_per, pm.INPUT_DIM)), 0, 1) for c in centres])
    return x.astype("float32"), np.repeat(np.arange(3), n_per)


def test_mine_neighbours_matches_brute_force_and_excludes_self():
    f = np.random.default_rng(1).standard_normal((50, 4)).astype("float32")
    g = pm.mine_neighbours(f, k=3, chunk=16)
    d = ((f[:, None] - f[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    assert g.shape == (50, 3)
    assert (g != np.arange(50)[:, None]).all()
    np.testing.assert_array_equal(np.sort(g, 1), np.sort(np.argsort(d, 1)[:, :3], 1))


def test_mine_neighbours_rejects_bad_input():
    with pytest.raises(ValueError):
        pm.mine_neighbours(np.zeros((5, 2)), k=5)
    with pytest.raises(ValueError):
        pm.mine_neighbours(np.zeros(5), k=1)
    with pytest.raises(ValueError):
        pm.mine_neighbours(np.full((5, 2), np.nan), k=1)


def test_loss_prefers_close_partners():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((32, 2)).astype("float32") * 10
    near = float(pm.cauchy_infonce(a, a + 0.01))
    far = float(pm.cauchy_infonce(a, rng.standard_normal((32, 2)).astype("float32") * 10))
    assert near < far


def test_shapes_decoder_and_bad_inputs():
    model = pm.build_parametric_map(hidden=(16, 16), reconstruction_weight=1.0)
    x, _ = blobs(10)
    assert model.embed(x.reshape(-1, 28, 28)).shape == (30, 2)
    assert model.decode(np.zeros((4, 2), "float32")).shape == (4, 28, 28)
    with pytest.raises(ValueError):
        model.embed((x * 255).astype("uint8"))
    with pytest.raises(ValueError):
        model.embed(np.zeros((3, 100), "float32"))
    with pytest.raises(ValueError):
        model.decode(np.zeros((4, 3), "float32"))
    with pytest.raises(ValueError):
        pm.ParametricMap(reconstruction_weight=-1.0)
    with pytest.raises(ValueError):
        pm.ParametricMap(alpha=0.0)


def test_pca_projection_layer_is_frozen_and_exact():
    from sklearn.decomposition import PCA

    x, _ = blobs(20)
    pca = PCA(5).fit(x)
    model = pm.build_parametric_map(hidden=(8,), pca=pca)
    layer = model.encoder.get_layer("pca")
    assert not layer.trainable
    np.testing.assert_allclose(layer(x[:4]), pca.transform(x[:4]), atol=1e-4)


def test_training_lowers_loss_and_keeps_neighbours_closer():
    keras.utils.set_random_seed(0)
    x, y = blobs(60)
    graph = pm.mine_neighbours(x, k=5)
    model = pm.build_parametric_map(hidden=(32, 32), reconstruction_weight=1.0, learning_rate=3e-3)
    history = pm.train_parametric_map(model, x, graph, epochs=15, batch_size=64)
    loss = history.history["neighbour_loss"]
    assert np.isfinite(loss).all() and loss[-1] < loss[0]
    z = model.embed(x)
    d = np.linalg.norm(z[:, None] - z[None], axis=-1)
    neighbour = np.take_along_axis(d, graph, axis=1).mean()
    assert neighbour < 0.5 * d[y[:, None] != y[None, :]].mean()


def test_fit_needs_pairs_and_batches_of_two():
    model = pm.build_parametric_map(hidden=(8,))
    x, _ = blobs(5)
    with pytest.raises(ValueError):
        pm.train_parametric_map(model, x, pm.mine_neighbours(x, 2), epochs=1, batch_size=1)
    with pytest.raises(ValueError):
        model.fit(x, epochs=1, verbose=0)
