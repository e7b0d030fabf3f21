"""course_lib.models.batches: unpacking fit() batches and validating decoder inputs, with clear errors."""

import numpy as np
import pytest

from course_lib.models.batches import images_and_labels, latent_codes_and_labels


def test_images_and_labels_unpacks_every_form_fit_hands_over():
    x, y = np.zeros((2, 28, 28, 1)), np.array([3, 4])
    assert images_and_labels(x, False, "VAE") == (x, None)
    assert images_and_labels((x,), False, "VAE")[1] is None
    out = images_and_labels((x, y), True, "VAE")
    assert out[0] is x and out[1] is y
    assert images_and_labels((x, y), False, "VAE")[1] is None  # an unconditional model ignores labels
    with pytest.raises(ValueError, match="a conditional GAN is trained with fit\\(images, labels\\)"):
        images_and_labels(x, True, "GAN")


def test_latent_codes_and_labels():
    z, labels = latent_codes_and_labels([[0.0, 1.0]], None, 2, 0, "VAE")
    assert z.dtype == np.float32 and labels is None
    z, labels = latent_codes_and_labels(np.zeros((2, 2)), [1, 9], 2, 10, "VAE")
    assert labels.tolist() == [1, 9]
    assert latent_codes_and_labels(np.zeros((1, 2)), np.eye(10)[[3]], 2, 10, "VAE")[1].shape == (1, 10)


@pytest.mark.parametrize("z, labels, message", [
    (np.zeros((2, 3)), None, r"expected latent codes \(N, 2\)"),
    (np.zeros((2, 2)), None, "a conditional CVAE needs labels"),
    (np.zeros((2, 2)), [1], "2 codes but 1 labels"),
    (np.zeros((2, 2)), [1, 10], r"labels must lie in 0\.\.9"),
])
def test_latent_codes_and_labels_errors(z, labels, message):
    with pytest.raises(ValueError, match=message):
        latent_codes_and_labels(z, labels, 2, 10, "CVAE")
