"""Paths between two points of a latent space (or between two labels): straight lines and great circles.

Every notebook that walks a latent space takes its points from :func:`interpolate`, so "the path from a to b in
n steps" means the same thing everywhere: t = 0, 1/(n-1), ..., 1, both ends included.

* ``"linear"``: ``(1 - t) a + t b``. The midpoint of two draws from a d-dimensional standard normal has length
  about sqrt(d / 2), shorter than either end (about sqrt(d)): a straight walk crosses noise a generator rarely
  saw in training.
* ``"spherical"`` (*slerp*, Shoemake 1985): along the great circle between the directions of a and b, with the
  length going linearly from |a| to |b|, so the path stays in the shell where the prior's mass lies.
"""

from __future__ import annotations

import numpy as np

METHODS = ("linear", "spherical")


def interpolate(a: np.ndarray, b: np.ndarray, steps: int, *, method: str = "linear") -> np.ndarray:
    """Points from ``a`` to ``b`` (both included): (steps, d) for single vectors (d,), (n, steps, d) for batches (n, d).

    Also serves label paths: interpolating two one-hot rows gives soft labels moving from one class to the other.
    """
    a = np.asarray(a, np.float32)
    b = np.asarray(b, np.float32)
    if a.shape != b.shape or a.ndim not in (1, 2):
        raise ValueError(f"start and end must both be (d,) or (n, d); got {a.shape} and {b.shape}")
    if int(steps) != steps or steps < 2:
        raise ValueError(f"a path needs an integer number of steps >= 2, got {steps!r}")
    if method not in METHODS:
        raise ValueError(f"unknown interpolation method {method!r}; choose one of {', '.join(METHODS)}")
    single = a.ndim == 1
    a, b = np.atleast_2d(a), np.atleast_2d(b)
    t = np.linspace(0.0, 1.0, int(steps), dtype=np.float32)[None, :, None]
    if method == "linear":
        path = (1 - t) * a[:, None, :] + t * b[:, None, :]
    else:
        path = _slerp(a, b, t)
    return path[0] if single else path


def _slerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Great-circle directions, linearly changing length; a straight line where a direction is undefined."""
    norm_a = np.linalg.norm(a, axis=1, keepdims=True)
    norm_b = np.linalg.norm(b, axis=1, keepdims=True)
    unit_a = a / np.maximum(norm_a, 1e-12)
    unit_b = b / np.maximum(norm_b, 1e-12)
    omega = np.arccos(np.clip(np.sum(unit_a * unit_b, axis=1, keepdims=True), -1.0, 1.0))[:, None, :]
    sin = np.sin(omega)
    # nearly (anti)parallel or zero vectors: the great circle is not unique there, the straight line is a fine path
    safe = (sin > 1e-6) & (norm_a[:, None, :] > 1e-12) & (norm_b[:, None, :] > 1e-12)
    sin = np.where(safe, sin, 1.0)
    direction = (np.sin((1 - t) * omega) * unit_a[:, None, :] + np.sin(t * omega) * unit_b[:, None, :]) / sin
    length = (1 - t) * norm_a[:, None, :] + t * norm_b[:, None, :]
    linear = (1 - t) * a[:, None, :] + t * b[:, None, :]
    return np.where(safe, direction * length, linear).astype(np.float32)
