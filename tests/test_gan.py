"""GAN / AC-GAN: shapes, parameter counts, each player's step lowers its loss, truncation."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from conftest import built

from course_lib.models import gan as gan_lib
from course_lib.models.gan import GAN


def _stripes(n=64, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    x = np.zeros((n, 28, 28, 1), "float32")
    for i, label in enumerate(y):
        x[i, 2 + 2 * label:6 + 2 * label, 4:24] = 0.9
    return np.clip(x + 0.05 * rng.random(x.shape).astype("float32"), 0, 1), y


def test_generator_discriminator_shapes_and_parameter_counts():
    g = gan_lib.build_generator(latent_dim=64, width=16)
    d = gan_lib.build_discriminator(width=16)
    assert g.output_shape == (None, 28, 28, 1)
    assert d.output_shape == (None, 1)
    # dense 64*3136 (no bias) + BN 4*3136, convT 4*4*64*32 + BN 4*32, convT 4*4*32 + 1
    assert g.count_params() == 200_704 + 12_544 + 32_768 + 128 + 513
    # conv 16*16+16, conv 4*4*16*32+32, dense 1568*128+128, logit 129
    assert d.count_params() == 272 + 8_224 + 200_832 + 129
    gc = gan_lib.build_generator(latent_dim=64, num_classes=10, width=16)
    dc = gan_lib.build_discriminator(num_classes=10, width=16)
    assert gc.count_params() == g.count_params() + 10 * 3136
    assert dc.count_params() == d.count_params() + 128 * 10 + 10  # the auxiliary class head
    assert [tuple(o.shape) for o in dc.outputs] == [(None, 1), (None, 10)]


def test_auxiliary_class_head_shapes_and_errors():
    cond = built(GAN(latent_dim=8, num_classes=10, width=8))
    x = np.zeros((3, 28, 28, 1), "float32")
    assert tuple(cond.discriminate(x).shape) == (3, 1)
    assert tuple(cond.classify(x).shape) == (3, 10)
    with pytest.raises(ValueError, match="no class head"):
        built(GAN(latent_dim=8, width=8)).classify(x)


def test_infogan_code_input_head_and_errors():
    info = built(GAN(latent_dim=8, width=8, info_codes=10, seed=0))
    x = np.zeros((3, 28, 28, 1), "float32")
    assert [tuple(i.shape) for i in info.generator.inputs] == [(None, 8), (None, 10)]
    assert tuple(info.classify(x).shape) == (3, 10)              # Q, D's second head
    assert not info.conditional and info.code_size == 10
    a, b = info.sample(6, seed=3), info.sample(6, seed=3)
    np.testing.assert_array_equal(a, b)                           # codes drawn from the sample seed too
    z = np.zeros((2, 8), "float32")
    assert not np.allclose(info.decode(z, labels=[0, 0])[0], info.decode(z, labels=[1, 1])[0])  # the code matters
    for bad in [dict(info_codes=-1), dict(info_codes=10, num_classes=10), dict(info_codes=10, info_weight=-1.0)]:
        with pytest.raises(ValueError, match="info_codes"):
            GAN(latent_dim=8, width=8, **bad)


def test_infogan_training_makes_the_code_recoverable_from_the_image():
    # Q's accuracy at naming the code of generated images starts at chance (0.1) and must rise: that is the
    # mutual-information term at work (no labels anywhere)
    keras.utils.set_random_seed(0)
    x, _ = _stripes(64)
    model = built(GAN(latent_dim=8, width=8, info_codes=10, seed=0))
    history = gan_lib.train_gan(model, x, epochs=4, batch_size=32, steps_per_epoch=10, jit_compile=False,
                                learning_rate=5e-3, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "d_real", "d_fake", "class_acc_fake"}
    assert history.history["class_acc_fake"][0] < 0.3
    assert history.history["class_acc_fake"][-1] > 0.5


def test_truncated_normal_sampler_bounds_and_reproducibility():
    z = gan_lib.truncated_normal(4000, 8, truncation=0.5, seed=1)
    assert z.shape == (4000, 8) and z.dtype == np.float32
    assert np.abs(z).max() <= 0.5
    assert z.std() == pytest.approx(0.28, abs=0.02)  # std of N(0, 1) truncated to [-0.5, 0.5] is 0.2837
    np.testing.assert_array_equal(z, gan_lib.truncated_normal(4000, 8, truncation=0.5, seed=1))
    plain = gan_lib.truncated_normal(5, 8, None, seed=2)  # no truncation = the plain prior
    np.testing.assert_array_equal(plain, np.random.default_rng(2).standard_normal((5, 8)).astype("float32"))
    with pytest.raises(ValueError, match="truncation"):
        gan_lib.truncated_normal(5, 8, truncation=0.0)
    model = built(GAN(latent_dim=8, width=8))
    np.testing.assert_allclose(model.sample(3, seed=4, truncation=0.7),
                               model.decode(gan_lib.truncated_normal(3, 8, 0.7, seed=4)))


def test_gan_samples_are_images_in_unit_range_and_reproducible():
    model = built(GAN(latent_dim=8, width=8))
    a = model.sample(5, seed=3)
    assert a.shape == (5, 28, 28, 1)
    assert 0.0 <= a.min() and a.max() <= 1.0
    np.testing.assert_allclose(a, model.sample(5, seed=3))
    cond = built(GAN(latent_dim=8, num_classes=10, width=8))
    assert cond.sample(4, labels=np.arange(4)).shape == (4, 28, 28, 1)


def test_bad_inputs_give_clear_errors():
    cond = built(GAN(latent_dim=8, num_classes=10, width=8))
    with pytest.raises(ValueError, match="needs labels"):
        cond.sample(3)
    with pytest.raises(ValueError, match="0..9"):
        cond.sample(2, labels=np.array([3, 12]))
    with pytest.raises(ValueError, match=r"\(N, 8\)"):
        cond.decode(np.zeros((2, 5)), labels=np.zeros(2, int))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        gan_lib.train_gan(built(GAN(latent_dim=8, width=8)), np.full((4, 28, 28, 1), 255.0), epochs=1)
    with pytest.raises(ValueError, match="latent_dim"):
        GAN(latent_dim=0)


def test_losses_match_binary_cross_entropy():
    logits = np.array([[0.0], [2.0], [-1.0]], "float32")
    # -log sigmoid(l) averaged, and -log(1 - sigmoid(l)) averaged
    nonsat = np.mean(np.log1p(np.exp(-logits)))
    assert float(GAN.generator_loss(logits)) == pytest.approx(nonsat, rel=1e-5)
    d = float(GAN.discriminator_loss(logits, logits))
    assert d == pytest.approx(np.mean(np.log1p(np.exp(-logits))) + np.mean(np.log1p(np.exp(logits))), rel=1e-5)
    # an undecided discriminator (logit 0) has loss 2 log 2
    zero = np.zeros((4, 1), "float32")
    assert float(GAN.discriminator_loss(zero, zero)) == pytest.approx(2 * math.log(2), rel=1e-6)


def _fixed_losses(model, x, z, labels=None):
    """Each player's full objective (adversarial + auxiliary class terms for the AC-GAN) on fixed data."""
    fake = model.generate(z, labels)
    d = float(GAN.discriminator_loss(model.discriminate(x), model.discriminate(fake)))
    g = float(GAN.generator_loss(model.discriminate(fake)))
    if labels is not None:
        onehot = np.eye(10, dtype="float32")[labels]
        d += float(GAN.class_loss(model.classify(x), onehot))
        g += float(GAN.class_loss(model.classify(fake), onehot))
    return d, g


@pytest.mark.parametrize("num_classes", [0, 10])
def test_each_players_step_lowers_its_own_loss(num_classes):
    keras.utils.set_random_seed(0)
    x, y = _stripes(32)
    labels = y if num_classes else None
    model = built(GAN(latent_dim=8, num_classes=num_classes, width=8, seed=0))
    z = np.random.default_rng(1).standard_normal((32, 8)).astype("float32")
    d0, _ = _fixed_losses(model, x, z, labels)
    # discriminator only (generator learning rate 0)
    model.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.SGD(0.0))
    model.fit(x, labels, epochs=3, batch_size=32, verbose=0)
    d1, g1 = _fixed_losses(model, x, z, labels)
    assert d1 < d0
    # generator only (discriminator learning rate 0)
    model.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.Adam(1e-3))
    history = model.fit(x, labels, epochs=3, batch_size=32, verbose=0)
    _, g2 = _fixed_losses(model, x, z, labels)
    assert g2 < g1
    expected = {"d_loss", "g_loss", "d_real", "d_fake"} | ({"class_acc_real", "class_acc_fake"} if num_classes else set())
    assert set(history.history) == expected
    assert all(0.0 <= v <= 1.0 for v in history.history["d_real"] + history.history["d_fake"])


def test_steps_per_epoch_stream():
    # XLA (train_gan's default) is left to the notebook's smoke run: compiling it here would cost ~8 s
    keras.utils.set_random_seed(0)
    x, y = _stripes(40)
    model = built(GAN(latent_dim=8, num_classes=10, width=8, ema_decay=0.9, seed=0))
    history = gan_lib.train_gan(model, x, y, epochs=2, batch_size=16, steps_per_epoch=3, jit_compile=False,
                                learning_rate=1e-3, verbose=0)
    assert len(history.history["d_loss"]) == 2 and float(model.ema_steps) == 6.0  # 2 x 3 steps, partial batches dropped
    assert all(np.isfinite(v) for v in history.history["g_loss"])


def test_fit_or_load_gan_keeps_frames_and_reloads(tmp_path, monkeypatch):
    from course_lib import config

    monkeypatch.setenv("COURSE_CHECKPOINT_DIR", str(tmp_path))
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    config.reload()
    try:
        x, _ = _stripes(32)
        z = np.random.default_rng(0).standard_normal((6, 8)).astype("float32")
        kwargs = dict(notebook="test_gan", name="tiny", build=lambda: built(GAN(latent_dim=8, width=8)),
                      x=x, epochs=2, batch_size=16, snapshot_z=z, settings={"v": 1}, verbose=0,
                      jit_compile=False)
        first, frames = gan_lib.fit_or_load_gan(**kwargs)
        assert not first.loaded and frames.shape == (3, 6, 28, 28, 1)
        second, frames2 = gan_lib.fit_or_load_gan(**kwargs)
        assert second.loaded and frames2.shape == frames.shape
        np.testing.assert_allclose(second.model.decode(z), first.model.decode(z), atol=1e-6)
        gif = gan_lib.animation_gif(frames2, tmp_path / "a.gif", ncols=3)
        assert gif.read_bytes()[:6] in (b"GIF89a", b"GIF87a")
    finally:
        monkeypatch.undo()
        config.reload()


def test_ema_generator_is_used_for_sampling_and_tracks_the_trained_weights():
    keras.utils.set_random_seed(0)
    x, _ = _stripes(32)
    model = built(GAN(latent_dim=8, width=8, ema_decay=0.9, seed=0))
    z = np.random.default_rng(0).standard_normal((4, 8)).astype("float32")
    np.testing.assert_allclose(model.decode(z), keras.ops.convert_to_numpy(model.generate(z, averaged=False)),
                               atol=1e-6)  # starts as a copy
    gan_lib.train_gan(model, x, epochs=2, batch_size=16, learning_rate=1e-3, verbose=0, jit_compile=False)
    ema = model.decode(z)
    raw = keras.ops.convert_to_numpy(model.generate(z, averaged=False))
    assert ema.shape == raw.shape and not np.allclose(ema, raw)
    assert float(model.ema_steps) == 4.0
    with pytest.raises(ValueError, match="ema_decay"):
        built(GAN(latent_dim=8, width=8)).generate(z, averaged=True)
