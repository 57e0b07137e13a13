"""``threadpool_limits`` with threadpoolctl's library scan done once per set of loaded modules.

``threadpoolctl.threadpool_limits`` looks for the loaded BLAS/OpenMP libraries on every
call (``dl_iterate_phdr`` plus ctypes queries: 1-8 ms each, up to ~0.02 s for the first);
the invariance ladder alone enters it 21 times. Here one ``ThreadpoolController`` is kept
and rescanned only when modules were imported since the last scan (a new extension module
may bring its own BLAS). Same signature and effect as threadpoolctl's function.

>>> import numpy as np
>>> with threadpool_limits(limits=1, user_api="blas"):
...     float(np.ones((2, 2)).dot(np.ones(2))[0])
2.0
"""
from __future__ import annotations

import sys

__all__ = ["threadpool_limits"]

_cache: dict = {}


def threadpool_limits(limits=None, user_api=None):
    """A context manager limiting the threads of the loaded libraries (see threadpoolctl)."""
    from threadpoolctl import ThreadpoolController
    n_modules = len(sys.modules)
    if _cache.get("n_modules") != n_modules:
        _cache["controller"] = ThreadpoolController()
        _cache["n_modules"] = n_modules
    return _cache["controller"].limit(limits=limits, user_api=user_api)
