"""The shared MNIST classifier: architecture, input checks, training step, cache behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.models import classifiers


def test_cnn_shapes_and_parameter_count():
    model = classifiers.build_mnist_cnn()
    assert model.output_shape == (None, 10)
    assert model.get_layer(classifiers.FEATURE_LAYER).output.shape[-1] == 128
    # convs 288 + 9216 + 18432 + 36864, BNs 4*(32+32+64+64), dense 3136*128+128, logits 1290
    assert model.count_params() == 288 + 9_216 + 18_432 + 36_864 + 4 * 192 + 401_536 + 1_290


def test_examiner_is_built_differently_from_the_judge():
    examiner = classifiers.build_examiner_cnn()
    assert examiner.output_shape == (None, 10)
    assert examiner.get_layer(classifiers.FEATURE_LAYER).output.shape[-1] == 128
    # conv 5x5x1x32 + 32, conv 5x5x32x64 + 64, dense 3136*128 + 128, logits 1290
    assert examiner.count_params() == 832 + 51_264 + 401_536 + 1_290
    kinds = {type(layer).__name__ for layer in examiner.layers}
    assert "BatchNormalization" not in kinds and "MaxPooling2D" not in kinds
    judge_spec, examiner_spec = classifiers.ROLES["judge"], classifiers.ROLES["examiner"]
    assert judge_spec.build is not examiner_spec.build and judge_spec.name != examiner_spec.name
    assert judge_spec.seed_offset != examiner_spec.seed_offset
    assert judge_spec.sizes_key != examiner_spec.sizes_key


def test_unknown_role_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown classifier role 'refree'.*judge, examiner"):
        classifiers.is_cached("refree")


def _toy_digits(n=256, seed=0):
    """Two trivially separable 'digits': a bright left half vs a bright right half."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.random((n, 28, 28, 1)).astype("float32") * 0.2
    x[y == 0, :, :14] += 0.7
    x[y == 1, :, 14:] += 0.7
    return np.clip(x, 0, 1), y


def test_training_lowers_the_loss_and_wrapper_answers():
    import keras

    keras.utils.set_random_seed(0)
    x, y = _toy_digits()
    model = classifiers.build_mnist_cnn(width=4, feature_dim=16)
    # 48 steps at a learning rate for a tiny model: with 24 steps at the MNIST rate, a quarter of the seeds failed
    # on every backend (some never learned; in others batch norm's running averages, momentum 0.9, still kept 8 %
    # of their initial values, so inference-mode predictions differed from training-mode ones).
    history = classifiers.train_mnist_cnn(model, x, y, epochs=6, batch_size=32, learning_rate=5e-3, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
    judge = classifiers.MnistClassifier((model,))
    probs = judge.predict_proba(x[:10])
    assert probs.shape == (10, 10) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert judge.features(x[:10]).shape == (10, 16)
    assert judge.accuracy(x, y) > 0.9
    with pytest.raises(ValueError, match="labels"):
        judge.accuracy(x, y[:-1])
    assert judge.model is model


def test_a_panel_averages_its_networks_probabilities_and_refuses_to_be_a_loss():
    import keras

    x, _ = _toy_digits(n=8)
    nets = []
    for seed in (0, 1):
        keras.utils.set_random_seed(seed)
        nets.append(classifiers.build_mnist_cnn(width=4, feature_dim=16))
    panel = classifiers.MnistClassifier(tuple(nets), role="examiner")
    singles = [classifiers.MnistClassifier((n,)).predict_proba(x) for n in nets]
    assert not np.allclose(singles[0], singles[1])
    np.testing.assert_allclose(panel.predict_proba(x), (singles[0] + singles[1]) / 2, atol=1e-6)
    assert np.array_equal(panel.predict(x), panel.predict_proba(x).argmax(axis=1))
    assert panel.features(x).shape == (8, 32)
    with pytest.raises(ValueError, match="examiner is a panel of 2 networks"):
        panel.model


def _tiny_mnist(monkeypatch):
    from course_lib import data, profiles

    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (200, 28, 28), dtype=np.uint8)
    y = (np.arange(200) % 10).astype(np.uint8)
    monkeypatch.setattr(data, "load", lambda name, split="train": (x, y))
    for role in classifiers.ROLES.values():
        monkeypatch.setitem(profiles.SIZES, role.sizes_key, {
            p: {"n_train": 100, "epochs": 1, "batch_size": 50, "learning_rate": 2e-3, "n_test": 100, "min_test_accuracy": 0.0,
                **({"members": 2} if role is classifiers.ROLES["examiner"] else {})}
            for p in ("smoke", "lecture", "full")})
    classifiers._cached_classifier.cache_clear()


@pytest.mark.parametrize("role, get", [("judge", classifiers.mnist_judge), ("examiner", classifiers.mnist_examiner)])
def test_classifier_trains_once_then_loads_and_survives_corruption(course_env, monkeypatch, role, get):
    """fit_or_load under the 'shared' key: second call loads, a corrupt file is retrained."""
    _tiny_mnist(monkeypatch)
    assert not classifiers.is_cached(role)
    first = get(verbose=0)
    assert first.role == role and len(first.networks) == (2 if role == "examiner" else 1)
    assert not first.loaded and 0.0 <= first.test_accuracy <= 1.0
    assert classifiers.is_cached(role)
    classifiers._cached_classifier.cache_clear()
    second = get(verbose=0)
    assert second.loaded
    second.trained[-1].path.write_bytes(b"not a keras file")
    classifiers._cached_classifier.cache_clear()
    third = get(verbose=0)
    assert not third.trained[-1].loaded and all(t.loaded for t in third.trained[:-1])  # only the corrupt one retrains
    classifiers._cached_classifier.cache_clear()


def test_judge_and_examiner_are_separate_checkpoints(course_env, monkeypatch):
    """Training the judge does not make the examiner cached, and the two are different models."""
    _tiny_mnist(monkeypatch)
    judge = classifiers.mnist_judge(verbose=0)
    assert classifiers.is_cached("judge")
    assert not classifiers.is_cached("examiner")
    examiner = classifiers.mnist_examiner(verbose=0)
    paths = {t.path for t in examiner.trained}
    assert len(paths) == 2 and judge.trained[0].path not in paths
    assert examiner.networks[0].name != judge.model.name
    first, second = (n.get_weights()[0] for n in examiner.networks)
    assert not np.allclose(first, second)  # each member starts from its own seed
    classifiers._cached_classifier.cache_clear()

