"""Casualty draws: Poisson counts by inverse transform, so each draw uses exactly one uniform.

Using one uniform per draw (rather than a generator call) keeps the number of random numbers a
replica consumes fixed whatever happens, which is what makes replicas reproducible on their own
and scenarios comparable under common random numbers.
"""

from __future__ import annotations

import math

import numpy as np


class PoissonTable:
    """Inverse-CDF tables of Poisson distributions, one row per rung.

    Args:
        means: Poisson mean of each rung (0 for rungs that cause no casualties).
    """

    def __init__(self, means: np.ndarray) -> None:
        top = float(np.max(means, initial=0.0))
        k_max = math.ceil(top + 12.0 * math.sqrt(top) + 12.0)
        k = np.arange(k_max)
        rows = []
        for mu in np.asarray(means, dtype=float):
            log_pmf = (
                k * math.log(mu) - mu - np.array([math.lgamma(i + 1) for i in k])
                if mu > 0
                else np.where(k == 0, 0.0, -np.inf)
            )
            rows.append(np.cumsum(np.exp(log_pmf)))
        self.cdf = np.array(rows)
        self.cdf[:, -1] = 1.0  # the tail beyond k_max is negligible; close the table

    def draw(self, rungs: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Counts for the given rungs from uniforms u (same shape).

        The count is the number of CDF entries below u. Most draws are 0 (u at or below
        P(0)); only the others are compared with the whole table row.
        """
        out = np.zeros(rungs.shape, dtype=np.int64)
        some = u > self.cdf[rungs, 0]  # rungs without casualties have P(0) = 1: never
        if some.any():
            out[some] = (u[some][:, None] > self.cdf[rungs[some]]).sum(axis=-1)
        return out
