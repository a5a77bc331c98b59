"""Casualty draws: Poisson counts by inverse transform, so each draw uses exactly one uniform.

Using one uniform per draw (rather than a generator call) keeps the number of random numbers a
replica consumes fixed whatever happens, which is what makes replicas reproducible on their own
and scenarios comparable under common random numbers.
"""

from __future__ import annotations

import math

import numpy as np

from sim.core.compiled import compiled


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


@compiled
def poisson_count(cdf: np.ndarray, rung: int, u: float) -> int:
    """The count drawn by uniform u for a rung: the number of entries of the rung's CDF below
    u. Most draws are 0 (u at or below P(0); rungs without casualties have P(0) = 1)."""
    row = cdf[rung]
    k = 0
    while k < row.shape[0] and u > row[k]:
        k += 1
    return k
