"""The fit-or-load checkpoint cache: derived keys, weights-only files, permissions, stale and broken entries."""

import json
import os
import stat

import numpy as np
import pytest

from course_lib import checkpoints


def _tiny_model(learning_rate: float = 0.05, activation: str | None = None):
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation=activation), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse")
    return model


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    return x, x @ np.array([1.0, -2.0, 0.5, 0.0], dtype="float32")


def _fit_tiny(build=_tiny_model, data=None, **fit_args):
    return checkpoints.fit_or_load("nb", "tiny", build, data=data or _data(),
                                   fit_args={"epochs": 2, "batch_size": 16, **fit_args}, verbose=0)


def test_one_training_step_lowers_the_loss():
    x, y = _data()
    model = _tiny_model()
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, batch_size=64, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before


def test_an_unchanged_run_loads(course_env, capsys):
    first = _fit_tiny()
    second = _fit_tiny()
    assert not first.loaded and second.loaded
    x, _ = _data()
    np.testing.assert_allclose(first.model.predict(x, verbose=0), second.model.predict(x, verbose=0), rtol=1e-6)
    assert second.history["loss"] == first.history["loss"]
    assert second.seconds_per_epoch == pytest.approx(first.seconds_per_epoch)
    assert first.path == second.path and first.path.parent == course_env.checkpoint_dir / "nb"
    assert not [p for p in first.path.parent.iterdir() if p.name.startswith(".")], "no temporary files left"
    out = capsys.readouterr().out
    assert out.count("[checkpoints] trained") == 1 and out.count("[checkpoints] loaded") == 1


def test_changing_only_the_learning_rate_retrains(course_env, capsys):
    first = _fit_tiny()
    again = _fit_tiny(lambda: _tiny_model(learning_rate=0.01))
    assert not again.loaded and again.path != first.path
    assert "compile changed" in capsys.readouterr().out  # it says why


def test_changing_only_an_activation_retrains(course_env, capsys):
    first = _fit_tiny()
    again = _fit_tiny(lambda: _tiny_model(activation="tanh"))
    assert not again.loaded and again.path != first.path
    assert "model changed" in capsys.readouterr().out


def test_changing_a_fit_argument_or_the_seed_retrains_but_verbose_does_not(course_env):
    first = _fit_tiny()
    assert not _fit_tiny(epochs=3).loaded
    x, y = _data()
    again = checkpoints.fit_or_load("nb", "tiny", _tiny_model, data=(x, y), fit_args={"epochs": 2, "batch_size": 16},
                                    verbose=2)
    assert again.loaded and again.path == first.path
    other_seed = checkpoints.fit_or_load("nb", "tiny", _tiny_model, data=(x, y),
                                         fit_args={"epochs": 2, "batch_size": 16}, seed=7, verbose=0)
    assert not other_seed.loaded


def test_one_changed_element_of_the_data_retrains(course_env):
    x, y = _data()
    first = _fit_tiny(data=(x, y))
    y2 = y.copy()
    y2[40] += 1.0
    assert not _fit_tiny(data=(x, y2)).loaded
    assert _fit_tiny(data=(x.copy(), y.copy())).path == first.path  # equal content, other objects: same key


def test_arrays_are_hashed_by_content():
    a = np.zeros(5000, "float32")
    b = a.copy()
    b[2500] = 1.0  # numpy would print both as [0. 0. 0. ... 0. 0. 0.]
    assert checkpoints.content_hash({"x": a}) != checkpoints.content_hash({"x": b})
    assert checkpoints.content_hash({"x": a, "n": 1}) == checkpoints.content_hash({"n": 1, "x": a.copy()})


def test_building_twice_gives_the_same_model_signature():
    # Keras numbers unnamed layers per process (dense, dense_1 ...); the key must not see that
    first, second = _tiny_model(), _tiny_model()
    assert first.layers[0].name != second.layers[0].name
    assert checkpoints.content_hash(checkpoints.model_signature(first)) == \
        checkpoints.content_hash(checkpoints.model_signature(second))


def test_files_hold_weights_only_and_are_group_readable(course_env):
    import h5py

    old = os.umask(0o022)
    try:
        trained = _fit_tiny()
    finally:
        os.umask(old)
    assert trained.path.name.endswith(".weights.h5")
    meta = checkpoints.meta_path(trained.path)
    for path in (trained.path, meta):
        assert path.stat().st_mode & stat.S_IRGRP, f"{path.name} is not group-readable"
    names = []
    with h5py.File(trained.path, "r") as handle:
        handle.visit(names.append)
    assert names and not [n for n in names if "optimizer" in n], names
    assert json.loads(meta.read_text())["fit_args"] == {"epochs": 2, "batch_size": 16}


def test_corrupt_checkpoint_is_reported_and_retrained(course_env, capsys):
    first = _fit_tiny()
    first.path.write_bytes(b"not an h5 file")
    again = _fit_tiny()
    assert not again.loaded and "unusable" in capsys.readouterr().out
    assert _fit_tiny().loaded  # the retrained entry replaced the broken one


def test_shape_incompatible_checkpoint_is_reported_and_retrained(course_env, capsys):
    import keras

    first = _fit_tiny()
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5), keras.layers.Dense(1)])
    other.save_weights(str(first.path))  # another architecture's weights under this key
    again = _fit_tiny()
    assert not again.loaded and "unusable" in capsys.readouterr().out


def test_entry_without_metadata_is_incomplete(course_env):
    first = _fit_tiny()
    checkpoints.meta_path(first.path).unlink()
    assert not _fit_tiny().loaded


def test_is_cached_builds_but_never_trains(course_env):
    x, y = _data()
    kwargs = {"data": (x, y), "fit_args": {"epochs": 2, "batch_size": 16}}
    assert not checkpoints.is_cached("nb", "tiny", _tiny_model, **kwargs)
    assert not list(course_env.checkpoint_dir.rglob("*.h5"))
    _fit_tiny()
    assert checkpoints.is_cached("nb", "tiny", _tiny_model, **kwargs)


def test_a_custom_train_function_gets_data_and_fit_args(course_env):
    seen = {}

    def train(model, x, y, epochs, learning_rate):
        seen.update(n=len(x), epochs=epochs, learning_rate=learning_rate)
        return {"loss": [1.0] * epochs}

    x, y = _data()
    trained = checkpoints.fit_or_load("nb", "custom", _tiny_model, train, data=(x, y),
                                      fit_args={"epochs": 3, "learning_rate": 0.1})
    assert seen == {"n": 64, "epochs": 3, "learning_rate": 0.1} and trained.history == {"loss": [1.0] * 3}


def test_bad_arguments_are_named(course_env):
    import keras

    x, y = _data()
    with pytest.raises(TypeError, match="data must be a tuple"):
        checkpoints.fit_or_load("nb", "tiny", _tiny_model, data=x)

    def unbuilt():
        return keras.Sequential([keras.layers.Dense(1)])

    with pytest.raises(ValueError, match="must return a built model"):
        checkpoints.fit_or_load("nb", "tiny", unbuilt, data=(x, y))
    with pytest.raises(TypeError, match="must return a keras History"):
        checkpoints.fit_or_load("nb", "tiny", _tiny_model, lambda model, *a, **k: 3.0, data=(x, y))


def test_a_train_closure_with_settings_still_works(course_env):
    # the older call form (04, 05): train(model) holds the data; settings name what the key cannot see
    x, y = _data()

    def train(model):
        return model.fit(x, y, epochs=1, verbose=0)

    first = checkpoints.fit_or_load("nb", "closure", _tiny_model, train, settings={"subset": "a"})
    assert checkpoints.fit_or_load("nb", "closure", _tiny_model, train, settings={"subset": "a"}).loaded
    assert not checkpoints.fit_or_load("nb", "closure", _tiny_model, train, settings={"subset": "b"}).loaded
    assert not first.loaded


def test_a_subclassed_model_comes_back_built_by_its_own_build(course_env):
    import keras

    class Own(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def build(self, input_shape=None):
            self.dense.build((None, 4))

        def call(self, x):
            return self.dense(x)

    def train(model, x, y, **fit_args):
        model.compile(optimizer="sgd", loss="mse")
        return model.fit(x, y, **fit_args)

    first = checkpoints.fit_or_load("nb", "own", Own, train, data=_data(), fit_args={"epochs": 1}, verbose=0)
    again = checkpoints.fit_or_load("nb", "own", Own, train, data=_data(), fit_args={"epochs": 1}, verbose=0)
    assert first.model.built and len(first.model.weights) == 2 and again.loaded
    np.testing.assert_allclose(again.model.predict(_data()[0], verbose=0), first.model.predict(_data()[0], verbose=0))
