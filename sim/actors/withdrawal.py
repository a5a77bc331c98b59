"""The coalition's withdrawal: equal monthly steps from a start day down to a residual force.

The start day is the scheduled one (or never), and can be brought forward per replica by the
endogenous trigger (Iraqi pressure). The schedule sets the US troops in Iraq each day.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.actors.registry import Actor
from sim.config.schema import WithdrawalConfig
from sim.core.compiled import compiled

if TYPE_CHECKING:
    from sim.model.escalation import EscalationModel

DAYS_PER_MONTH = 365.25 / 12


def months_to_days(months: float) -> int:
    """Whole days in a number of months (mean Gregorian month)."""
    return round(months * DAYS_PER_MONTH)


class WithdrawalState(NamedTuple):
    """The schedule's state, arrays over replicas."""

    start: np.ndarray  # day of the first step (inf: never)
    done: np.ndarray  # steps taken so far
    stepping: np.ndarray  # a step was taken today


class WithdrawalParams(NamedTuple):
    never: bool  # no replica ever withdraws: decided once, from the config
    endogenous: bool
    step_days: float
    n_steps: int
    initial: float
    residual: float
    threshold: float
    delay: int

    @classmethod
    def of(cls, cfg: WithdrawalConfig, troops: int) -> WithdrawalParams:
        return cls(
            cfg.start_month is None and not cfg.endogenous,
            bool(cfg.endogenous),
            float(cfg.step_days),
            math.floor(months_to_days(cfg.duration_months) / cfg.step_days) + 1,
            float(troops),
            float(cfg.residual_troops),
            float(cfg.pressure_threshold),
            months_to_days(cfg.delay_months),
        )


class WithdrawalSchedule:
    """Troops in Iraq over time for each replica (module docstring)."""

    def __init__(self, cfg: WithdrawalConfig, troops: int, n_replicas: int) -> None:
        self.params = WithdrawalParams.of(cfg, troops)
        start = math.inf if cfg.start_month is None else months_to_days(cfg.start_month)
        self.state = WithdrawalState(
            start=np.full(n_replicas, start),
            done=np.zeros(n_replicas),
            stepping=np.zeros(n_replicas, dtype=bool),
        )

    @property
    def start(self) -> np.ndarray:
        """Day of the first step per replica (inf if withdrawal never starts)."""
        return self.state.start

    def completed_day(self) -> np.ndarray:
        """Day of the last step per replica (inf if withdrawal never starts)."""
        return self.state.start + (self.params.n_steps - 1) * self.params.step_days


@compiled
def _steps_done(t, start, step_days, n_steps):
    """Withdrawal steps taken by the end of day t from a start day (0 before the start)."""
    elapsed = t - start
    done = math.floor((elapsed if elapsed >= 0 else -1.0) / step_days) + 1
    return min(max(done, 0.0), float(n_steps))


@compiled
def withdraw(
    t: int, s: WithdrawalState, p: WithdrawalParams, troops: np.ndarray, pressure: np.ndarray
) -> None:
    """Day t of the schedule: bring the start forward to t + delay where Iraqi ``pressure``
    reached the threshold (endogenous withdrawal), then set the ``troops`` in Iraq at the end
    of the day and whether a step was taken today (in place)."""
    start, done, stepping = s.start, s.done, s.stepping
    if p.endogenous:
        for r in range(start.shape[0]):
            if pressure[r] >= p.threshold:
                start[r] = min(start[r], t + p.delay)
    for r in range(start.shape[0]):
        if p.never:
            troops[r] = p.initial
            stepping[r] = False
            continue
        now = _steps_done(t, start[r], p.step_days, p.n_steps)
        stepping[r] = now > done[r]
        done[r] = now
        troops[r] = np.rint(p.initial - now / p.n_steps * (p.initial - p.residual))


def build_schedule(model: EscalationModel) -> WithdrawalSchedule:
    """The schedule of the model's scenario, from the US's troops in Iraq."""
    cfg = model.config
    return WithdrawalSchedule(cfg.withdrawal, cfg.us.troops_iraq, model.n_replicas)


ACTOR = Actor("withdrawal", 5, WithdrawalState, WithdrawalParams, build_schedule)
