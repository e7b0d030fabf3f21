"""course_lib.checks: a right answer prints OK, a wrong one raises an AssertionError that says where to look."""

import numpy as np
import pytest

from course_lib import checks


def test_right_answers_print_ok(capsys):
    checks.check_close("total", 10.0000001, 10, rtol=1e-6)
    checks.check_close("means", np.array([1.0, 2.0]), [1, 2])
    checks.check_between("loss", 3.2, 0, 5)
    checks.check_shape("codes", np.zeros((7, 2)), (-1, 2))
    checks.check_shape("nlls", [1, 2, 3, 4], (4,))
    checks.check_that(True, "the NLL falls as k grows")
    assert capsys.readouterr().out.count("OK: ") == 6


@pytest.mark.parametrize("call, message", [
    (lambda: checks.check_close("total", 11, 10, hint="add up all values"), r"Not yet: `total` = 11 -- it differs.*Look at: add up all values"),
    (lambda: checks.check_close("means", [1.0, 2.0, 3.0], [1, 2]), r"shape \(3,\), expected \(2,\)"),
    (lambda: checks.check_close("x", np.nan, 1.0), r"`x`"),
    (lambda: checks.check_between("loss", 7.5, 0, 5), r"`loss` = 7\.5 -- it is outside the plausible range \[0, 5\]"),
    (lambda: checks.check_between("loss", [1, 2], 0, 5), r"`loss` should be a single number"),
    (lambda: checks.check_between("loss", float("inf"), 0, 5), r"NaN or infinity"),
    (lambda: checks.check_shape("codes", np.zeros((7, 3)), (-1, 2)), r"should have shape \(any, 2\) -- its shape is \(7, 3\)"),
    (lambda: checks.check_that(False, "the rate never rises", hint="keep min_sum"), r"the rate never rises.*keep min_sum"),
])
def test_wrong_answers_raise_a_clear_assertion_error(call, message):
    with pytest.raises(AssertionError, match=message):
        call()
