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


def test_loss_prefers_close_partners():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((32, 2)).astype("float32") * 10
    near = float(pm.cauchy_infonce(a, a + 0.01))
    far = float(pm.cauchy_infonce(a, rng.standard_normal((32, 2)).astype("float32") * 10))
    assert near < far


def test_shapes_decoder_and_bad_inputs():
    model = pm.build_parametric_map(hidden=(16, 16))
    x, _ = blobs(10)
    assert model.embed(x.reshape(-1, 28, 28)).shape == (30, 2)
    assert model.decode(np.zeros((4, 2), "float32")).shape == (4, 28, 28)
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        model.embed(x * 255)
    with pytest.raises(ValueError, match="must be shaped"):
        model.embed(np.zeros((3, 100), "float32"))
    with pytest.raises(ValueError, match=r"expected map positions \(N, 2\)"):
        model.decode(np.zeros((4, 3), "float32"))
    with pytest.raises(ValueError, match="pca_dims must lie in"):
        pm.ParametricMap(pca_dims=-1)
    with pytest.raises(ValueError, match="alpha"):
        pm.ParametricMap(alpha=0.0)


def test_pca_projection_layer_is_frozen_and_exact():
    from sklearn.decomposition import PCA

    x, _ = blobs(20)
    pca = PCA(5).fit(x)
    plain = pm.build_parametric_map(hidden=(8,), pca=pca, whiten=False).encoder.get_layer("pca")
    assert not plain.trainable
    np.testing.assert_allclose(plain(x[:4]), pca.transform(x[:4]), atol=1e-4)
    model = pm.build_parametric_map(hidden=(8,), pca=pca)                 # whitened by default
    projected = model.project(x)
    np.testing.assert_allclose(projected, pca.transform(x) / np.sqrt(pca.explained_variance_), atol=1e-3)
    np.testing.assert_allclose(projected.std(axis=0), 1.0, atol=0.02)
    with pytest.raises(ValueError, match="scale"):
        model.set_projection(pca.mean_, pca.components_, scale=np.zeros(5))


def test_training_lowers_loss_and_keeps_neighbours_closer():
    keras.utils.set_random_seed(0)
    x, y = blobs(60)
    graph = pm.mine_neighbours(x, k=5)
    model = pm.build_parametric_map(hidden=(32, 32), learning_rate=3e-3)
    history = pm.train_parametric_map(model, x, graph, epochs=15, batch_size=64, decoder_epochs=30)
    loss, drawn = history["neighbour_loss"], history["decoder_loss"]
    assert len(loss) == 15 and np.isfinite(loss).all() and loss[-1] < loss[0]
    assert len(drawn) == 30 and drawn[-1] < drawn[0]
    z = model.embed(x)
    d = np.linalg.norm(z[:, None] - z[None], axis=-1)
    neighbour = np.take_along_axis(d, graph, axis=1).mean()
    assert neighbour < 0.5 * d[y[:, None] != y[None, :]].mean()


def test_training_needs_pairs_and_batches_of_two():
    model = pm.build_parametric_map(hidden=(8,))
    x, _ = blobs(5)
    with pytest.raises(ValueError, match="batch_size"):
        pm.train_parametric_map(model, x, pm.mine_neighbours(x, 2), epochs=1, batch_size=1)
    with pytest.raises(ValueError, match="neighbours"):
        pm.train_parametric_map(model, x, pm.mine_neighbours(x[:10], 2), epochs=1)
    with pytest.raises(ValueError, match="train_parametric_map"):
        model.fit(x, epochs=1, verbose=0)


def test_training_with_projection_is_reproducible_and_survives_a_checkpoint(tmp_path):
    from sklearn.decomposition import PCA

    x, _ = blobs(30)
    pca = PCA(6).fit(x)
    graph = pm.mine_neighbours(pca.transform(x), k=3)

    def trained() -> pm.ParametricMap:
        keras.utils.set_random_seed(1)
        model = pm.build_parametric_map(hidden=(8,), pca=pca)
        pm.train_parametric_map(model, x, graph, epochs=3, batch_size=32, seed=4, decoder_epochs=1)
        return model

    first, second = trained(), trained()
    np.testing.assert_allclose(first.embed(x), second.embed(x), atol=1e-5)
    np.testing.assert_allclose(first.encoder.get_layer("pca").get_weights()[0],
                               pca.components_.T / np.sqrt(pca.explained_variance_), atol=1e-5)
    path = tmp_path / "map.keras"
    first.save(path)
    loaded = keras.models.load_model(path, custom_objects={"ParametricMap": pm.ParametricMap})
    np.testing.assert_allclose(loaded.embed(x), first.embed(x), atol=1e-5)
    np.testing.assert_allclose(loaded.decode(np.zeros((2, 2), "float32")), first.decode(np.zeros((2, 2), "float32")), atol=1e-5)


def test_fit_or_load_parametric_map_trains_once_and_keys_on_k(course_env):
    x = np.random.default_rng(0).random((64, 28, 28, 1)).astype("float32")
    kwargs = dict(pca_dims=8, neighbour_dims=8, epochs=1, batch_size=16, decoder_epochs=1, hidden=(8,))
    first = pm.fit_or_load_parametric_map("nb", "map", x, k=3, **kwargs)
    again = pm.fit_or_load_parametric_map("nb", "map", x, k=3, **kwargs)
    assert not first.loaded and again.loaded
    np.testing.assert_allclose(again.model.embed(x[:5]), first.model.embed(x[:5]), atol=1e-5)
    assert not pm.fit_or_load_parametric_map("nb", "map", x, k=4, **kwargs).loaded
    with pytest.raises(ValueError, match="at least neighbour_dims"):
        pm.fit_or_load_parametric_map("nb", "map", x, k=3, pca_dims=4, neighbour_dims=8, epochs=1, batch_size=16)
