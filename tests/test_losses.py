"""course_lib.models.losses: the Bernoulli NLL against its closed form, NumPy and backend alike; the trackers."""

import math

import keras
import numpy as np
import pytest
from keras import ops

from course_lib.models.losses import LossTrackers, bernoulli_nll


def test_bernoulli_nll_closed_forms():
    x = np.array([1.0, 0.0, 0.3], np.float32)
    logits = np.array([0.0, 0.0, 2.0], np.float32)
    p = 1 / (1 + np.exp(-logits))
    expected = -(x * np.log(p) + (1 - x) * np.log(1 - p))
    out = bernoulli_nll(x, logits=logits)
    assert isinstance(out, np.ndarray)  # NumPy in, NumPy out
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    np.testing.assert_allclose(out[:2], math.log(2), rtol=1e-6)  # a coin flip costs log 2 nats
    np.testing.assert_allclose(bernoulli_nll(x, probs=p), expected, rtol=1e-5)


def test_backend_tensors_give_the_same_values_and_a_gradient():
    x = np.array([[1.0, 0.0, 0.5]], np.float32)
    logits = np.array([[3.0, -50.0, 80.0]], np.float32)  # large logits: the stable form stays finite
    tensor = bernoulli_nll(ops.convert_to_tensor(x), logits=ops.convert_to_tensor(logits))
    np.testing.assert_allclose(ops.convert_to_numpy(tensor), bernoulli_nll(x, logits=logits), rtol=1e-6)
    assert np.isfinite(ops.convert_to_numpy(tensor)).all()


def test_probabilities_are_clipped_so_a_saturated_pixel_costs_at_most_minus_log_eps():
    out = bernoulli_nll(np.array([1.0], np.float32), probs=np.array([0.0], np.float32), eps=1e-6)
    np.testing.assert_allclose(out, -math.log(1e-6), rtol=1e-4)


def test_exactly_one_of_logits_and_probs():
    with pytest.raises(ValueError, match="pass exactly one of logits= or probs="):
        bernoulli_nll(np.zeros(2))
    with pytest.raises(ValueError, match="pass exactly one of logits= or probs="):
        bernoulli_nll(np.zeros(2), logits=np.zeros(2), probs=np.zeros(2))


class _Tracked(LossTrackers, keras.Model):
    def __init__(self):
        super().__init__()
        self.track_losses("loss", "part")


def test_trackers_are_the_metrics_in_order_and_average_over_batches():
    model = _Tracked()
    assert [m.name for m in model.metrics] == ["loss", "part"]
    model.update_losses({"loss": 1.0, "part": 2.0})
    logs = model.update_losses({"loss": 3.0, "part": 4.0, "extra": 0.0})
    assert {k: float(v) for k, v in logs.items()} == {"loss": 2.0, "part": 3.0}
    with pytest.raises(KeyError, match=r"no value for the tracked loss terms \['part'\]"):
        model.update_losses({"loss": 1.0})
