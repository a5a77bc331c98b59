"""Iran as patron: a restraint signal and supply for the militias.

Presses for a pause (restraint ``pause_restraint`` for ``pause_days``) when US deaths in a day
reach ``pause_trigger_killed``; switched off, restraint is 0 and nothing is paused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import mesa
import numpy as np

from sim.actors.views import StateView
from sim.config.schema import IranConfig
from sim.core.compiled import compiled

if TYPE_CHECKING:
    from sim.model.escalation import EscalationModel


class IranState(NamedTuple):
    """Iran's state, arrays over replicas."""

    pause_until: np.ndarray  # day until which a pause is on
    pause_started: np.ndarray  # a pause started today
    restraint: np.ndarray  # today's restraint signal, 0-1
    supply: np.ndarray  # multiplier on the militias' regeneration


class IranParams(NamedTuple):
    enabled: bool
    trigger_killed: int
    pause_days: int
    pause_restraint: float
    restraint: float

    @classmethod
    def of(cls, cfg: IranConfig) -> IranParams:
        return cls(
            bool(cfg.enabled),
            int(cfg.pause_trigger_killed),
            int(cfg.pause_days),
            float(cfg.pause_restraint),
            float(cfg.restraint),
        )


@compiled
def signal(t: int, s: IranState, p: IranParams, killed: np.ndarray) -> None:
    """Today's restraint from yesterday's US deaths (``killed``): a pause starts where they
    reached the trigger and no pause is on (the state ``s`` updated in place)."""
    if not p.enabled:
        return
    until, started, restraint = s.pause_until, s.pause_started, s.restraint
    for r in range(until.shape[0]):
        started[r] = False
        if p.trigger_killed > 0 and killed[r] >= p.trigger_killed and t >= until[r]:
            started[r] = True
            until[r] = t + p.pause_days
        restraint[r] = p.pause_restraint if t < until[r] else p.restraint


class IranPatron(StateView, mesa.Agent):
    """Iran as patron (module docstring); the fields of :class:`IranState` are its
    attributes."""

    def __init__(self, model: EscalationModel) -> None:
        super().__init__(model)
        cfg = model.config.iran
        n = model.n_replicas
        self.params = IranParams.of(cfg)
        self.state = IranState(
            pause_until=np.full(n, -1, dtype=np.int64),
            pause_started=np.zeros(n, dtype=bool),
            restraint=np.full(n, cfg.restraint if cfg.enabled else 0.0),
            supply=np.full(n, cfg.supply),
        )
