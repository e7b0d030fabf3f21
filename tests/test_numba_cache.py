"""course_lib._numba_cache: numba's on-disk cache for UMAP's and pynndescent's functions, and for no one else's."""

import subprocess
import sys

import pytest

from course_lib import _numba_cache


def _decorator_recording_kwargs():
    calls = []

    def decorator(*args, **kwargs):
        calls.append(kwargs)
        return "compiled"

    return decorator, calls


def _call_from_module(function, module_name: str):
    """Call ``function()`` from code whose module ``__name__`` is ``module_name`` (as numba sees its caller)."""
    namespace = {"__name__": module_name, "function": function}
    exec("result = function()", namespace)
    return namespace["result"]


def test_only_functions_defined_in_umap_or_pynndescent_get_the_cache():
    decorator, calls = _decorator_recording_kwargs()
    wrapped = _numba_cache._caching(decorator)
    for module in ("umap.umap_", "pynndescent.distances", "student_code", "umap_lookalike.thing"):
        assert _call_from_module(wrapped, module) == "compiled"
    assert [c.get("cache") for c in calls] == [True, True, None, None]


def test_an_explicit_cache_setting_is_kept():
    decorator, calls = _decorator_recording_kwargs()
    wrapped = _numba_cache._caching(decorator)
    _call_from_module(lambda: wrapped(cache=False), "umap.umap_")
    assert calls == [{"cache": False}]


def test_enable_wraps_numba_once():
    import numba

    assert _numba_cache.enable()
    first = numba.njit
    assert _numba_cache.enable() and numba.njit is first and first.course_caching


@pytest.mark.slow  # two fresh Python processes that import TensorFlow
def test_importing_course_lib_first_gives_umap_a_disk_cache_and_without_it_none():
    """In fresh processes, since the arrangement must happen before umap's first import."""
    probe = "import umap.distances as d; print(type(d.euclidean._cache).__name__)"
    with_course = subprocess.run([sys.executable, "-c", "import course_lib; " + probe],
                                 capture_output=True, text=True, timeout=300)
    without = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    assert with_course.stdout.split()[-1] == "FunctionCache", with_course.stderr[-2000:]
    assert without.stdout.split()[-1] == "NullCache", without.stderr[-2000:]
