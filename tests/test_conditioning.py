"""course_lib.models.conditioning: the shared one-hot label input of conditional networks."""

import keras
import numpy as np
import pytest
from keras import layers, ops

from course_lib.models.conditioning import condition_on_label, one_hot_labels


def test_without_classes_nothing_changes():
    x = keras.Input((4,))
    inputs, features = condition_on_label(x, x, 0)
    assert inputs is x and features is x


def test_the_label_joins_the_features():
    x = keras.Input((4,), name="z")
    inputs, features = condition_on_label(x, x, 10)
    assert [i.name for i in inputs] == ["z", "label_onehot"] and tuple(features.shape) == (None, 14)
    model = keras.Model(inputs, layers.Identity()(features))
    out = model.predict([np.zeros((1, 4)), np.eye(10)[[7]]], verbose=0)
    assert out[0, 4 + 7] == 1.0 and out.sum() == 1.0


def test_one_hot_labels_accepts_indices_and_rows():
    np.testing.assert_array_equal(ops.convert_to_numpy(one_hot_labels(np.array([2, 0]), 3, "GAN")),
                                  [[0, 0, 1], [1, 0, 0]])
    soft = np.array([[0.5, 0.5, 0.0]], np.float32)
    np.testing.assert_array_equal(ops.convert_to_numpy(one_hot_labels(soft, 3, "GAN")), soft)
    with pytest.raises(ValueError, match="this is a conditional GAN: pass the digit labels too"):
        one_hot_labels(None, 3, "GAN")
