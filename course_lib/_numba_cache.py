"""Compile UMAP's numba functions once per installation instead of once per Python process.

umap-learn declares most of its numba functions without ``cache=True``, so every new kernel compiled them
again on first use: 40-90 s before a student's first UMAP ``transform`` (notebooks 06, 07). Here the first
import of ``umap`` or ``pynndescent`` is preceded by a small change to numba's ``njit``/``jit`` that turns
numba's on-disk cache on for functions *defined in those two packages* (nothing else, in particular not a
student's own numba code). numba keys each cached function by its source file, so an upgrade recompiles.
``course warm`` (run by the set-up) fills the cache once.
"""

from __future__ import annotations

import functools
import importlib.abc
import sys

#: Top-level packages whose numba functions are cached on disk.
CACHED_PACKAGES = ("umap", "pynndescent")


def _caching(decorator):
    @functools.wraps(decorator)
    def wrapper(*args, **kwargs):
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller.split(".")[0] in CACHED_PACKAGES:
            kwargs.setdefault("cache", True)
        return decorator(*args, **kwargs)

    wrapper.course_caching = True
    return wrapper


def enable() -> bool:
    """Turn the cache on for functions the cached packages define from now on; False if numba is missing."""
    try:
        import numba
    except ImportError:
        return False
    if not getattr(numba.njit, "course_caching", False):
        numba.njit = _caching(numba.njit)
        numba.jit = _caching(numba.jit)
    return True


class _BeforeUmap(importlib.abc.MetaPathFinder):
    """Calls :func:`enable` just before the first import of a cached package, then steps aside."""

    def find_spec(self, name, path, target=None):
        if name in CACHED_PACKAGES:
            if self in sys.meta_path:
                sys.meta_path.remove(self)
            enable()
        return None  # the normal finders import the package


def install() -> None:
    """Arrange for :func:`enable` to run before umap is imported (at once if it already is: too late for it)."""
    if any(name in sys.modules for name in CACHED_PACKAGES):
        return
    if not any(isinstance(f, _BeforeUmap) for f in sys.meta_path):
        sys.meta_path.insert(0, _BeforeUmap())
