"""Autoencoder builders: exact reference architecture, shapes, training lowers the loss, clear errors."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
import pytest
from conftest import smooth_blobs

import keras
from course_lib.models import autoencoders as ae


@pytest.fixture(scope="module")
def images():
    return smooth_blobs()


def test_reference_parameter_count_and_shapes(images):
    model = ae.build_reference_autoencoder()
    assert model.count_params() == ae.REFERENCE_PARAMS == 49_761
    assert tuple(ae.encoder_of(model).output.shape) == (None, 4, 4, 16)
    assert model.predict(images[:3], verbose=0).shape == (3, 28, 28, 1)
    assert ae.encode(model, images[:3]).shape == (3, 256)
    # the one 'valid' convolution turns 16x16 into 14x14
    valid = [l for l in ae.decoder_of(model).layers if getattr(l, "padding", None) == "valid" and "conv" in l.name]
    assert len(valid) == 1 and valid[0].filters == 64


@pytest.mark.parametrize("code_size", [2, 32])
def test_conv_autoencoder_code_size(images, code_size):
    model = ae.build_conv_autoencoder(code_size, filters=(8, 16))
    assert ae.encode(model, images[:5]).shape == (5, code_size)
    out = model.predict(images[:5], verbose=0)
    assert out.shape == (5, 28, 28, 1) and out.min() >= 0 and out.max() <= 1


def test_one_training_step_lowers_the_loss(images):
    keras.utils.set_random_seed(0)
    model = ae.build_conv_autoencoder(8, filters=(8, 16), learning_rate=1e-2)
    before = model.evaluate(images, images, verbose=0)
    model.fit(images, images, batch_size=64, epochs=5, verbose=0)
    assert model.evaluate(images, images, verbose=0) < before


def test_reference_training_step_lowers_the_loss(images):
    keras.utils.set_random_seed(0)
    model = ae.build_reference_autoencoder(learning_rate=1e-2)
    before = model.evaluate(images, images, verbose=0)
    model.fit(images, images, batch_size=64, epochs=3, verbose=0)
    assert model.evaluate(images, images, verbose=0) < before


def test_per_image_mse_matches_evaluate(images):
    model = ae.build_conv_autoencoder(4, filters=(8, 16))
    recon, errors = ae.per_image_mse(model, images)
    assert recon.shape == images.shape and errors.shape == (len(images),)
    assert np.isclose(errors.mean(), model.evaluate(images, images, verbose=0, batch_size=64), rtol=1e-3)


def test_denoising_model_and_noise(images):
    noisy = ae.add_noise(images, 0.5, seed=1)
    assert noisy.min() >= 0 and noisy.max() <= 1 and not np.allclose(noisy, images)
    np.testing.assert_array_equal(noisy, ae.add_noise(images, 0.5, seed=1))
    model = ae.build_denoising_autoencoder(4, noise_std=0.3, filters=(8, 16))
    assert model.predict(noisy[:2], verbose=0).shape == (2, 28, 28, 1)
    # noise is a training-time layer only: prediction is deterministic
    np.testing.assert_allclose(model.predict(images[:2], verbose=0), model.predict(images[:2], verbose=0))


def test_guided_autoencoder_learns_the_teacher(images):
    keras.utils.set_random_seed(0)
    teacher = np.random.default_rng(0).normal(size=(len(images), 2)).astype(np.float32)
    model = ae.build_guided_autoencoder(2, hidden=(32,), guide_weight=1.0, learning_rate=1e-2)
    out = model.predict(images[:3], verbose=0)
    assert out["code"].shape == (3, 2) and out["reconstruction"].shape == (3, 28, 28, 1)
    h = model.fit(images, {"reconstruction": images, "code": teacher}, epochs=20, batch_size=64, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]


@pytest.mark.parametrize("bad, message", [
    (np.zeros((2, 32, 32, 1), np.float32), "28, 28"),
    (np.full((2, 28, 28, 1), 255.0, np.float32), r"must lie in \[0, 1\]"),
])
def test_bad_inputs_give_clear_errors(bad, message):
    model = ae.build_conv_autoencoder(2, filters=(8, 16))
    with pytest.raises(ValueError, match=message):
        ae.encode(model, bad)


def test_bad_code_size():
    with pytest.raises(ValueError, match="code_size"):
        ae.build_conv_autoencoder(0)


def test_fit_or_load_autoencoder_trains_once_and_keys_on_the_model(course_env):
    x = smooth_blobs(32)
    kwargs = dict(x=x, epochs=1, batch_size=16, validation_x=x[:8], verbose=0)
    first = ae.fit_or_load_autoencoder("nb", "conv", lambda: ae.build_conv_autoencoder(4), **kwargs)
    again = ae.fit_or_load_autoencoder("nb", "conv", lambda: ae.build_conv_autoencoder(4), **kwargs)
    assert not first.loaded and again.loaded and "val_loss" in again.history
    no_bn = ae.fit_or_load_autoencoder("nb", "conv", lambda: ae.build_conv_autoencoder(4, batch_norm=False), **kwargs)
    assert not no_bn.loaded  # same name, same weight count is not enough: the config differs
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        ae.fit_or_load_autoencoder("nb", "conv", ae.build_reference_autoencoder, x * 255,
                                   epochs=1, batch_size=16)


def test_small_nets_of_notebook_06_parameter_counts_and_halves():
    x = np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32")
    linear = ae.build_linear_autoencoder(32)
    assert linear.count_params() == (784 * 32 + 32) + (32 * 784 + 784)
    assert linear.predict(x, verbose=0).shape == (4, 28, 28, 1)
    assert ae.encoder_of(linear).predict(x, verbose=0).shape == (4, 32)
    assert not any(getattr(l, "activation", None) not in (None, keras.activations.linear)
                   for l in ae.encoder_of(linear).layers + ae.decoder_of(linear).layers)
    conv = ae.build_small_conv_autoencoder(16, filters=(8, 16))
    expected = (9 * 8 + 8) + (9 * 8 * 16 + 16) + (7 * 7 * 16 * 16 + 16) + (16 * 7 * 7 * 16 + 7 * 7 * 16) \
        + (9 * 16 * 8 + 8) + (9 * 8 + 1)
    assert conv.count_params() == expected
    assert ae.encode(conv, x).shape == (4, 16)
    assert ae.decoder_of(conv).predict(np.zeros((2, 16), "float32"), verbose=0).shape == (2, 28, 28, 1)
    dec = ae.build_dense_autoencoder(5, hidden=(20, 10))  # hidden=(500, 500, 2000): the DEC / N2D autoencoder
    assert ae.encode(dec, x).shape == (4, 5)


def test_muddle_reference_autoencoder_is_trained_with_binary_cross_entropy():
    model = ae.build_muddle_reference_autoencoder(10)
    assert model.get_compile_config()["loss"] == "binary_crossentropy"
    assert tuple(ae.encoder_of(model).output.shape) == (None, 10)
    out = model.predict(smooth_blobs(3), verbose=0)
    assert out.shape == (3, 28, 28, 1) and 0 <= out.min() and out.max() <= 1


@pytest.mark.parametrize("build", [ae.build_linear_autoencoder, ae.build_small_conv_autoencoder,
                                   ae.build_dense_autoencoder, ae.build_muddle_reference_autoencoder])
@pytest.mark.parametrize("code_size", [0, -3, 2.5, "8", True])
def test_every_builder_rejects_a_bad_code_size(build, code_size):
    with pytest.raises(ValueError, match="code_size must be a positive integer"):
        build(code_size)


def test_numpy_integer_code_sizes_are_welcome():
    assert ae.encode(ae.build_linear_autoencoder(np.int64(3)), smooth_blobs(2)).shape == (2, 3)


def test_small_conv_training_step_lowers_the_loss():
    keras.utils.set_random_seed(0)
    model = ae.build_small_conv_autoencoder(8, filters=(4, 8), learning_rate=3e-3)
    x = np.random.default_rng(0).random((32, 28, 28, 1)).astype("float32") ** 4
    before = float(model.evaluate(x, x, verbose=0))
    model.fit(x, x, epochs=3, batch_size=32, verbose=0)
    assert float(model.evaluate(x, x, verbose=0)) < before


def test_fit_or_load_caches_a_linear_autoencoder_and_its_encoder_reloads(course_env):
    x = np.random.default_rng(0).random((16, 28, 28, 1)).astype("float32")
    first = ae.fit_or_load_autoencoder("nb06", "linear", lambda: ae.build_linear_autoencoder(4), x, epochs=1,
                                       batch_size=8, verbose=0)
    second = ae.fit_or_load_autoencoder("nb06", "linear", lambda: ae.build_linear_autoencoder(4), x, epochs=1,
                                        batch_size=8, verbose=0)
    assert not first.loaded and second.loaded
    np.testing.assert_allclose(ae.encode(first.model, x), ae.encode(second.model, x), rtol=1e-5, atol=1e-6)
