"""What the model families share in their losses: the Bernoulli negative log-likelihood of grey images, and the
named loss trackers that ``fit()`` reports.

* :func:`bernoulli_nll` -- ``-log p(x)`` of pixels under Bernoulli distributions, element by element, from
  logits (VAE decoders, the translator's heads) or from probabilities (sigmoid outputs). NumPy in, NumPy out
  (evaluation); backend tensors in, ``keras.ops`` out (inside a training step, differentiable on every backend).
* :class:`LossTrackers` -- a mixin for ``keras.Model`` subclasses with a custom loss: one running mean per
  named term, so ``fit()`` prints every term of the loss per epoch, not only the total.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras
import numpy as np


def bernoulli_nll(x: Any, *, logits: Any = None, probs: Any = None, eps: float = 1e-6) -> Any:
    """``-[x log p + (1 - x) log(1 - p)]`` per pixel, in nats; sum over the pixels for the NLL of an image.

    Give exactly one of ``logits`` (``p = sigmoid(logits)``, computed in the stable form
    ``max(l, 0) - l x + log(1 + exp(-|l|))``, which never takes the log of 0) or ``probs`` (clipped to
    ``[eps, 1 - eps]``, so a saturated sigmoid costs at most ``-log eps`` instead of infinity). ``x`` may be
    binary or grey (a grey level is the expected value of a binarised pixel).
    """
    if (logits is None) == (probs is None):
        raise ValueError("pass exactly one of logits= or probs=")
    given = logits if logits is not None else probs
    xp = np if isinstance(given, np.ndarray) else keras.ops
    if logits is not None:
        return xp.maximum(logits, 0.0) - logits * x + xp.log1p(xp.exp(-xp.abs(logits)))
    p = xp.clip(probs, eps, 1.0 - eps)
    return -(x * xp.log(p) + (1.0 - x) * xp.log(1.0 - p))


class LossTrackers:
    """Mixin for a ``keras.Model`` subclass: a ``keras.metrics.Mean`` per loss term, which ``fit()`` reports.

    Call ``self.track_losses("loss", "reconstruction", ...)`` in ``__init__`` (the order is the order of the
    logs) and ``self.update_losses({"loss": total, ...})`` in ``compute_loss`` or ``train_step``; the
    ``metrics`` property Keras resets at every epoch is then this list of trackers.
    """

    def track_losses(self, *names: str) -> None:
        """Create one tracker per loss term (in ``__init__``, before Keras builds the model)."""
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}

    @property
    def metrics(self) -> list:
        return list(self.trackers.values())

    def update_losses(self, terms: Mapping[str, Any]) -> dict[str, Any]:
        """Feed each tracked term its value for this batch; returns the running means (what train_step logs)."""
        missing = [name for name in self.trackers if name not in terms]
        if missing:
            raise KeyError(f"no value for the tracked loss terms {missing}; got {sorted(terms)}")
        for name, tracker in self.trackers.items():
            tracker.update_state(terms[name])
        return {name: tracker.result() for name, tracker in self.trackers.items()}
