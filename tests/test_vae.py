"""VAE / CVAE: shapes, parameter counts, a training step lowers the loss, ELBO/IWAE maths."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from conftest import built

from course_lib.models import vae as vae_lib
from course_lib.models.vae import VAE


def _blobs(n=128, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    x = np.zeros((n, 28, 28, 1), "float32")
    for i, label in enumerate(y):
        r = 2 + 2 * label
        x[i, r:r + 4, 4:24] = 0.9
    return np.clip(x + 0.05 * rng.random(x.shape).astype("float32"), 0, 1), y


def test_encoder_decoder_shapes_and_parameter_counts():
    enc = vae_lib.build_encoder(latent_dim=2)
    dec = vae_lib.build_decoder(latent_dim=2)
    assert [tuple(t.shape) for t in enc.outputs] == [(None, 2), (None, 2)]
    assert dec.output_shape == (None, 28, 28, 1)
    # conv 16*9+16, conv 32*16*9+32, dense 1568*256+256, two heads 257*2 each
    assert enc.count_params() == 160 + 4_640 + 401_664 + 2 * 514
    cond = vae_lib.build_encoder(latent_dim=2, num_classes=10)
    assert cond.count_params() == enc.count_params() + 10 * 256


def test_vae_builds_and_round_trips_shapes():
    model = built(VAE(latent_dim=3))
    x, _ = _blobs(4)
    assert model.encode_mean(x).shape == (4, 3)
    assert model.decode(np.zeros((5, 3))).shape == (5, 28, 28, 1)
    assert model.sample(6).shape == (6, 28, 28, 1)
    with pytest.raises(ValueError, match="latent codes"):
        model.decode(np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        model.encode_mean(x * 255)


def test_cvae_needs_labels():
    model = built(VAE(latent_dim=2, num_classes=10))
    with pytest.raises(ValueError, match="labels"):
        model.decode(np.zeros((2, 2)))
    out = model.decode(np.zeros((2, 2)), labels=np.array([3, 7]))
    soft = model.decode(np.zeros((2, 2)), labels=np.eye(10, dtype="float32")[[3, 7]])
    np.testing.assert_allclose(out, soft, atol=1e-6)


@pytest.mark.parametrize("num_classes", [0, 10])
def test_training_lowers_the_loss_and_tracks_terms(num_classes):
    import keras

    keras.utils.set_random_seed(0)
    x, y = _blobs(256)
    model = built(VAE(latent_dim=4, num_classes=num_classes))
    history = vae_lib.train_vae(model, x, y if num_classes else None, epochs=3, batch_size=64, verbose=0)
    h = history.history
    assert set(h) >= {"loss", "reconstruction", "kl"}
    assert h["loss"][-1] < h["loss"][0]
    np.testing.assert_allclose(np.array(h["reconstruction"]) + np.array(h["kl"]), h["loss"], rtol=1e-4)


def test_beta_weights_the_kl_term():
    import keras

    keras.utils.set_random_seed(0)
    model = built(VAE(latent_dim=4, beta=4.0, dynamic_binarization=False))
    x, _ = _blobs(16)
    rec, kl, total = (float(t) for t in model.loss_terms(x))
    assert total == pytest.approx(rec + 4.0 * kl, rel=1e-5)


def test_untrained_decoder_nll_is_near_784_log2_and_iwae_is_tighter():
    """A decoder with zero logits gives p = 1/2 for every pixel: -log p(x) = 784 log 2 exactly."""
    model = built(VAE(latent_dim=2))
    for w in model.decoder.get_layer("logits").weights:
        w.assign(np.zeros(w.shape, "float32"))
    x = vae_lib.binarize_fixed(_blobs(20)[0], seed=0)
    res = vae_lib.evaluate_nll(model, x, k=20)
    mean, log_var = (keras.ops.convert_to_numpy(t) for t in model.encode(x))
    kl = float(np.mean(0.5 * np.sum(np.exp(log_var) + np.square(mean) - 1 - log_var, axis=1)))
    assert res["neg_elbo"] == pytest.approx(784 * math.log(2) + kl, rel=0.02)
    assert res["nll_iwae"] <= res["neg_elbo"] + 1e-6
    assert res["nll_iwae"] >= 784 * math.log(2) - 1.0  # the bound cannot beat the exact NLL by much


def test_evaluate_nll_rejects_grey_images():
    model = built(VAE(latent_dim=2))
    with pytest.raises(ValueError, match="binary"):
        vae_lib.evaluate_nll(model, np.full((2, 28, 28, 1), 0.5, "float32"))


def test_fit_or_load_vae_trains_once_and_keys_on_beta(course_env):
    x, y = _blobs(32)
    kwargs = dict(epochs=1, batch_size=16, latent_dim=2, verbose=0)
    first = vae_lib.fit_or_load_vae("nb", "vae", x, **kwargs)
    again = vae_lib.fit_or_load_vae("nb", "vae", x, **kwargs)
    assert not first.loaded and again.loaded and isinstance(again.model, VAE)
    assert again.model.get_config()["latent_dim"] == 2
    assert not vae_lib.fit_or_load_vae("nb", "vae", x, beta=0.5, **kwargs).loaded
    with pytest.raises(ValueError, match="trained with labels"):
        vae_lib.fit_or_load_vae("nb", "cvae", x, num_classes=10, **kwargs)
