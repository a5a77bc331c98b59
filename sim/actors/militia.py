"""The Iran-backed militia factions: stocks, motives, truces and leadership.

Each faction reads the US action of ``reaction_lag_days`` ago (a strike on another faction is
discounted by ``solidarity_discount`` rungs) and attacks by its policy, restrained by its
compliance with Iran's signal and by Iraqi mediation. When Iran presses for a pause, a
faction joins with probability equal to its compliance and then holds a truce (threats at
most); an attack its stock cannot pay for becomes a threat. Each day it pays for its attacks,
regenerates its stock (not while a killed commander disrupts it) and suffers the US action
aimed at it, gaining grievance, most when its commander is killed.

Factions decide simultaneously and independently, each with its own parameters and random
numbers, so one computation over (replicas x factions) arrays serves them all; each faction
is also a Mesa agent (:class:`Militia`) whose attributes are its column of those arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import mesa
import numpy as np

from sim.actors.united_states import exposure, half_life_decay
from sim.actors.views import StateView
from sim.config.schema import FactionConfig, MilitiaConfig
from sim.core.compiled import clip_scalar, day_kernel
from sim.core.ladder import FORCE_LEVEL as FORCE
from sim.core.ladder import THREAT_LEVEL, rung_at
from sim.core.perception import read_lagged
from sim.policies import Observation, make_policy

if TYPE_CHECKING:
    from sim.model.escalation import EscalationModel


class MilitiaState(NamedTuple):
    """The factions' state, arrays of shape (replicas, factions)."""

    capability: np.ndarray  # drone/rocket stock as a fraction of the maximum, 0-1
    grievance: np.ndarray  # motive from being struck, 0-1; decays
    disrupted_until: np.ndarray  # day until which a killed commander stops regeneration
    truce_until: np.ndarray  # day until which the faction keeps a truce
    perceived: np.ndarray  # level of the US action the faction perceived


class MilitiaParams(NamedTuple):
    reaction_lag: int
    resolve: np.ndarray  # (1, factions)
    compliance: np.ndarray  # (factions,)
    solidarity_discount: int
    capability_regen: float
    disruption_days: int
    grievance_decay: float
    revenge: float

    @classmethod
    def of(cls, cfg: MilitiaConfig) -> MilitiaParams:
        return cls(
            int(cfg.reaction_lag_days),
            np.array([[f.resolve for f in cfg.factions]], dtype=float),
            np.array([f.compliance for f in cfg.factions], dtype=float),
            int(cfg.solidarity_discount),
            float(cfg.capability_regen),
            int(cfg.disruption_days),
            half_life_decay(cfg.grievance_half_life_days),
            float(cfg.revenge),
        )


@day_kernel
def observe(t, u, w):
    """What each faction decides on: the US action it felt ``reaction_lag`` days ago, and
    the restraint on it (its compliance with Iran's signal, tightened by Iraqi mediation by
    the government's leverage); ``perceived`` updated in place."""
    s, p = w.militia, w.militia_params
    us_level = read_lagged(w.readings.seen_by_militia, t, p.reaction_lag)
    us_target = read_lagged(w.readings.us_target_log, t, p.reaction_lag)
    n, nf = s.perceived.shape
    leverage = w.iraq_params.leverage
    restraint = np.empty((n, nf))
    for r in range(n):
        level = us_level[r]
        discounted = max(level - p.solidarity_discount, 0) if level >= FORCE else level
        mediating = t < w.iraq.mediation_until[r]
        for f in range(nf):
            s.perceived[r, f] = level if us_target[r] == f else discounted
            own = p.compliance[f] * w.iran.restraint[r]
            restraint[r, f] = 1.0 - (1.0 - own) * ((1.0 - leverage) if mediating else 1.0)
    start = w.slots.mil_policy
    return Observation(
        t,
        s.perceived,
        np.ascontiguousarray(u[:, start : start + nf]),
        np.zeros((1, 1)),
        p.resolve,
        s.capability,
        s.grievance,
        restraint,
        w.us.deterrence.reshape(n, 1),
        exposure(w).reshape(n, 1),
        w.war[t],
        np.zeros((1, 1), np.int64),
    )


@day_kernel
def rungs(t, u, levels, w):
    """Rung ids (R, F) from the policy's levels: on the day Iran presses for a pause, each
    faction joins with probability equal to its compliance and declares a truce; in a truce a
    faction threatens at most; an attack the faction's stock cannot pay for becomes a threat."""
    s, lad = w.militia, w.ladder
    n, nf = levels.shape
    truce_u = w.slots.mil_truce
    out = np.empty((n, nf), np.int64)
    for r in range(n):
        for f in range(nf):
            if w.iran.pause_started[r] and u[r, truce_u + f] < w.militia_params.compliance[f]:
                out[r, f] = lad.truce_rung
                continue
            wanted = levels[r, f]
            if t < s.truce_until[r, f]:
                wanted = min(wanted, THREAT_LEVEL)
            chosen = rung_at(lad.militia, wanted, lad.min_level)
            if lad.capability_cost[chosen] > s.capability[r, f]:
                chosen = rung_at(lad.militia, min(wanted, THREAT_LEVEL), lad.min_level)
            out[r, f] = chosen
    return out


@day_kernel
def commit(t, mil_rung, w):
    """A faction whose action today is a truce keeps it for Iran's ``pause_days``."""
    until = w.militia.truce_until
    for r in range(until.shape[0]):
        for f in range(until.shape[1]):
            if mil_rung[r, f] == w.ladder.truce_rung:
                until[r, f] = max(until[r, f], t + w.iran_params.pause_days)


@day_kernel
def absorb(t, mil_rung, us_rung, us_target, w):
    """Each faction pays for its attacks and regenerates its stock (not while its commander's
    killing disrupts it); the faction the US struck loses stock and gains grievance, most when
    its commander is killed. Updates the state in place."""
    s, p, lad = w.militia, w.militia_params, w.ladder
    n, nf = mil_rung.shape
    for r in range(n):
        struck = us_rung[r]
        for f in range(nf):
            hit = us_target[r] == f
            regen = 0.0 if t < s.disrupted_until[r, f] else p.capability_regen * w.iran.supply[r]
            damage = lad.capability_damage[struck] if hit else 0.0
            cap = s.capability[r, f]
            s.capability[r, f] = clip_scalar(
                (cap + regen * (1.0 - cap)) * (1.0 - damage) - lad.capability_cost[mil_rung[r, f]],
                0.0,
                1.0,
            )
            beheaded = hit and lad.leadership_strike[struck]
            if beheaded:
                s.disrupted_until[r, f] = t + p.disruption_days
            s.grievance[r, f] = clip_scalar(
                s.grievance[r, f] * p.grievance_decay
                + (lad.grievance[struck] if hit else 0.0)
                + p.revenge * (1.0 if beheaded else 0.0),
                0.0,
                1.0,
            )


class MilitiaForces(StateView):
    """All factions' state (module docstring; the fields of :class:`MilitiaState` are its
    attributes) and their shared policy; not itself a Mesa agent: each faction is one
    (:class:`Militia`)."""

    def __init__(self, model: EscalationModel) -> None:
        cfg = model.config.militia
        factions = cfg.factions
        shape = (model.n_replicas, len(factions))
        self.params = MilitiaParams.of(cfg)
        self.state = MilitiaState(
            capability=np.tile(np.array([f.capability for f in factions]), (shape[0], 1)),
            grievance=np.full(shape, cfg.grievance),
            disrupted_until=np.full(shape, -1, dtype=np.int64),
            truce_until=np.full(shape, -1, dtype=np.int64),
            perceived=np.zeros(shape, dtype=np.int64),
        )
        self.policy = make_policy(cfg.policy, shape, model.ladder.max_level_of("militia"))


class Militia(StateView, mesa.Agent):
    """One Iran-backed faction: its name, parameters and state, the fields of
    :class:`MilitiaState` as views of its column (arrays over replicas)."""

    def __init__(
        self, model: EscalationModel, forces: MilitiaForces, index: int, faction: FactionConfig
    ) -> None:
        super().__init__(model)
        self.index = index
        self.faction = faction
        self.name = faction.name
        self.forces = forces
        self.state = MilitiaState(*(column[:, index] for column in forces.state))
