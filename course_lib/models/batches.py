"""What ``fit()`` hands a custom ``train_step``, unpacked the same way for every model family."""

from __future__ import annotations


def images_and_labels(data, conditional: bool, model_name: str):
    """Split a ``fit()`` batch into (images, labels); labels are None for unconditional models.

    ``fit(x)`` gives ``x``; ``fit(x, y)`` gives ``(x, y)``. A conditional model without labels is a
    usage error worth a clear message rather than a shape error deep in the graph.
    """
    if isinstance(data, (tuple, list)):
        x = data[0]
        labels = data[1] if len(data) > 1 else None
    else:
        x, labels = data, None
    if conditional and labels is None:
        raise ValueError(f"a conditional {model_name} is trained with fit(images, labels)")
    return x, (labels if conditional else None)


def latent_codes_and_labels(z, labels, latent_dim: int, num_classes: int, model_name: str):
    """Validate decoder inputs: codes (N, latent_dim) and, for a conditional model, N labels.

    Labels may be class indices (N,) in 0..num_classes-1 or one-hot/soft rows (N, num_classes).
    Returns ``(z as float32, labels as an array or None)``.
    """
    import numpy as np

    z = np.asarray(z, dtype=np.float32)
    if z.ndim != 2 or z.shape[1] != latent_dim:
        raise ValueError(f"expected latent codes (N, {latent_dim}), got shape {z.shape}")
    if not num_classes:
        return z, None
    if labels is None:
        raise ValueError(f"a conditional {model_name} needs labels (N,) or one-hot/soft labels (N, {num_classes})")
    labels = np.asarray(labels)
    if len(labels) != len(z):
        raise ValueError(f"{len(z)} codes but {len(labels)} labels")
    if labels.ndim == 1 and (labels.min(initial=0) < 0 or labels.max(initial=0) >= num_classes):
        raise ValueError(f"labels must lie in 0..{num_classes - 1}")
    return z, labels
