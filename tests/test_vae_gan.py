"""The UNIT-style VAE-GAN translator on tiny generated inputs (seconds, any backend)."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np
import pytest

from course_lib.models import translation as tr
from course_lib.models import vae_gan as vg
from conftest import built
from test_translation import domains  # noqa: F401  (the two scripts' fake digits, a shared fixture)


def small_model(**kwargs) -> vg.VAEGANTranslator:
    keras.utils.set_random_seed(0)
    return built(vg.VAEGANTranslator(latent_dim=4, width=4, hidden=16, **kwargs))


def test_shapes_of_every_path(domains):
    xk, _, xm, _ = domains
    model = small_model()
    for source, x in (("kannada", xk[:5]), ("mnist", xm[:5])):
        assert model.latent_codes(x, source).shape == (5, 4)
        probs = model.class_probabilities(x, source)
        assert probs.shape == (5, 10)
        np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)
        for target in tr.DOMAINS:
            out = model.translate(x, source, target)
            assert out.shape == (5, 28, 28, 1) and out.min() >= 0 and out.max() <= 1
    assert tuple(model(np.zeros((3, 28, 28, 1), "float32")).shape) == (3, 28, 28, 1)


def test_shared_layers_are_shared_and_the_players_split_the_weights():
    model = small_model()
    ids = lambda parts: {id(v) for p in parts for v in p.trainable_variables}
    assert not ids([model.stems["kannada"]]) & ids([model.stems["mnist"]])
    assert not ids([model.heads["kannada"]]) & ids([model.heads["mnist"]])
    translator, critics = ids(model.translator_layers), ids(model.discriminators.values())
    assert not translator & critics
    assert translator | critics == {id(v) for v in model.trainable_variables}  # every weight has one player
    # one shared encoder: changing its last layer moves the codes of both scripts
    x = np.random.default_rng(0).random((2, 28, 28, 1)).astype("float32")
    before = {d: model.latent_codes(x, d) for d in tr.DOMAINS}
    kernel = model.shared_encoder.get_layer("z_mean").kernel
    kernel.assign(kernel * 3.0)
    for d in tr.DOMAINS:
        assert not np.allclose(before[d], model.latent_codes(x, d))


def test_kl_is_zero_for_the_prior_and_positive_elsewhere():
    zeros = np.zeros((4, 3), "float32")
    assert float(vg.gaussian_kl(zeros, zeros)) == pytest.approx(0.0)
    assert float(vg.gaussian_kl(zeros + 1.0, zeros)) == pytest.approx(0.5)
    assert float(vg.gaussian_kl(zeros, zeros + 1.0)) > 0


def test_bad_inputs_give_clear_errors(domains):
    xk, yk, xm, ym = domains
    with pytest.raises(ValueError, match="unknown loss weights"):
        vg.VAEGANTranslator(weights={"semantic": 1.0})
    with pytest.raises(ValueError, match=">= 0"):
        vg.VAEGANTranslator(weights={"gan": -1.0})
    with pytest.raises(ValueError, match="latent_dim, width and hidden"):
        vg.VAEGANTranslator(latent_dim=0)
    with pytest.raises(ValueError, match="confidence"):
        vg.VAEGANTranslator(confidence=1.0)
    with pytest.raises(ValueError, match="build the VAE-GAN"):
        vg.VAEGANTranslator(latent_dim=2, width=2, hidden=4).compile()
    model = small_model()
    with pytest.raises(ValueError, match="unknown domain"):
        model.translate(xk[:2], "kannada", "latin")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        model.translate(np.full((2, 28, 28, 1), 3.0, "float32"), "kannada", "mnist")
    with pytest.raises(ValueError, match="missing"):
        vg.train_vae_gan(model, {"kannada": xk})
    with pytest.raises(ValueError, match="learning_rate"):
        vg.train_vae_gan(model, tr.training_arrays(xk, yk, np.arange(20), xm, ym, length=64), learning_rate=0)


def test_training_moves_both_players_and_teaches_the_latent_classifier(domains):
    xk, yk, xm, ym = domains
    model = small_model()
    arrays = tr.training_arrays(xk, yk, np.arange(40), xm, ym, seed=0)
    d_before = [w.copy() for w in model.discriminators["mnist"].get_weights()]
    g_before = [w.copy() for w in model.heads["mnist"].get_weights()]
    history = vg.train_vae_gan(model, arrays, epochs=6, batch_size=32, learning_rate=3e-3, points_per_epoch=1,
                               jit_compile=False, verbose=0)
    for key in ("loss", "reconstruction", "kl", "gan", "cycle", "classifier", "cycle_class", "d_loss", "d_real",
                "d_fake"):
        assert len(history[key]) == 6 and np.all(np.isfinite(history[key])), key
    assert history["reconstruction"][-1] < history["reconstruction"][0]
    assert history["classifier"][-1] < history["classifier"][0]
    assert history["cycle_class"][0] > 0   # the re-encoded translations are read by the latent classifier
    assert any(not np.array_equal(a, b) for a, b in zip(d_before, model.discriminators["mnist"].get_weights()))
    assert any(not np.array_equal(a, b) for a, b in zip(g_before, model.heads["mnist"].get_weights()))
    # the latent classifier reads the bar position of both scripts (chance is 0.1)
    assert np.mean(model.class_probabilities(xm, "mnist").argmax(1) == ym) > 0.5
    assert np.mean(model.class_probabilities(xk[40:], "kannada").argmax(1) == yk[40:]) > 0.3


def test_fit_or_load_trains_once_and_keys_on_the_weights(course_env, domains):
    xk, yk, xm, ym = domains
    arrays = tr.training_arrays(xk, yk, np.arange(20), xm, ym, seed=0, length=64)
    kwargs = dict(epochs=1, batch_size=32, latent_dim=4, width=4, hidden=16, jit_compile=False, verbose=0)
    first = vg.fit_or_load_vae_gan("nb", "vaegan", arrays, **kwargs)
    again = vg.fit_or_load_vae_gan("nb", "vaegan", arrays, **kwargs)
    assert not first.loaded and again.loaded
    np.testing.assert_allclose(again.model.translate(xk[:4], "kannada", "mnist"),
                               first.model.translate(xk[:4], "kannada", "mnist"), atol=1e-5)
    assert not vg.fit_or_load_vae_gan("nb", "vaegan", arrays, weights={"gan": 0.5}, **kwargs).loaded


def test_the_class_cycle_term_reads_the_reencoded_translations(domains):
    xk, yk, xm, ym = domains
    arrays = tr.training_arrays(xk, yk, np.arange(40), xm, ym, seed=0, length=32)
    batch = {k: v[:32] for k, v in arrays.items()}
    on, off = small_model(), small_model(weights={"cycle_class": 0.0})
    _, terms_on, _ = on.translator_objective(batch)
    _, terms_off, _ = off.translator_objective(batch)
    assert float(terms_on["cycle_class"]) > 0 and float(terms_off["cycle_class"]) == 0.0
    # with the same weights, the total differs by exactly the weighted class-cycle term
    off.set_weights(on.get_weights())
    loss_on, terms_on, _ = on.translator_objective(batch, training=False)
    loss_off, _, _ = off.translator_objective(batch, training=False)
    assert float(loss_on) - float(loss_off) == pytest.approx(float(terms_on["cycle_class"]), rel=1e-3)
