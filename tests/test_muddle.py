"""Muddle measure and methods against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import muddle


def test_top_two_and_muddle_rate_known_values():
    probs = np.array([
        [0.5, 0.45, 0.05] + [0] * 7,   # muddled: both >= .3, sum .95
        [0.6, 0.3, 0.1] + [0] * 7,     # muddled exactly at the boundaries
        [0.9, 0.05, 0.05] + [0] * 7,   # confident
        [0.4, 0.3, 0.3] + [0] * 7,     # three-way: sum .7
    ])
    p1, p2, c1, c2 = muddle.top_two(probs)
    np.testing.assert_allclose(p1, [0.5, 0.6, 0.9, 0.4])
    np.testing.assert_allclose(p2, [0.45, 0.3, 0.05, 0.3])
    assert c1.tolist() == [0, 0, 0, 0] and c2[0] == 1
    assert muddle.is_muddled(probs).tolist() == [True, True, False, False]
    assert muddle.muddle_rate(probs) == 0.5
    np.testing.assert_allclose(muddle.ambiguity_score(probs), [1.4, 1.2, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"expected class probabilities \(\.\.\., num_classes >= 2\)"):
        muddle.top_two(np.array([0.5, 0.5]))


def test_confusion_pairs_are_unordered():
    probs = np.zeros((3, 10))
    probs[0, [4, 9]] = [0.5, 0.5]
    probs[1, [9, 4]] = [0.6, 0.4]
    probs[2, [3, 5]] = [0.7, 0.3]
    assert muddle.confusion_pairs(probs) == {(4, 9): 2, (3, 5): 1}


def test_centres_nearest_and_pairs():
    codes = np.array([[0, 0], [0, 0.2], [1, 0], [1, 0.2], [5, 5], [5, 5.2]], float)
    labels = np.array([0, 0, 1, 1, 2, 2])
    centres = muddle.class_centres(codes, labels, 3)
    np.testing.assert_allclose(centres, [[0, 0.1], [1, 0.1], [5, 5.1]])
    assert muddle.nearest_other_class(centres).tolist() == [1, 0, 1]
    a, b = muddle.sample_pairs(labels, np.array([1, 0, 1]), 9, seed=0)
    assert np.bincount(labels[a], minlength=3).tolist() == [3, 3, 3]
    assert all(labels[j] == [1, 0, 1][labels[i]] for i, j in zip(a, b))
    with pytest.raises(ValueError, match="classes"):
        muddle.class_centres(codes, labels, 4)


def test_label_mix_and_pick():
    from course_lib.interpolation import interpolate

    path = interpolate(np.zeros((2, 3)), np.ones((2, 3)), 5)
    assert path.shape == (2, 5, 3)
    np.testing.assert_allclose(path[0, :, 0], [0, 0.25, 0.5, 0.75, 1])
    mix = muddle.label_mix(np.array([4]), np.array([9]), 3)
    np.testing.assert_allclose(mix[0, 1, [4, 9]], [0.5, 0.5])
    images, best = muddle.pick_by_score(path, np.array([[0, 1, 5, 1, 0], [9, 0, 0, 0, 0]]))
    assert best.tolist() == [2, 0]
    np.testing.assert_allclose(images[0], [0.5] * 3)


def test_reference_methods_with_identity_codes():
    """With encode = flatten and decode = reshape, the midpoint is the pixel average."""
    encode = lambda x: x.reshape(len(x), -1)  # noqa: E731
    decode = lambda z: z.reshape(len(z), 2, 2)  # noqa: E731
    a = np.zeros((1, 2, 2))
    b = np.ones((1, 2, 2))
    np.testing.assert_allclose(muddle.reference_midpoint(encode, decode, a, b), 0.5)
    out, best = muddle.reference_farthest(encode, decode, a, b, steps=5)
    # in pixel space mse(O,a)+mse(O,b) = t^2 + (1-t)^2: smallest in the middle, largest at the ends.
    # The reference's 'farthest' point is only interesting because a decoder's path is curved.
    assert best.tolist() == [0]
    np.testing.assert_allclose(out, a)


def test_path_search_refines_between_grid_points():
    """A fake judge that is 50/50 exactly at t = 0.43: the refined search must land close to it."""
    def make_images(t):
        return np.asarray(t, dtype=float)[:, None]

    def predict_proba(images):
        t = images[:, 0]
        p9 = 1 / (1 + np.exp(-(t - 0.43) * 20))
        probs = np.zeros((len(t), 10))
        probs[:, 4], probs[:, 9] = 1 - p9, p9
        return probs

    images, t = muddle.path_search(make_images, 3, predict_proba, steps=5, refine_steps=9)
    assert np.allclose(t, 0.43, atol=0.03)
    assert muddle.is_muddled(predict_proba(images)).all()
    _, t_coarse = muddle.path_search(make_images, 3, predict_proba, steps=5, refine_steps=0)
    assert np.allclose(t_coarse, 0.5)
