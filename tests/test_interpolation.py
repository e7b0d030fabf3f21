"""course_lib.interpolation: straight and great-circle paths, their ends, shapes and lengths."""

import numpy as np
import pytest

from course_lib.interpolation import interpolate


def test_linear_path_endpoints_and_shapes():
    a, b = np.zeros(4), np.ones(4)
    walk = interpolate(a, b, 5)
    assert walk.shape == (5, 4) and walk.dtype == np.float32
    np.testing.assert_array_equal(walk[0], a)
    np.testing.assert_array_equal(walk[-1], b)
    np.testing.assert_allclose(walk[2], 0.5)
    assert interpolate(np.zeros((3, 4)), np.ones((3, 4)), 6).shape == (3, 6, 4)


def test_one_hot_rows_give_soft_labels():
    e = np.eye(10)
    mix = interpolate(e[[4]], e[[9]], 3)
    np.testing.assert_allclose(mix[0, 1, [4, 9]], [0.5, 0.5])
    np.testing.assert_allclose(mix.sum(-1), 1.0, rtol=1e-6)


def test_spherical_path_keeps_the_length_and_the_great_circle():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3, 64)).astype(np.float32)
    path = interpolate(a, b, 11, method="spherical")
    np.testing.assert_allclose(path[:, 0], a, atol=1e-5)
    np.testing.assert_allclose(path[:, -1], b, atol=1e-5)
    lengths = np.linalg.norm(path, axis=-1)
    expected = np.linspace(np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1), 11).T
    np.testing.assert_allclose(lengths, expected, rtol=1e-4)
    straight = np.linalg.norm(interpolate(a, b, 11), axis=-1)
    assert (straight[:, 5] < 0.8 * lengths[:, 5]).all()  # the straight midpoint falls inside the shell
    # equal angular steps: a quarter turn in 2-D
    quarter = interpolate(np.array([1.0, 0.0]), np.array([0.0, 1.0]), 3, method="spherical")
    np.testing.assert_allclose(quarter[1], [np.sqrt(0.5), np.sqrt(0.5)], atol=1e-6)


def test_spherical_falls_back_to_a_line_where_the_circle_is_undefined():
    a = np.array([[1.0, 2.0], [0.0, 0.0]])
    b = np.array([[2.0, 4.0], [1.0, 1.0]])  # parallel; from the origin
    np.testing.assert_allclose(interpolate(a, b, 4, method="spherical"), interpolate(a, b, 4), atol=1e-6)


@pytest.mark.parametrize("a, b, steps, method, message", [
    (np.zeros(4), np.ones(3), 5, "linear", r"both be \(d,\) or \(n, d\)"),
    (np.zeros((2, 2, 2)), np.ones((2, 2, 2)), 5, "linear", r"both be \(d,\) or \(n, d\)"),
    (np.zeros(4), np.ones(4), 1, "linear", "steps >= 2"),
    (np.zeros(4), np.ones(4), 2.5, "linear", "integer number of steps"),
    (np.zeros(4), np.ones(4), 5, "cubic", "unknown interpolation method 'cubic'"),
])
def test_bad_arguments_are_clear_errors(a, b, steps, method, message):
    with pytest.raises(ValueError, match=message):
        interpolate(a, b, steps, method=method)
