"""course_lib.validation.as_images: the two accepted kinds of images, the layouts, and a clear error for the rest."""

import numpy as np
import pytest

from course_lib.validation import as_images


@pytest.mark.parametrize("images", [np.zeros((3, 28, 28), np.uint8), np.zeros((3, 28, 28, 1), np.float32),
                                    np.zeros((3, 784), np.float64), np.zeros((3, 28, 28), bool)])
def test_common_layouts_become_float32_with_a_channel(images):
    out = as_images(images)
    assert out.shape == (3, 28, 28, 1) and out.dtype == np.float32


def test_uint8_is_scaled_exactly_like_data_to_float_and_floats_are_kept():
    from course_lib import data

    u8 = np.random.default_rng(0).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    np.testing.assert_array_equal(as_images(u8), data.to_float(u8))
    x = data.to_float(u8)
    assert as_images(x) is x  # already model input: no copy, no change


def test_layout_options():
    x = np.random.default_rng(0).random((2, 28, 28, 1)).astype(np.float32)
    assert as_images(x, channel=False).shape == (2, 28, 28)
    np.testing.assert_array_equal(as_images(x, flat=True), x.reshape(2, 784))
    assert as_images(np.zeros((2, 32, 40), np.uint8), size=None).shape == (2, 32, 40, 1)


@pytest.mark.parametrize("images, message", [
    (np.zeros((28, 28), np.uint8), "one 28x28 image"),
    (np.zeros((3, 32, 32), np.uint8), r"must be shaped \(N, 28, 28\)"),
    (np.zeros((3, 28, 28, 3), np.float32), r"must be shaped"),
    (np.full((3, 28, 28), 255.0, np.float32), r"must lie in \[0, 1\], got 255\.\.255"),
    (np.full((3, 28, 28), -0.5), r"must lie in \[0, 1\]"),
    (np.full((3, 28, 28), 255, np.int64), r"must lie in \[0, 1\]"),
    (np.full((3, 28, 28), np.nan, np.float32), "NaN"),
    (np.full((3, 28, 28), "a"), "dtype"),
])
def test_bad_input_is_a_clear_error(images, message):
    with pytest.raises(ValueError, match=message):
        as_images(images)


def test_the_error_names_the_argument():
    with pytest.raises(ValueError, match="^validation_x must be shaped"):
        as_images(np.zeros((2, 5, 5)), what="validation_x")
