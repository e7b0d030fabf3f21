"""One input check for images, in the spirit of scikit-learn's ``check_array``: every model, plot and metric
that takes images calls :func:`as_images`, so they all accept the same inputs and fail with the same messages.

Two kinds of images are accepted: **uint8 0..255** (as ``data.load`` returns them; scaled by 1/255) and
**floats in [0, 1]** (as ``data.to_float`` returns them and decoders produce; kept as they are). Anything else is
an error that says what was passed. In particular floats in 0..255 are *not* divided by 255: guessing would turn a
wrong array (standardised images, logits, a doubly scaled batch) into a plausible-looking one without a word.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: How far outside [0, 1] float images may stray (float32 rounding of arithmetic on images).
TOLERANCE = 1e-3


def as_images(images: Any, *, what: str = "images", size: tuple[int, int] | None = (28, 28), channel: bool = True,
              flat: bool = False) -> np.ndarray:
    """A batch of grey images as float32 in [0, 1], shaped (N, H, W, 1), or a clear error.

    Args:
        images: (N, H, W), (N, H, W, 1) or flat (N, 784) rows of 28x28 images; uint8 0..255 or floats in [0, 1].
        what: the argument's name, for the error messages.
        size: the required (H, W); ``None`` accepts any size (plots).
        channel: return (N, H, W, 1) (models); ``False`` returns (N, H, W) (plots).
        flat: return (N, H * W) rows instead (dense maps, pixel-space metrics).
    """
    x = np.asarray(images)
    if x.ndim == 2 and x.shape == (28, 28) and size in (None, (28, 28)):
        raise ValueError(f"{what}: got one 28x28 image; pass a batch, e.g. image[None]")
    if x.ndim == 2 and x.shape[1] == 28 * 28 and size in (None, (28, 28)):
        x = x.reshape(-1, 28, 28)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[-1] != 1 or (size is not None and x.shape[1:3] != tuple(size)):
        expected = "(N, H, W" if size is None else f"(N, {size[0]}, {size[1]}"
        raise ValueError(f"{what} must be shaped {expected}), {expected}, 1) or flat (N, 784); got {x.shape}")
    if x.dtype == np.uint8:
        x = x.astype(np.float32) / 255.0
    elif np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_:
        x = x.astype(np.float32, copy=False)
        if x.size and not np.isfinite(x).all():
            raise ValueError(f"{what} contain NaN or infinite values")
        if x.size and (x.min() < -TOLERANCE or x.max() > 1.0 + TOLERANCE):
            raise ValueError(f"{what}: float images must lie in [0, 1], got {x.min():.3g}..{x.max():.3g}; pass uint8 "
                             "images (0..255) or scale them to [0, 1] yourself (data.to_float does it for uint8)")
    else:
        raise ValueError(f"{what} must be uint8 (0..255) or floats in [0, 1], got dtype {x.dtype}")
    if flat:
        return x.reshape(len(x), -1)
    return x if channel else x[..., 0]
