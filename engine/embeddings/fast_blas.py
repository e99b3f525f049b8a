"""Keep numpy's BLAS single-threaded while word2vec's own worker threads run.

Public API::

    with single_threaded_blas():   # restores the previous thread count on exit
        ...

word2vec's batches are thousands of tiny matrix products; OpenBLAS splitting each of them
over several threads costs far more in hand-offs than it saves, and on a busy machine a
product that takes 0.1 ms single-threaded can take 20 ms. Parallelism comes from the
training threads instead (Hogwild). Where no OpenBLAS can be found (another BLAS, another
platform) this does nothing.
"""

from __future__ import annotations

import ctypes
import glob
import os
from contextlib import contextmanager
from typing import Iterator

import numpy as np

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads", "openblas_set_num_threads64_",
            "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads", "openblas_get_num_threads64_",
            "openblas_get_num_threads")


def _library_paths() -> list[str]:
    paths: list[str] = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                if "openblas" in line.lower() and "/" in line:
                    path = line[line.index("/"):].strip()
                    if path not in paths:
                        paths.append(path)
    except OSError:
        pass
    numpy_libs = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    paths += [p for p in glob.glob(os.path.join(numpy_libs, "*openblas*")) if p not in paths]
    return paths


def _functions():
    for path in _library_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        setter = next((getattr(lib, n) for n in _SETTERS if hasattr(lib, n)), None)
        getter = next((getattr(lib, n) for n in _GETTERS if hasattr(lib, n)), None)
        if setter is not None and getter is not None:
            return setter, getter
    return None, None


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run the body with numpy's OpenBLAS on one thread (no-op when there is none)."""
    setter, getter = _functions()
    if setter is None:
        yield
        return
    before = int(getter())
    setter(1)
    try:
        yield
    finally:
        setter(before)
