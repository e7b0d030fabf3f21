"""Self-checks for the exercises: a cell tagged ``check`` after an exercise calls these on the student's answer.

Each check prints one line saying that a part of the answer is right, or raises an ``AssertionError`` whose
message says in plain words what is wrong and where to look. The checks are public (they stay in the student
notebook) and test properties of a correct answer, not the one worked solution, so any correct way passes.
The teacher notebook runs them under nbval, so a worked solution that stops being right fails the tests.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class CheckFailed(AssertionError):
    """An answer that a self-check found wrong (an AssertionError, so nbval and graders see a failure)."""


def _verdict(ok: bool, what: str, problem: str, hint: str, right: str = "") -> None:
    """Print "OK: <what><right>", or raise "Not yet: <what> -- <problem> Look at: <hint>"."""
    if ok:
        print(f"OK: {what}{right}")
        return
    raise CheckFailed(f"Not yet: {what} -- {problem}" + (f" Look at: {hint}" if hint else ""))


def _number(name: str, value: object) -> float:
    try:
        number = float(np.asarray(value, dtype=float))
    except (TypeError, ValueError):
        raise CheckFailed(f"Not yet: `{name}` should be a single number, got {type(value).__name__} "
                          f"{np.shape(value) if hasattr(value, 'shape') else ''}".rstrip()) from None
    if not np.isfinite(number):
        raise CheckFailed(f"Not yet: `{name}` is {number}; a NaN or infinity usually means a log of 0 or a "
                          f"division by 0 somewhere in your computation.")
    return number


def check_close(name: str, value: object, expected: object, *, rtol: float = 1e-6, atol: float = 0.0,
                hint: str = "") -> None:
    """``value`` (a number or an array) equals ``expected`` within ``rtol``/``atol``, elementwise."""
    got, want = np.asarray(value, dtype=float), np.asarray(expected, dtype=float)
    if got.shape != want.shape:
        _verdict(False, f"`{name}`", f"it has shape {got.shape}, expected {want.shape}.", hint)
    ok = bool(np.all(np.isfinite(got))) and bool(np.allclose(got, want, rtol=rtol, atol=atol))
    shown = f"{float(got):.6g}" if got.ndim == 0 else "these values"
    _verdict(ok, f"`{name}` = {shown}", f"it differs from the expected value by more than "
             f"{max(rtol * float(np.max(np.abs(want), initial=0.0)), atol):.3g}.", hint, right=" is right")


def check_between(name: str, value: object, low: float, high: float, *, hint: str = "") -> None:
    """``value`` is a finite number in ``[low, high]``: for answers that vary from run to run."""
    number = _number(name, value)
    _verdict(low <= number <= high, f"`{name}` = {number:.4g}", f"it is outside the plausible range "
             f"[{low:g}, {high:g}].", hint, right=f" lies in the plausible range [{low:g}, {high:g}]")


def check_shape(name: str, value: object, shape: Sequence[int], *, hint: str = "") -> None:
    """``value`` has this shape (``len`` for lists); ``-1`` in ``shape`` matches any size."""
    got = tuple(np.shape(value))
    ok = len(got) == len(shape) and all(want in (-1, g) for g, want in zip(got, shape))
    wanted = "(" + ", ".join("any" if s == -1 else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
    _verdict(ok, f"`{name}` should have shape {wanted}" if not ok else f"`{name}` has shape {wanted}",
             f"its shape is {got}.", hint)


def check_that(condition: object, what: str, *, hint: str = "") -> None:
    """A property of a correct answer holds (``what`` says which, in words, e.g. "the NLL falls as k grows")."""
    _verdict(bool(condition), what, "this does not hold for your answer.", hint)
