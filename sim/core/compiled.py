"""Compiled kernels (numba): the decorator, its on-disk cache, and broadcasting helpers.

Why: a day of the model is a few hundred small array operations over replicas. As numpy calls
each costs microseconds of dispatch whatever the array size, so a 730-day run spent most of its
time in call overhead. The day is therefore a handful of compiled functions (``@compiled``),
each a loop over replicas, called with the model's state arrays.

Compiled functions are cached on disk (``cache=True``), so only the first run on a machine
compiles; later processes load them. numba checks a cached function against its own source
file only, so a kernel compiled into a caller from another file (the day calls every actor's
kernels) would stay stale after an edit of that file. :class:`PackageSourceStamp` therefore
stamps every cached function of this package with a digest of the source of every
subpackage that holds compiled code: any edit there, a docstring's included, recompiles
everything once (about 40 s), and nothing stale is ever loaded.
``error_model="numpy"`` keeps numpy's floating-point semantics (inf/nan, no exceptions).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba
import numpy as np
from numba.core import caching

from sim.paths import PACKAGE_DIR

COMPILED_PACKAGES = ("core", "actors", "policies", "model")
"""The subpackages that hold compiled code (and the registry and tables it is built from)."""


CODE_DATA = ("data/ladders/default.yaml",)
"""Data compiled into the code: the shipped ladder sets the acting actors' codes
(:func:`sim.core.ladder.actor_code`), which kernels hold as constants."""


def source_digest(root: Path, packages: tuple[str, ...] = COMPILED_PACKAGES) -> bytes:
    """A digest of every Python file of the given subpackages of ``root`` and of the data
    compiled into them (paths and contents)."""
    digest = hashlib.sha256()
    files = [p for package in packages for p in sorted((root / package).rglob("*.py"))]
    for path in [*files, *(root / name for name in CODE_DATA)]:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.digest()


@functools.cache
def package_source_digest() -> bytes:
    """:func:`source_digest` of this package, once per process."""
    return source_digest(PACKAGE_DIR)


class PackageSourceStamp:
    """Mixin for numba's cache locators: a function of this package is fresh only if no file
    with compiled code has changed (numba's own stamp looks at the function's file alone)."""

    def get_source_stamp(self) -> bytes:
        return package_source_digest()

    @classmethod
    def from_function(cls, py_func: Callable[..., Any], py_file: str) -> Any:
        if not py_func.__module__.startswith("sim."):
            return None  # other packages' functions keep numba's own locators
        return super().from_function(py_func, py_file)


def _stamped(locator: type) -> type:
    return type(f"Package{locator.__name__}", (PackageSourceStamp, locator), {})


# Same places, in the same order of preference, as numba's own locators.
caching.CacheImpl._locator_classes[:0] = [
    _stamped(caching.UserProvidedCacheLocator),
    _stamped(caching.InTreeCacheLocator),
    _stamped(caching.UserWideCacheLocator),
]

compiled: Callable[[Callable[..., Any]], Any] = numba.njit(cache=True, error_model="numpy")
"""Decorator: compile a function (nopython mode, cached on disk, numpy error model)."""


def as2d(x: np.ndarray | float, dtype: type = np.float64) -> np.ndarray:
    """``x`` as a 2-D array of ``dtype`` by numpy's broadcasting rule (shape padded with 1s
    on the left; a number becomes shape (1, 1)); no copy when it already fits."""
    a = np.asarray(x, dtype=dtype)
    if a.ndim == 2:
        return np.ascontiguousarray(a)
    if a.ndim > 2:
        raise ValueError(f"expected at most 2 dimensions, got shape {a.shape}")
    return np.ascontiguousarray(a.reshape((1,) * (2 - a.ndim) + a.shape))


@compiled
def at(x: np.ndarray, r: int, f: int) -> Any:
    """Element (r, f) of a 2-D array broadcast against a larger one: an axis of length 1
    repeats its only entry."""
    return x[r if x.shape[0] != 1 else 0, f if x.shape[1] != 1 else 0]


@compiled
def clip_scalar(x: float, lo: float, hi: float) -> float:
    """``min(max(x, lo), hi)``: a value clipped to a range."""
    return min(max(x, lo), hi)
