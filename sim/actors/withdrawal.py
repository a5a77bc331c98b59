"""The coalition withdrawal schedule: equal steps from a start day down to a residual force."""

from __future__ import annotations

import math

import numpy as np

from sim.config.schema import WithdrawalConfig
from sim.core.compiled import compiled

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
        self._never = cfg.start_month is None and not cfg.endogenous
        """No replica ever withdraws: the config alone decides it, once."""

    def advance(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Troops in Iraq at the end of day t, and whether a step was taken on day t."""
        if self._never:
            return self._full, self._none  # no withdrawal in any replica: nothing to compute
        return _advance(
            t,
            self.start,
            self._done,
            float(self.cfg.step_days),
            self.n_steps,
            self.initial,
            self.residual,
        )

    def trigger(self, t: int, pressure: np.ndarray) -> None:
        """Bring the start forward where Iraqi pressure has crossed the threshold."""
        if self.cfg.endogenous:
            _trigger(t, pressure, self.start, float(self.cfg.pressure_threshold), self.delay)

    def completed_day(self) -> np.ndarray:
        """Day of the last step per replica (inf if withdrawal never starts)."""
        return self.start + (self.n_steps - 1) * self.cfg.step_days


@compiled
def _steps_done(t, start, step_days, n_steps):
    """Withdrawal steps taken by the end of day t from a start day (0 before the start)."""
    elapsed = t - start
    done = math.floor((elapsed if elapsed >= 0 else -1.0) / step_days) + 1
    return min(max(done, 0.0), float(n_steps))


@compiled
def _advance(t, start, done, step_days, n_steps, initial, residual):
    """Per replica: troops at the end of day t and whether a step was taken (``done``, the
    steps taken so far, is updated in place)."""
    n = start.shape[0]
    troops = np.empty(n)
    stepping = np.zeros(n, np.bool_)
    for r in range(n):
        now = _steps_done(t, start[r], step_days, n_steps)
        stepping[r] = now > done[r]
        done[r] = now
        troops[r] = np.rint(initial - now / n_steps * (initial - residual))
    return troops, stepping


@compiled
def _trigger(t, pressure, start, threshold, delay):
    """Bring each replica's start forward to t + delay where pressure reached the threshold
    (``start`` updated in place)."""
    for r in range(start.shape[0]):
        if pressure[r] >= threshold:
            start[r] = min(start[r], t + delay)
