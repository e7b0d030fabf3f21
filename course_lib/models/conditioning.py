"""The label input every conditional network here shares (notebook 03's CVAE, notebook 04's conditional GAN).

A conditional model is told the digit as a one-hot row concatenated to its features: the encoder's after its
convolutions, the decoder's and generator's to the latent code. Keeping that in one place keeps the input name
(``label_onehot``) and the accepted label formats the same for every family.
"""

from __future__ import annotations

import keras
from keras import layers, ops


def condition_on_label(first_input, features, num_classes: int):
    """(model inputs, features) for a network that may also take a label.

    With ``num_classes`` = 0 nothing changes; otherwise a one-hot ``label_onehot`` input (N, num_classes) joins the
    inputs and is concatenated to ``features``.
    """
    if not num_classes:
        return first_input, features
    label = keras.Input((num_classes,), name="label_onehot")
    return [first_input, label], layers.Concatenate()([features, label])


def one_hot_labels(labels, num_classes: int, model_name: str):
    """Labels as float one-hot rows (N, num_classes): class indices (N,) are encoded, one-hot or soft rows pass."""
    if labels is None:
        raise ValueError(f"this is a conditional {model_name}: pass the digit labels too")
    labels = ops.convert_to_tensor(labels)
    if len(labels.shape) == 2 and labels.shape[-1] == num_classes:
        return ops.cast(labels, "float32")
    return ops.one_hot(ops.cast(ops.reshape(labels, (-1,)), "int32"), num_classes)
