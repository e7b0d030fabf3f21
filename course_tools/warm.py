"""``course warm``: compile UMAP's numba functions once, so that a student's first UMAP is not a compile.

umap-learn and pynndescent compile their numba functions on first use. ``import course_lib`` turns numba's
on-disk cache on for them (course_lib/_numba_cache.py), so what is compiled once is kept (``__pycache__``
beside the package, or ``NUMBA_CACHE_DIR``) and every later process loads it. The set-up (``make setup``)
runs this once after the install, on a tiny problem that goes through the code paths of notebooks 06 and 07
(fit, transform).
"""

from __future__ import annotations

import sys
import time

import course_lib  # noqa: F401  (first: it arranges numba's cache before umap is imported)


def warm_umap(n: int = 300, dim: int = 16, seed: int = 0) -> float:
    """Fit and transform a tiny UMAP (the code paths the notebooks use); returns the seconds it took."""
    import numpy as np
    import umap

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dim)).astype(np.float32)
    started = time.perf_counter()
    model = umap.UMAP(n_neighbors=10, n_components=2, random_state=seed, n_epochs=20)
    model.fit(x)
    model.transform(x[:50])
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Warm the caches; prints the time (long the first time after an install, short afterwards)."""
    import argparse

    argparse.ArgumentParser(prog="course warm", description=__doc__).parse_args(argv)
    seconds = warm_umap()
    print(f"UMAP fit + transform on a tiny problem: {seconds:.1f} s (numba's cache is filled for later runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
