"""The Iran-backed militia factions: stocks, motives, fear, truces and leadership.

Each faction reads the US action of ``reaction_lag_days`` ago (a strike on another faction is
discounted by ``solidarity_discount`` rungs) and attacks by its policy, restrained by four
things at once: its compliance with Iran's signal, Iraqi mediation, the fear the US
responses instilled (coercion) and the visible progress of the talks on ending the coalition
mission (the off-ramp). When Iran orders a halt, the factions whose compliance exceeds one
shared draw declare a truce and hold it (threats at most) while the halt lasts; the others
feel Iran's restraint through their compliance. An attack a faction's stock cannot pay for
becomes a threat. Each day it pays for its attacks, regenerates its stock (not while a
killed commander disrupts it) and suffers the US action: the faction struck loses stock,
gains grievance (most when its commander is killed) and fear (the others a share of it).

Factions decide simultaneously and independently, each with its own parameters and random
numbers, so one computation over (replicas x factions) arrays serves them all; each faction
is also a Mesa agent (:class:`Militia`) whose attributes are its column of those arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

import mesa
import numpy as np

from sim.actors import united_states
from sim.actors.registry import Actor, Logged
from sim.actors.views import StateView
from sim.config.schema import FactionConfig, MilitiaConfig
from sim.core.compiled import clip_scalar, compiled
from sim.core.ladder import FORCE_LEVEL as FORCE
from sim.core.ladder import THREAT_LEVEL, actor_code, rung_at
from sim.core.params import by_replica, half_life_decay
from sim.core.perception import read_lagged
from sim.policies import Observation, make_policy

if TYPE_CHECKING:
    from sim.config.schema import ScenarioConfig
    from sim.core.ladder import LadderTables
    from sim.model.escalation import EscalationModel
    from sim.model.resolve import DayOutcome
    from sim.model.world import Readings, Slots


NAME = "militia"
"""The model's attribute for this actor, and its name in configs and the ladder."""
CODE = actor_code(NAME)
"""Its code among the acting actors (:func:`sim.core.ladder.actor_code`)."""


class MilitiaState(NamedTuple):
    """The factions' state, arrays of shape (replicas, factions)."""

    capability: np.ndarray  # drone/rocket stock as a fraction of the maximum, 0-1
    grievance: np.ndarray  # motive from being struck, 0-1; decays
    disrupted_until: np.ndarray  # day until which a killed commander stops regeneration
    truce_until: np.ndarray  # day until which the faction keeps a truce a shock forced
    halted: np.ndarray  # the faction holds Iran's halt (a truce while the halt lasts)
    fear: np.ndarray  # expected cost of attacking, raised by US responses, 0-1; decays
    perceived: np.ndarray  # level of the US action the faction perceived
    hostility: np.ndarray  # all the grievance the US ever caused it; never decays


class MilitiaParams(NamedTuple):
    reaction_lag: int
    resolve: np.ndarray  # (1, factions)
    compliance: np.ndarray  # (factions,)
    solidarity_discount: int
    capability_regen: float
    disruption_days: int
    grievance_decay: float
    revenge: float
    coercion: np.ndarray  # (replicas,): calibrated, a draw per replica
    fear_decay: float
    coercion_spillover: float
    truce_days: int

    @classmethod
    def of(cls, cfg: MilitiaConfig, n: int, draws: Mapping[str, np.ndarray]) -> MilitiaParams:
        return cls(
            int(cfg.reaction_lag_days),
            np.array([[f.resolve for f in cfg.factions]], dtype=float),
            np.array([f.compliance for f in cfg.factions], dtype=float),
            int(cfg.solidarity_discount),
            float(cfg.capability_regen),
            int(cfg.disruption_days),
            half_life_decay(cfg.grievance_half_life_days),
            float(cfg.revenge),
            by_replica(draws, "militia.coercion", cfg.coercion, n),
            half_life_decay(cfg.coercion_half_life_days),
            float(cfg.coercion_spillover),
            int(cfg.truce_days),
        )


@compiled
def observe(
    t: int,
    u: np.ndarray,
    s: MilitiaState,
    p: MilitiaParams,
    readings: Readings,
    slots: Slots,
    war: float,
    iran_restraint: np.ndarray,
    mediation_until: np.ndarray,
    leverage: float,
    deterrence: np.ndarray,
    exposure: np.ndarray,
    talks: np.ndarray,
    offramp: np.ndarray,
) -> Observation:
    """What each faction decides on: the US action it felt ``reaction_lag`` days ago, and
    the restraint on it, the share of its attacks held back by any of: its compliance with
    Iran's signal, Iraqi mediation (the government's ``leverage``, while it mediates), its
    fear, and the progress of the ``talks`` (up to ``offramp``); besides, the US
    ``deterrence`` and the ``exposure`` of US troops. ``perceived`` is updated in place."""
    us_level = read_lagged(readings.seen_by_militia, t, p.reaction_lag)
    us_target = read_lagged(readings.us_target_log, t, p.reaction_lag)
    perceived, compliance, fear = s.perceived, p.compliance, s.fear
    n, nf = perceived.shape
    restraint = np.empty((n, nf))
    campaign = np.empty((n, 1))
    for r in range(n):
        campaign[r, 0] = s.hostility[r].sum()
        level = us_level[r]
        discounted = max(level - p.solidarity_discount, 0) if level >= FORCE else level
        free = (1.0 - leverage) if t < mediation_until[r] else 1.0
        free *= 1.0 - offramp[r] * talks[r]
        for f in range(nf):
            perceived[r, f] = level if us_target[r] == f else discounted
            own = compliance[f] * iran_restraint[r]
            held = clip_scalar(p.coercion[r] * fear[r, f], 0.0, 1.0)
            restraint[r, f] = 1.0 - (1.0 - own) * (1.0 - held) * free
    start = slots.mil_policy
    return Observation(
        t,
        s.perceived,
        np.ascontiguousarray(u[:, start : start + nf]),
        np.zeros((1, 1)),
        p.resolve,
        s.capability,
        s.grievance,
        restraint,
        deterrence.reshape(n, 1),
        exposure.reshape(n, 1),
        war,
        np.zeros((1, 1), np.int64),
        campaign,
    )


@compiled
def rungs(
    t: int,
    u: np.ndarray,
    levels: np.ndarray,
    s: MilitiaState,
    p: MilitiaParams,
    halt_started: np.ndarray,
    slots: Slots,
    lad: LadderTables,
) -> tuple[np.ndarray, np.ndarray]:
    """Rung ids (R, F) from the policy's levels, and which factions joined a halt today: on
    the day Iran orders a halt, the factions whose compliance exceeds one draw shared by all
    (Iran's leverage, enforced on all at once) declare a truce; in a truce a faction
    threatens at most; an attack the faction's stock cannot pay for becomes a threat."""
    table, cost = lad.by_actor[CODE], lad.capability_cost
    lowest, truce = lad.min_level, lad.truce_rung
    truce_until, halted = s.truce_until, s.halted
    capability, compliance = s.capability, p.compliance
    n, nf = levels.shape
    shared = slots.mil_truce
    out = np.empty((n, nf), np.int64)
    joined = np.zeros((n, nf), np.bool_)
    for r in range(n):
        for f in range(nf):
            if halt_started[r] and u[r, shared] < compliance[f]:
                out[r, f] = truce
                joined[r, f] = True
                continue
            wanted = levels[r, f]
            if t < truce_until[r, f] or halted[r, f]:
                wanted = min(wanted, THREAT_LEVEL)
            chosen = rung_at(table, wanted, lowest)
            if cost[chosen] > capability[r, f]:
                chosen = rung_at(table, min(wanted, THREAT_LEVEL), lowest)
            out[r, f] = chosen
    return out, joined


@compiled
def commit(
    t: int,
    mil_rung: np.ndarray,
    joined: np.ndarray,
    shocked: np.ndarray,
    s: MilitiaState,
    p: MilitiaParams,
    truce: int,
    halt_on: np.ndarray,
) -> None:
    """A truce that Iran ordered (``joined`` today's halt) is held while the halt lasts; one
    a shock forced (``shocked``, per faction: which factions' actions a shock replaced) for
    ``truce_days``; each only if it is still the faction's action after the day's shocks. A
    truce a policy (a person) chose is the day's action only. A halt that Iran lifted
    releases its factions."""
    until, halted = s.truce_until, s.halted
    end = t + p.truce_days
    for r in range(until.shape[0]):
        for f in range(until.shape[1]):
            kept = mil_rung[r, f] == truce
            if kept and shocked[f]:
                until[r, f] = max(until[r, f], end)
            halted[r, f] = halt_on[r] and (halted[r, f] or (kept and joined[r, f]))


@compiled
def absorb(
    t: int,
    mil_rung: np.ndarray,
    us_rung: np.ndarray,
    us_target: np.ndarray,
    s: MilitiaState,
    p: MilitiaParams,
    lad: LadderTables,
    supply: np.ndarray,
    talks_broke: np.ndarray,
    breakdown_grievance: float,
) -> None:
    """Each faction pays for its attacks and regenerates its stock (at Iran's ``supply``; not
    while its commander's killing disrupts it); the faction the US struck loses stock and
    gains grievance, most when its commander is killed; fear decays and rises with the US
    action's ``coercion`` (the factions not struck feel ``coercion_spillover`` of it); where
    the talks broke down today every faction gains ``breakdown_grievance``. Updates the
    state in place."""
    damage_of, cost, grievance_of = lad.capability_damage, lad.capability_cost, lad.grievance
    leadership, coercion_of = lad.leadership_strike, lad.coercion
    capability, grievance, disrupted_until = s.capability, s.grievance, s.disrupted_until
    fear, hostility = s.fear, s.hostility
    n, nf = mil_rung.shape
    for r in range(n):
        struck = us_rung[r]
        broke = breakdown_grievance if talks_broke[r] else 0.0
        for f in range(nf):
            hit = us_target[r] == f
            felt = coercion_of[struck] * (1.0 if hit else p.coercion_spillover)
            fear[r, f] = clip_scalar(fear[r, f] * p.fear_decay + felt, 0.0, 1.0)
            regen = 0.0 if t < disrupted_until[r, f] else p.capability_regen * supply[r]
            damage = damage_of[struck] if hit else 0.0
            cap = capability[r, f]
            capability[r, f] = clip_scalar(
                (cap + regen * (1.0 - cap)) * (1.0 - damage) - cost[mil_rung[r, f]], 0.0, 1.0
            )
            beheaded = hit and leadership[struck]
            if beheaded:
                disrupted_until[r, f] = t + p.disruption_days
            hit_by = grievance_of[struck] if hit else 0.0
            avenged = p.revenge * (1.0 if beheaded else 0.0)
            hostility[r, f] += hit_by + avenged + broke
            # summed in this order (not the gains first), as grievance always was
            grievance[r, f] = clip_scalar(
                grievance[r, f] * p.grievance_decay + hit_by + avenged + broke, 0.0, 1.0
            )


class MilitiaForces(StateView):
    """All factions' state (module docstring; the fields of :class:`MilitiaState` are its
    attributes) and their shared policy; not itself a Mesa agent: each faction is one
    (:class:`Militia`)."""

    def __init__(self, model: EscalationModel) -> None:
        cfg = model.config.militia
        factions = cfg.factions
        shape = (model.n_replicas, len(factions))
        self.params = MilitiaParams.of(cfg, shape[0], model.draws)
        self.state = MilitiaState(
            capability=np.tile(np.array([f.capability for f in factions]), (shape[0], 1)),
            grievance=np.full(shape, cfg.grievance),
            disrupted_until=np.full(shape, -1, dtype=np.int64),
            truce_until=np.full(shape, -1, dtype=np.int64),
            halted=np.zeros(shape, dtype=bool),
            fear=np.zeros(shape),
            perceived=np.zeros(shape, dtype=np.int64),
            hostility=np.zeros(shape),
        )
        self.policy = make_policy(
            cfg.policy,
            shape,
            model.ladder.max_level_of("militia"),
            model.draws_of("militia"),
            [f.name for f in factions],
        )


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


@compiled
def logged(mil_rung: np.ndarray, d: DayOutcome, level: np.ndarray) -> Logged:
    """The day's militia actions for the event log: each faction's, aimed at the United
    States, read by the US as ``d.seen`` and, if an attack, blamed on ``d.blamed``."""
    n, nf = mil_rung.shape
    blamed = np.empty((n, nf), np.int64)
    for r in range(n):
        for f in range(nf):
            blamed[r, f] = d.blamed[r, f] if level[mil_rung[r, f]] >= FORCE else -1
    target = np.full((n, nf), united_states.CODE, np.int64)
    return Logged(target, np.zeros((n, nf), np.int64), d.seen, blamed, d.killed, d.wounded)


def factions(config: ScenarioConfig) -> list[str]:
    """The factions' names: the parties the militias act as."""
    return [f.name for f in config.militia.factions]


def build_forces(model: EscalationModel) -> MilitiaForces:
    """The factions' shared state and policy, and one Mesa agent per faction
    (``model.militias``)."""
    forces = MilitiaForces(model)
    model.militias = [
        Militia(model, forces, i, f) for i, f in enumerate(model.config.militia.factions)
    ]
    return forces


ACTOR = Actor(
    NAME, 2, MilitiaState, MilitiaParams, build_forces, parties=factions,
    everyone="all militia factions",
)  # fmt: skip
