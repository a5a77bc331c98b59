"""The Iraqi government: sovereignty grievance, pressure to end the coalition, leverage.

Each day it reads what the US and the militias did ``reaction_lag_days`` ago and acts by its
policy (condemn, demand withdrawal, mediate). A mediation restrains the militias from the
next day for ``mediation_days``. Its grievance accumulates breaches of sovereignty (US strikes
on Iraqi soil, militia attacks) and decays; its pressure to end the coalition mission follows
its baseline plus grievance, held down by the ISIS threat (the coalition's reason to stay).

The political track: a demand for the coalition's exit opens talks with the US, which
progress with the government's pressure (``talks_rate``); their visible progress is the
militias' off-ramp (it lowers their attacks, :mod:`sim.actors.militia`). A breach of
sovereignty of ``breakdown_breach`` or more in one day breaks them off: progress is lost and
every faction's grievance rises.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

import mesa
import numpy as np

from sim.actors.registry import Actor, Logged
from sim.actors.views import StateView
from sim.config.schema import IraqConfig
from sim.core.compiled import clip_scalar, compiled
from sim.core.ladder import THREAT_LEVEL, actor_code, lookup
from sim.core.params import by_replica, half_life_decay
from sim.core.perception import read_lagged
from sim.policies import Observation, make_policy
from sim.policies.base import row_observation

if TYPE_CHECKING:
    from sim.core.ladder import LadderTables
    from sim.model.escalation import EscalationModel
    from sim.model.resolve import DayOutcome
    from sim.model.world import Readings, Slots


NAME = "iraq"
"""The model's attribute for this actor, and its name in configs and the ladder."""
CODE = actor_code(NAME)
"""Its code among the acting actors (:func:`sim.core.ladder.actor_code`)."""
US, MILITIA = actor_code("us"), actor_code("militia")


class IraqState(NamedTuple):
    """The Iraqi government's state, arrays over replicas."""

    grievance: np.ndarray  # sovereignty grievance, 0-1
    pressure: np.ndarray  # political pressure to end the coalition mission, 0-1
    mediation_until: np.ndarray  # day until which its mediation restrains the militias
    talks_on: np.ndarray  # talks on ending the coalition mission are under way
    talks: np.ndarray  # their progress, 0-1


class IraqParams(NamedTuple):
    reaction_lag: int
    mediation_days: int
    leverage: float
    grievance_decay: float
    pressure_base: float
    pressure_rate: float
    talks_rate: float
    offramp: np.ndarray  # (replicas,): calibrated, a draw per replica
    breakdown_breach: float
    breakdown_grievance: float

    @classmethod
    def of(cls, cfg: IraqConfig, n: int, draws: Mapping[str, np.ndarray]) -> IraqParams:
        return cls(
            int(cfg.reaction_lag_days),
            int(cfg.mediation_days),
            float(cfg.leverage),
            half_life_decay(cfg.grievance_half_life_days),
            float(cfg.pressure - cfg.isis_weight * cfg.isis_threat),
            float(cfg.pressure_rate),
            float(cfg.talks_rate),
            by_replica(draws, "iraq.offramp", cfg.offramp, n),
            float(cfg.breakdown_breach),
            float(cfg.breakdown_grievance),
        )


@compiled
def observe(
    t: int, u: np.ndarray, s: IraqState, p: IraqParams, readings: Readings, slots: Slots, war: float
) -> Observation:
    """What the government decides on: the US and the militias' highest actions of
    ``reaction_lag`` days ago, and its own pressure."""
    lag = p.reaction_lag
    return row_observation(
        t,
        read_lagged(readings.us_level_log, t, lag),
        u[:, slots.iraq_policy],
        s.pressure,
        war,
        read_lagged(readings.militia_level_log, t, lag).reshape(1, -1),
    )


@compiled
def rungs(levels: np.ndarray, lad: LadderTables) -> np.ndarray:
    """The government's rung ids for the policy's levels."""
    return lookup(lad.by_actor[CODE], levels.reshape(-1), lad.min_level)


@compiled
def commit(t: int, iraq_rung: np.ndarray, s: IraqState, p: IraqParams, level: np.ndarray) -> None:
    """A de-escalatory move (a rung below level 0: mediation) restrains the militias from
    tomorrow for ``mediation_days`` days; a demand (the government's rung at the threat
    level: the coalition's exit) opens talks where none are under way."""
    until, talks_on = s.mediation_until, s.talks_on
    for r in range(iraq_rung.shape[0]):
        lv = level[iraq_rung[r]]
        if lv < 0:
            until[r] = t + 1 + p.mediation_days
        elif lv == THREAT_LEVEL and p.talks_rate > 0.0:
            talks_on[r] = True


@compiled
def logged(iraq_rung: np.ndarray, level: np.ndarray) -> Logged:
    """The day's government action for the event log: a mediation (below level 0) is aimed at
    all the militia factions, a protest or demand at the United States; everyone reads it as
    it is."""
    n = iraq_rung.shape[0]
    target = np.empty((n, 1), np.int64)
    column = np.empty((n, 1), np.int64)
    seen = np.empty((n, 1), np.int64)
    for r in range(n):
        seen[r, 0] = level[iraq_rung[r]]
        mediation = seen[r, 0] < 0
        target[r, 0] = MILITIA if mediation else US
        column[r, 0] = -1 if mediation else 0
    none = np.full((n, 1), -1, np.int64)
    zero = np.zeros((n, 1), np.int64)
    return Logged(target, column, seen, none, zero, zero.copy())


@compiled
def absorb(d: DayOutcome, s: IraqState, p: IraqParams) -> np.ndarray:
    """Grievance decays and accumulates the day's sovereignty breaches; pressure moves at
    ``pressure_rate`` towards baseline + grievance; talks under way progress with the
    pressure, or break down on a breach of ``breakdown_breach``. Returns where they broke
    down today."""
    grievance, pressure, sovereignty = s.grievance, s.pressure, d.sovereignty
    talks_on, talks = s.talks_on, s.talks
    broke = np.zeros(grievance.shape[0], np.bool_)
    for r in range(grievance.shape[0]):
        grievance[r] = clip_scalar(grievance[r] * p.grievance_decay + sovereignty[r], 0.0, 1.0)
        target = clip_scalar(p.pressure_base + grievance[r], 0.0, 1.0)
        pressure[r] = pressure[r] + p.pressure_rate * (target - pressure[r])
        if talks_on[r]:
            if sovereignty[r] >= p.breakdown_breach:
                talks_on[r] = False
                talks[r] = 0.0
                broke[r] = True
            else:
                talks[r] += p.talks_rate * pressure[r] * (1.0 - talks[r])
    return broke


class IraqiGovernment(StateView, mesa.Agent):
    """The Iraqi government (module docstring); the fields of :class:`IraqState` are its
    attributes."""

    def __init__(self, model: EscalationModel) -> None:
        super().__init__(model)
        cfg = model.config.iraq
        n = model.n_replicas
        self.params = IraqParams.of(cfg, n, model.draws)
        self.state = IraqState(
            grievance=np.zeros(n),
            pressure=np.full(n, cfg.pressure),
            mediation_until=np.full(n, -1, dtype=np.int64),
            talks_on=np.zeros(n, dtype=bool),
            talks=np.zeros(n),
        )
        self.policy = make_policy(
            cfg.policy, n, model.ladder.max_level_of("iraq"), model.draws_of("iraq")
        )


ACTOR = Actor(
    NAME, 3, IraqState, IraqParams, IraqiGovernment, parties=lambda config: ["Iraqi government"]
)
