"""Quantiles across replicas from one sort, where numpy's general function costs more than a
run's daily quantiles need."""

from __future__ import annotations

import numpy as np


def quantiles(values: np.ndarray, q: tuple[float, ...], *, overwrite: bool = False) -> np.ndarray:
    """Quantiles along the last axis, shape ``(len(q), *values.shape[:-1])``: the same numbers
    as ``np.quantile(values, q, axis=-1)`` (numpy's default "linear" method, Hyndman & Fan
    type 7, down to the last bit) for NaN-free input, from one sort instead of numpy's
    partition around every index it needs, which is 3x slower for many short rows (a sweep
    job's daily quantiles: 11 series x 730 days x 200 replicas). With ``overwrite``, ``values``
    is sorted in place: no second array of its size to allocate, whose first touch of fresh
    memory pages cost a flagship point more than the sort itself.
    """
    if overwrite:
        values.sort(axis=-1)
        ordered = values
    else:
        ordered = np.sort(values, axis=-1)
    n = ordered.shape[-1]
    position = (n - 1) * np.asarray(q, dtype=float)
    below = np.floor(position)
    gamma = (position - below).reshape((-1,) + (1,) * (ordered.ndim - 1))
    lo = below.astype(np.intp)
    a = np.moveaxis(ordered[..., lo], -1, 0)
    b = np.moveaxis(ordered[..., np.minimum(lo + 1, n - 1)], -1, 0)
    diff = b - a
    # numpy's interpolation, in its order of operations (from the nearer neighbour)
    out = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=np.broadcast_to(gamma >= 0.5, out.shape))
    return out
