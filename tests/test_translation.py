"""The shared-latent translator and the same-labels CNN baseline, on tiny generated inputs (seconds)."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np
import pytest
from conftest import built

from course_lib.models import translation as tr


def fake_digits(n: int, seed: int, shift: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """uint8 (n, 28, 28) images whose class c is a bright bar at row 2c (+shift): learnable, no downloads."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    x = (rng.random((n, 28, 28)) * 40).astype(np.uint8)
    for i, c in enumerate(y):
        r = 2 * c + 4 + shift
        x[i, r:r + 3, 4:24] = 255
    return x, y.astype(np.int64)


@pytest.fixture(scope="module")
def domains():
    xk, yk = fake_digits(256, 0)
    xm, ym = fake_digits(256, 1, shift=1)
    return xk, yk, xm, ym


def small_model(**kwargs) -> tr.SharedLatentTranslator:
    keras.utils.set_random_seed(0)
    return built(tr.SharedLatentTranslator(style_dim=4, width=4, hidden=16, **kwargs))


def test_labelled_count_understands_the_grid():
    assert tr.labelled_count("none", 60_000) == 0
    assert tr.labelled_count(0, 60_000) == 0
    assert tr.labelled_count("10", 60_000) == 10
    assert tr.labelled_count("1%", 60_000) == 600
    assert tr.labelled_count(0.05, 60_000) == 3_000
    assert tr.labelled_count("100%", 60_000) == 60_000
    assert tr.labelled_count(1.0, 60_000) == 60_000
    assert tr.labelled_count("1%", 768) == 10  # a fraction of a small subset still covers every class
    assert [tr.row_key(s) for s in ("none", "10", "1%", "100%")] == ["none", "10labels", "1pct", "100pct"]
    for bad, message in [("five", "not understood"), (5, "cannot cover"), (1.5, "fraction"), (-3, ">= 0"),
                         (70_000, "only 60000")]:
        with pytest.raises(ValueError, match=message):
            tr.labelled_count(bad, 60_000)


def test_shapes_of_every_path(domains):
    xk, _, xm, _ = domains
    model = small_model()
    for source in tr.DOMAINS:
        x = xk[:5] if source == "kannada" else xm[:5]
        assert model.latent_codes(x, source).shape == (5, 10 + 4)
        assert model.class_probabilities(x, source).shape == (5, 10)
        np.testing.assert_allclose(model.class_probabilities(x, source).sum(1), 1.0, rtol=1e-5)
        for target in tr.DOMAINS:
            out = model.translate(x, source, target)
            assert out.shape == (5, 28, 28, 1) and out.min() >= 0 and out.max() <= 1
    assert tuple(model(np.zeros((3, 28, 28, 1), "float32")).shape) == (3, 28, 28, 1)


def test_shared_layers_are_really_shared():
    model = small_model()
    # one shared encoder and decoder object, used by both domains; the stems and heads are separate
    assert model.stems["kannada"] is not model.stems["mnist"]
    assert model.heads["kannada"] is not model.heads["mnist"]
    ids = lambda layer: {id(w) for w in layer.weights}
    assert not ids(model.stems["kannada"]) & ids(model.stems["mnist"])
    n_total = model.count_params()
    n_parts = (sum(s.count_params() for s in model.stems.values()) + sum(h.count_params() for h in model.heads.values())
               + model.shared_encoder.count_params() + model.shared_decoder.count_params())
    assert n_total == n_parts  # nothing counted twice, nothing hidden
    # changing a shared weight changes the codes of *both* domains
    x = np.random.default_rng(0).random((2, 28, 28, 1)).astype("float32")
    before = {d: model.latent_codes(x, d) for d in tr.DOMAINS}
    kernel = model.shared_encoder.get_layer("class_logits").kernel
    kernel.assign(kernel * 5.0)  # sharper logits for every domain
    for d in tr.DOMAINS:
        assert not np.allclose(before[d][:, :10], model.latent_codes(x, d)[:, :10])


@pytest.mark.parametrize("n_labels", [0, 10, 40])
def test_training_arrays_and_label_fraction(domains, n_labels):
    xk, yk, xm, ym = domains
    idx = np.arange(n_labels) * 5
    arrays = tr.training_arrays(xk, yk, idx, xm, ym, seed=0)
    assert set(arrays) == set(tr.ARRAY_KEYS)
    assert all(len(v) == len(xk) for v in arrays.values())
    assert arrays["kannada"].dtype == np.uint8
    if n_labels:
        assert np.all(arrays["labelled_w"] == 1)
        # every labelled image comes from the labelled index, with its own label: nothing else leaks
        lab_rows = {xk[i].tobytes(): yk[i] for i in idx}
        assert all(lab_rows[img.tobytes()] == lab for img, lab in zip(arrays["labelled"][:50], arrays["labelled_y"][:50]))
    else:
        assert np.all(arrays["labelled_w"] == 0)


def test_bad_inputs_give_clear_errors(domains):
    xk, yk, xm, ym = domains
    with pytest.raises(ValueError, match="uint8 images"):
        tr.training_arrays(xk.astype("float32"), yk, [], xm, ym)
    with pytest.raises(ValueError, match="outside"):
        tr.training_arrays(xk, yk, [10_000], xm, ym)
    with pytest.raises(ValueError, match="unknown loss weights"):
        tr.SharedLatentTranslator(weights={"gan": 1.0})
    with pytest.raises(ValueError, match="judge"):
        tr.SharedLatentTranslator(weights={"semantic": 1.0})
    model = small_model()
    with pytest.raises(ValueError, match="unknown domain"):
        model.translate(xk[:2], "kannada", "latin")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        model.translate(np.full((2, 28, 28, 1), 3.0, "float32"), "kannada", "mnist")
    with pytest.raises(ValueError, match="missing"):
        tr.train_translator(model, {"kannada": xk})
    with pytest.raises(ValueError, match="same number|as many"):
        tr.train_kannada_cnn(tr.build_kannada_cnn(width=4), xk[:5], yk[:4], steps=1)


@pytest.mark.parametrize("n_labels", [0, 20])
def test_one_train_step_lowers_the_loss(domains, n_labels):
    xk, yk, xm, ym = domains
    model = small_model(weights={"cycle": 0.5})
    arrays = tr.training_arrays(xk, yk, np.arange(n_labels), xm, ym, seed=0, length=64)
    batch = {k: v[:64] for k, v in arrays.items()}
    model.compile(optimizer=keras.optimizers.Adam(3e-3), run_eagerly=True)  # eager: no slow graph tracing
    keras.utils.set_random_seed(1)
    before = float(model.loss_terms(batch, training=False)["loss"])
    for _ in range(3):
        logs = model.train_on_batch(batch, return_dict=True)
    after = float(model.loss_terms(batch, training=False)["loss"])
    assert np.isfinite(logs["loss"]) and after < before
    if n_labels == 0:
        assert float(model.loss_terms(batch)["supervised"]) > 0  # the MNIST labels still teach the class head


def test_semantic_term_uses_a_frozen_judge(domains):
    xk, yk, xm, ym = domains
    judge = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
    frozen = [w.numpy().copy() for w in judge.weights]
    model = small_model(weights={"semantic": 1.0}, judge=judge, confidence=0.05, semantic_batch=8)
    assert model.count_params() == small_model().count_params()  # the judge is not part of the model
    arrays = tr.training_arrays(xk, yk, np.arange(20), xm, ym, seed=0, length=32)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), run_eagerly=True)
    logs = model.train_on_batch(arrays, return_dict=True)
    assert logs["semantic"] > 0
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(frozen, judge.weights))


def test_train_translator_history_and_checkpoint_roundtrip(domains, tmp_path):
    xk, yk, xm, ym = domains
    model = small_model()
    arrays = tr.training_arrays(xk, yk, np.arange(20), xm, ym, seed=0, length=128)
    history = tr.train_translator(model, arrays, epochs=1, batch_size=32, points_per_epoch=2, verbose=0,
                                   run_eagerly=True)
    assert len(history["loss"]) == 2 and all(np.isfinite(history["loss"]))
    path = tmp_path / "t.keras"
    model.save(path)
    again = small_model()
    again.load_weights(path)
    np.testing.assert_allclose(again.translate(xk[:4], "kannada", "mnist"), model.translate(xk[:4], "kannada", "mnist"),
                               atol=1e-6)


def test_augment_keeps_range_and_identity_when_not_training():
    x = np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32")
    aug = tr.Augment(1.5, cutout=8, seed=0)
    np.testing.assert_array_equal(np.asarray(aug(x, training=False)), x)
    out = np.asarray(aug(x, training=True))
    assert out.shape == x.shape and out.min() >= 0 and out.max() <= 1 and not np.allclose(out, x)


def test_scores_are_invariant_to_renaming():
    y = np.repeat(np.arange(10), 5)
    renamed = (y + 3) % 10
    s = tr.scores(y, renamed)
    assert s["acc"] == 0.0 and s["hungarian"] == pytest.approx(1.0) and s["fms"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="need equally many true and predicted labels, got 50 and 3"):
        tr.scores(y, y[:3])


def test_same_labels_cnn_learns_the_fake_digits(domains):
    xk, yk, _, _ = domains
    keras.utils.set_random_seed(0)
    cnn = tr.build_kannada_cnn(width=4)
    history = tr.train_kannada_cnn(cnn, xk[:100], yk[:100], steps=30, batch_size=32, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert tr.predict_classes(cnn, xk[100:]).shape == (len(xk) - 100,)
    assert np.mean(tr.predict_classes(cnn, xk[100:]) == yk[100:]) > 0.3  # chance is 0.1


def test_fit_or_load_translator_and_cnn_train_once_and_key_on_the_weights(course_env, domains):
    xk, yk, xm, ym = domains
    arrays = tr.training_arrays(xk, yk, np.arange(20), xm, ym, seed=0, length=64)
    kwargs = dict(epochs=1, batch_size=32, style_dim=4, width=4, hidden=16, verbose=0)
    first = tr.fit_or_load_translator("nb", "slt", arrays, **kwargs)
    again = tr.fit_or_load_translator("nb", "slt", arrays, **kwargs)
    assert not first.loaded and again.loaded
    assert not tr.fit_or_load_translator("nb", "slt", arrays, weights={"cycle": 0.5}, **kwargs).loaded
    cnn_args = dict(steps=2, batch_size=8, epochs=1, width=4, verbose=0)
    x = xk[:20].astype("float32")[..., None] / 255.0
    assert not tr.fit_or_load_kannada_cnn("nb", "cnn", x, yk[:20], **cnn_args).loaded
    assert tr.fit_or_load_kannada_cnn("nb", "cnn", x, yk[:20], **cnn_args).loaded


def test_style_swap_draws_every_digit_in_one_style(domains):
    xk, _, _, _ = domains
    model = small_model()
    grid = model.style_swap(xk[:3], "kannada", "mnist")
    assert grid.shape == (3, 10, 28, 28, 1) and grid.min() >= 0 and grid.max() <= 1
    assert not np.allclose(grid[0, 0], grid[0, 1])  # the class part changes the drawing
    with pytest.raises(ValueError, match="unknown domain"):
        model.style_swap(xk[:3], "kannada", "latin")


def test_fixmatch_classifier_is_the_translators_encoder_without_decoders(domains):
    xk, yk, xm, ym = domains
    keras.utils.set_random_seed(0)
    model = built(tr.FixMatchClassifier(style_dim=4, width=4, hidden=16, confidence=0.5))
    translator = small_model()
    assert model.count_params() == translator.stems["kannada"].count_params() + translator.shared_encoder.count_params()
    arrays = tr.training_arrays(xk, yk, np.arange(40), xm, ym, seed=0)
    history = tr.train_translator(model, arrays, epochs=4, batch_size=32, points_per_epoch=1, verbose=0)
    assert {"loss", "supervised", "fixmatch", "balance", "mask_rate"} <= set(history)
    assert history["supervised"][-1] < history["supervised"][0]
    assert np.mean(model.class_probabilities(xk[40:]).argmax(1) == yk[40:]) > 0.3  # chance is 0.1
    with pytest.raises(ValueError, match="unknown loss weights"):
        tr.FixMatchClassifier(weights={"reconstruction": 1.0})
    with pytest.raises(ValueError, match="Kannada images only"):
        model.class_probabilities(xm[:2], "mnist")
    with pytest.raises(ValueError, match="missing"):
        model.compute_loss({"kannada": xk[:2]})


def test_fit_or_load_fixmatch_trains_once(course_env, domains):
    xk, yk, xm, ym = domains
    arrays = tr.training_arrays(xk, yk, np.arange(20), xm, ym, seed=0, length=64)
    kwargs = dict(epochs=1, batch_size=32, style_dim=4, width=4, hidden=16, verbose=0)
    assert not tr.fit_or_load_fixmatch("nb", "fm", arrays, **kwargs).loaded
    assert tr.fit_or_load_fixmatch("nb", "fm", arrays, **kwargs).loaded


def test_semantic_term_reads_a_warped_copy_of_the_translation(domains):
    xk, yk, xm, ym = domains
    judge = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
    plain = small_model(weights={"semantic": 1.0}, judge=judge, confidence=0.05, semantic_batch=8, semantic_augment=0.0)
    warped = small_model(weights={"semantic": 1.0}, judge=judge, confidence=0.05, semantic_batch=8)
    assert warped.get_config()["semantic_augment"] == 1.0  # the default: part of the config, hence of the cache key
    warped.set_weights(plain.get_weights())
    batch = {k: v[:16] for k, v in tr.training_arrays(xk, yk, np.arange(20), xm, ym, seed=0, length=16).items()}
    # outside training both read the translation as drawn; in training only the warped model warps it
    assert float(plain.loss_terms(batch, training=False)["semantic"]) == pytest.approx(
        float(warped.loss_terms(batch, training=False)["semantic"]), rel=1e-5)
    assert float(plain.loss_terms(batch)["semantic"]) != pytest.approx(float(warped.loss_terms(batch)["semantic"]), rel=1e-4)
