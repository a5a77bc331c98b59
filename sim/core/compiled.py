"""Compiled arithmetic for the per-day step loop (numba), and its broadcasting helpers.

Why: a day of the model is a few hundred small array operations over replicas. As numpy calls
each costs microseconds of dispatch whatever the array size, so a 730-day run spent most of its
time in call overhead. Each agent's update is therefore one compiled loop over replicas
(``@compiled``), called once a day with the agent's arrays; the arithmetic is the same, in
the same order, as the array expressions it replaces.

Compiled functions are cached on disk (``cache=True``, next to the source or in numba's
user-wide cache), so only the first run on a machine compiles; later processes load them.
``error_model="numpy"`` keeps numpy's floating-point semantics (inf/nan, no exceptions).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba
import numpy as np

compiled: Callable[[Callable[..., Any]], Any] = numba.njit(cache=True, error_model="numpy")
"""Decorator: compile a function (nopython mode, cached on disk, numpy error model)."""


def as2d(x: np.ndarray | float, dtype: type = np.float64) -> np.ndarray:
    """``x`` as a 2-D array of ``dtype`` by numpy's broadcasting rule (shape padded with 1s
    on the left; a number becomes shape (1, 1)); no copy when it already fits."""
    a = np.asarray(x, dtype=dtype)
    if a.ndim == 2:
        return a
    if a.ndim > 2:
        raise ValueError(f"expected at most 2 dimensions, got shape {a.shape}")
    return a.reshape((1,) * (2 - a.ndim) + a.shape)


@compiled
def at(x: np.ndarray, r: int, f: int) -> Any:
    """Element (r, f) of a 2-D array broadcast against a larger one: an axis of length 1
    repeats its only entry."""
    return x[r if x.shape[0] != 1 else 0, f if x.shape[1] != 1 else 0]


@compiled
def clip_scalar(x: float, lo: float, hi: float) -> float:
    """``min(max(x, lo), hi)``, as ``sim.analysis.quantiles.clip`` does elementwise."""
    return min(max(x, lo), hi)
