"""Latent priors and the ITL regulariser: samplers, Parzen estimators against closed forms, the model."""

import math
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np
import pytest
from conftest import built, smooth_blobs
from keras import ops

from course_lib.models import priors


# ------------------------------------------------------------------ samplers
def test_swiss_roll_lies_on_the_sheet_and_is_seeded():
    pts, t, h = priors.sample_swiss_roll(500, seed=3, return_coords=True)
    assert pts.shape == (500, 3) and pts.dtype == np.float32
    assert np.all((t >= priors.SWISS_T_MIN) & (t <= priors.SWISS_T_MAX))
    assert np.abs(h).max() <= priors.SWISS_HEIGHT / 2
    # radius in the x-z plane equals scale * t: the point is on the spiral, not just anywhere
    np.testing.assert_allclose(np.hypot(pts[:, 0], pts[:, 2]), priors.SWISS_SCALE * t, rtol=1e-5)
    np.testing.assert_array_equal(pts, priors.sample_swiss_roll(500, seed=3))
    assert not np.array_equal(pts, priors.sample_swiss_roll(500, seed=4))


def test_gaussian_moments():
    z = priors.sample_gaussian(20_000, dim=4, seed=0, std=2.0)
    assert z.shape == (20_000, 4)
    np.testing.assert_allclose(z.mean(0), 0.0, atol=0.06)
    np.testing.assert_allclose(z.std(0), 2.0, rtol=0.03)


@pytest.mark.parametrize("dim", [2, 3, 5, 10])
def test_gmm_means_are_separated_and_on_the_sphere(dim):
    m = priors.gmm_means(10, dim, radius=3.0)
    assert m.shape == (10, dim)
    np.testing.assert_allclose(np.linalg.norm(m, axis=1), 3.0, rtol=1e-5)
    d = np.linalg.norm(m[:, None] - m[None], axis=-1) + np.eye(10) * 1e9
    assert d.min() > 0.5


def test_gmm_samples_and_assignment_recover_components():
    pts, comp = priors.sample_gmm(2_000, 10, dim=10, seed=1, radius=3.0, std=0.3, return_components=True)
    assert pts.shape == (2_000, 10) and set(np.unique(comp)) == set(range(10))
    assigned = priors.gmm_assign(pts, priors.gmm_means(10, 10, 3.0))
    assert np.mean(assigned == comp) > 0.99


def test_bad_inputs_give_clear_errors():
    with pytest.raises(ValueError, match="positive integer"):
        priors.sample_gaussian(0)
    with pytest.raises(ValueError, match="3-D"):
        priors.sample_prior("swiss_roll", 10, dim=2)
    with pytest.raises(ValueError, match="unknown prior"):
        priors.sample_prior("banana", 10)
    with pytest.raises(ValueError, match="same d"):
        priors.log_information_potential(np.zeros((4, 3)), np.zeros((4, 2)), 1.0)
    with pytest.raises(ValueError, match="sigma"):
        priors.renyi_quadratic_entropy(np.zeros((4, 3)), 0.0)
    with pytest.raises(ValueError, match="share d"):
        priors.gmm_assign(np.zeros((4, 3)), np.zeros((10, 2)))


# ------------------------------------------------------------------ ITL estimators
def test_information_potential_matches_closed_form_for_two_points():
    # one point each, distance r apart: V = N(r; 0, 2 sigma^2) in d dims
    a, b, sigma = np.zeros((1, 2)), np.array([[3.0, 4.0]]), 1.5
    var = 2 * sigma ** 2
    expected = -25 / (2 * var) - math.log(2 * math.pi * var)
    assert float(priors.log_information_potential(a, b, sigma)) == pytest.approx(expected, rel=1e-5)


def test_entropy_of_a_gaussian_sample_approaches_the_true_value():
    # Renyi quadratic entropy of N(0, s^2 I_d) is d/2 log(4 pi s^2); the Parzen estimate adds sigma^2 to s^2
    z = priors.sample_gaussian(3_000, dim=2, seed=0, std=1.0)
    sigma = 0.1
    expected = 0.5 * 2 * math.log(4 * math.pi * (1.0 + sigma ** 2))
    assert float(priors.renyi_quadratic_entropy(z, sigma)) == pytest.approx(expected, abs=0.05)


def test_spread_out_codes_have_more_entropy_and_cs_divergence_is_zero_for_equal_samples():
    rng = np.random.default_rng(0)
    tight, wide = 0.1 * rng.standard_normal((200, 3)), rng.standard_normal((200, 3))
    assert float(priors.renyi_quadratic_entropy(wide, 0.3)) > float(priors.renyi_quadratic_entropy(tight, 0.3))
    assert float(priors.cauchy_schwarz_divergence(wide, wide, 0.3)) == pytest.approx(0.0, abs=1e-4)
    near = priors.cauchy_schwarz_divergence(wide + 0.1, wide, 0.3)
    far = priors.cauchy_schwarz_divergence(wide + 3.0, wide, 0.3)
    assert 0 < float(near) < float(far)


def test_regulariser_at_half_entropy_weight_is_half_the_cs_divergence_plus_constant():
    rng = np.random.default_rng(1)
    z, p = rng.standard_normal((50, 3)), rng.standard_normal((60, 3)) + 1.0
    sigma = 0.7
    lhs = float(priors.itl_regulariser(z, p, sigma, entropy_weight=0.5))
    rhs = 0.5 * float(priors.cauchy_schwarz_divergence(z, p, sigma)) + 0.5 * float(
        priors.renyi_quadratic_entropy(p, sigma))
    assert lhs == pytest.approx(rhs, rel=1e-4)


def test_silverman_bandwidth_shrinks_with_n_and_is_below_the_roll_gap():
    pool = priors.sample_swiss_roll(5_000)
    small, large = priors.silverman_bandwidth(pool, n=64), priors.silverman_bandwidth(pool, n=1024)
    assert large < small
    gap = 2 * math.pi * priors.SWISS_SCALE  # radial distance between two turns of the roll
    assert priors.silverman_bandwidth(pool, n=128) < gap


def test_regulariser_gradient_pulls_codes_towards_the_prior():
    p = priors.sample_gaussian(256, dim=2, seed=0)
    z = p[:128] + 4.0
    towards = -z.mean(0) / np.linalg.norm(z.mean(0))   # the direction from the cloud's centre to the prior's
    # the cloud as a whole moving towards the prior lowers the loss (a directional derivative, on any backend;
    # individual far codes get tiny, noisy gradients: Parzen kernels only "see" nearby points)
    loss = [float(priors.itl_regulariser(z + t * towards, p, 1.0)) for t in (-1e-2, 1e-2)]
    assert loss[1] < loss[0]


# ------------------------------------------------------------------ model
@pytest.fixture(scope="module")
def images():
    return smooth_blobs()


def test_model_shapes_and_parameter_count(images):
    m = built(priors.PriorAutoencoder("swiss_roll", 3, filters=(8, 16), pool_size=500))
    assert m.encode(images[:5]).shape == (5, 3)
    assert m.decode(np.zeros((4, 3))).shape == (4, 28, 28, 1)
    assert m(images[:2]).shape == (2, 28, 28, 1)
    # conv(1->8) + BN, conv(8->16) + BN, dense(784 -> 3) | dense(3 -> 784) + BN, convT 16->8, convT 8->4, conv 4->1
    enc = 72 + 32 + 1152 + 64 + 784 * 3 + 3
    dec = 3 * 784 + 4 * 784 + 9 * 16 * 8 + 32 + 9 * 8 * 4 + 16 + 9 * 4 + 1
    assert m.count_params() == enc + dec
    with pytest.raises(ValueError, match="latent codes"):
        m.decode(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="unknown prior"):
        priors.PriorAutoencoder("banana")


def test_training_lowers_the_loss_and_the_divergence(images):
    keras.utils.set_random_seed(0)
    m = built(priors.PriorAutoencoder("gaussian", 2, filters=(8, 16), pool_size=2_000, batch_size=32,
                                itl_weight=20.0))
    m.compile(optimizer=keras.optimizers.Adam(3e-3), jit_compile=False)
    before = m.evaluate(images, batch_size=32, verbose=0, return_dict=True)
    d_before = float(priors.cauchy_schwarz_divergence(m.encode(images), m.prior_pool[:500], m.sigma))
    priors.train_prior_autoencoder(m, images, epochs=15, batch_size=32, learning_rate=3e-3, verbose=0)
    after = m.evaluate(images, batch_size=32, verbose=0, return_dict=True)
    d_after = float(priors.cauchy_schwarz_divergence(m.encode(images), m.prior_pool[:500], m.sigma))
    assert after["loss"] < before["loss"]
    assert d_after < d_before


def test_save_and_reload_weights(images, tmp_path):
    m = built(priors.PriorAutoencoder("gmm", 3, filters=(8, 16), pool_size=500))
    path = tmp_path / "m.keras"
    m.save(path)
    again = built(priors.PriorAutoencoder("gmm", 3, filters=(8, 16), pool_size=500))
    again.load_weights(path)
    np.testing.assert_allclose(again.encode(images[:4]), m.encode(images[:4]), atol=1e-5)


def test_fit_or_load_prior_autoencoder_trains_once_and_keys_on_the_prior(course_env):
    x = smooth_blobs(32)
    kwargs = dict(epochs=1, batch_size=16, filters=(4, 8), pool_size=200, verbose=0)
    first = priors.fit_or_load_prior_autoencoder("nb", "itl", x, prior="gaussian", latent_dim=2, **kwargs)
    again = priors.fit_or_load_prior_autoencoder("nb", "itl", x, prior="gaussian", latent_dim=2, **kwargs)
    assert not first.loaded and again.loaded and again.model.get_config()["prior"] == "gaussian"
    np.testing.assert_allclose(again.model.encode(x[:4]), first.model.encode(x[:4]), atol=1e-5)
    assert not priors.fit_or_load_prior_autoencoder("nb", "itl", x, prior="gaussian", latent_dim=2,
                                                    itl_weight=1.0, **kwargs).loaded
