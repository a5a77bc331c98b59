"""The coalition withdrawal schedule: equal steps from a start day down to a residual force."""

from __future__ import annotations

import math

import numpy as np

from sim.arrays import clip
from sim.config import WithdrawalConfig

DAYS_PER_MONTH = 365.25 / 12


def months_to_days(months: float) -> int:
    """Whole days in a number of months (mean Gregorian month)."""
    return round(months * DAYS_PER_MONTH)


class WithdrawalSchedule:
    """Troops in Iraq over time for each replica, given a per-replica start day.

    The start day is the scheduled one (or never), and can be brought forward per replica by
    the endogenous trigger (Iraqi pressure).
    """

    def __init__(self, cfg: WithdrawalConfig, initial: int, n_replicas: int) -> None:
        self.cfg = cfg
        self.initial = float(initial)
        self.residual = float(cfg.residual_troops)
        self.n_steps = math.floor(months_to_days(cfg.duration_months) / cfg.step_days) + 1
        start = math.inf if cfg.start_month is None else months_to_days(cfg.start_month)
        self.start = np.full(n_replicas, start)
        self.delay = months_to_days(cfg.delay_months)
        self._done = np.zeros(n_replicas)
        self._full = np.full(n_replicas, self.initial)
        self._none = np.zeros(n_replicas, dtype=bool)

    def advance(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Troops in Iraq at the end of day t, and whether a step was taken on day t."""
        if not self.cfg.endogenous and not np.isfinite(self.start).any():
            return self._full, self._none  # no withdrawal in any replica: nothing to compute
        done = self.steps_done(t)
        stepping = done > self._done
        self._done = done
        return np.round(
            self.initial - done / self.n_steps * (self.initial - self.residual)
        ), stepping

    def trigger(self, t: int, pressure: np.ndarray) -> None:
        """Bring the start forward where Iraqi pressure has crossed the threshold."""
        if self.cfg.endogenous:
            crossed = pressure >= self.cfg.pressure_threshold
            self.start = np.where(crossed, np.minimum(self.start, t + self.delay), self.start)

    def steps_done(self, t: int) -> np.ndarray:
        """Number of withdrawal steps taken by the end of day t (0 before the start)."""
        elapsed = t - self.start
        done = np.floor(np.where(elapsed >= 0, elapsed, -1.0) / self.cfg.step_days) + 1
        return clip(done, 0, self.n_steps)

    def completed_day(self) -> np.ndarray:
        """Day of the last step per replica (inf if withdrawal never starts)."""
        return self.start + (self.n_steps - 1) * self.cfg.step_days
