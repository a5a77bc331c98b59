"""The United States: troops, force protection, domestic pressure, deterrence credibility.

Each day the US reads the militias' actions of ``reaction_lag_days`` ago (as it perceived and
attributed them), holds the faction blamed for the worst one responsible, and answers by its
policy; it then absorbs the day: pressure rises with casualties, protection with attacks, and
credibility with each use of force (and falls when an attack goes unanswered).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import mesa
import numpy as np

from sim.actors.registry import Actor, Logged
from sim.actors.views import StateView
from sim.config.schema import USConfig
from sim.core.compiled import clip_scalar, compiled
from sim.core.ladder import FORCE_LEVEL as FORCE
from sim.core.ladder import actor_code, lookup
from sim.core.params import half_life_decay
from sim.core.perception import read_lagged
from sim.policies import Observation, make_policy
from sim.policies.base import row_observation

if TYPE_CHECKING:
    from sim.core.ladder import LadderTables
    from sim.model.escalation import EscalationModel
    from sim.model.resolve import DayOutcome
    from sim.model.world import Readings, Slots


NAME = "us"
"""The model's attribute for this actor, and its name in configs and the ladder."""
CODE = actor_code(NAME)
"""Its code among the acting actors (:func:`sim.core.ladder.actor_code`)."""
MILITIA = actor_code("militia")


class UsState(NamedTuple):
    """The US state, arrays over replicas."""

    troops: np.ndarray  # troops in Iraq (the withdrawal schedule sets them)
    pressure: np.ndarray  # domestic pressure to retaliate, 0-1
    protection: np.ndarray  # force-protection level, 0-1
    deterrence: np.ndarray  # credibility of the US threat, 0-1
    target: np.ndarray  # faction held responsible for the worst attack perceived
    perceived_attack: np.ndarray  # level of that attack


class UsParams(NamedTuple):
    reaction_lag: int
    pressure_decay: float
    protection_decay: float
    casualty_sensitivity: float
    wounded_sensitivity: float
    force_protection: float
    protection_gain: float
    protection_effect: float
    deterrence_gain: float
    deterrence_loss: float
    troops_syria: float
    exposed0: float  # troops within reach at the start (Iraq and Syria)

    @classmethod
    def of(cls, cfg: USConfig) -> UsParams:
        return cls(
            int(cfg.reaction_lag_days),
            half_life_decay(cfg.pressure_half_life_days),
            half_life_decay(cfg.protection_half_life_days),
            float(cfg.casualty_sensitivity),
            float(cfg.wounded_sensitivity),
            float(cfg.force_protection),
            float(cfg.protection_gain),
            float(cfg.protection_effect),
            float(cfg.deterrence_gain),
            float(cfg.deterrence_loss),
            float(cfg.troops_syria),
            float(max(cfg.troops_iraq + cfg.troops_syria, 1)),
        )


@compiled
def exposure(s: UsState, p: UsParams) -> np.ndarray:
    """US troops within the militias' reach (Iraq and Syria) relative to the start."""
    return (s.troops + p.troops_syria) / p.exposed0


@compiled
def observe(
    t: int, u: np.ndarray, s: UsState, p: UsParams, readings: Readings, slots: Slots, war: float
) -> Observation:
    """What the US decides on: the worst militia action perceived ``reaction_lag`` days ago
    (ties broken at random by a jitter of half a rung); where it is hostile, the faction blamed
    for it becomes the target (``target`` and ``perceived_attack`` updated in place)."""
    levels = read_lagged(readings.seen_by_us, t, p.reaction_lag)
    blamed = read_lagged(readings.blamed_by_us, t, p.reaction_lag)
    perceived, target = s.perceived_attack, s.target
    n, nf = levels.shape
    jitter = slots.us_jitter
    for r in range(n):
        worst = 0
        best = levels[r, 0] + 0.5 * u[r, jitter]
        for f in range(1, nf):
            jittered = levels[r, f] + 0.5 * u[r, jitter + f]
            if jittered > best:
                best = jittered
                worst = f
        perceived[r] = levels[r, worst]
        if perceived[r] > 0:
            target[r] = blamed[r, worst]
    no_militia_level = np.zeros((1, 1), np.int64)
    return row_observation(t, perceived, u[:, slots.us_policy], s.pressure, war, no_militia_level)


@compiled
def rungs(levels: np.ndarray, lad: LadderTables) -> np.ndarray:
    """The US rung ids for the policy's levels (no US rung below -1)."""
    return lookup(lad.by_actor[CODE], np.maximum(levels.reshape(-1), -1), lad.min_level)


@compiled
def logged(target: np.ndarray, d: DayOutcome) -> Logged:
    """The day's US action for the event log: aimed at the faction ``target``, read by the
    militias as ``d.us_seen``, killing ``d.militia_killed``."""
    n = target.shape[0]
    return Logged(
        np.full((n, 1), MILITIA, np.int64),
        target.reshape((n, 1)),
        d.us_seen.reshape((n, 1)),
        np.full((n, 1), -1, np.int64),
        d.militia_killed.reshape((n, 1)),
        np.zeros((n, 1), np.int64),
    )


@compiled
def absorb(d: DayOutcome, s: UsState, p: UsParams) -> None:
    """The US state after day outcome ``d``: pressure decays and rises with casualties;
    protection relaxes towards its baseline and rises with attacks; credibility rises with
    each use of force and falls when a perceived attack goes unanswered (all in [0, 1])."""
    pressure, protection, deterrence = s.pressure, s.protection, s.deterrence
    perceived = s.perceived_attack
    killed, wounded, attacks, used_force = d.us_killed, d.us_wounded, d.attacks, d.used_force
    for r in range(pressure.shape[0]):
        pressure[r] = clip_scalar(
            pressure[r] * p.pressure_decay
            + p.casualty_sensitivity * killed[r]
            + p.wounded_sensitivity * wounded[r],
            0.0,
            1.0,
        )
        protection[r] = clip_scalar(
            p.force_protection
            + (protection[r] - p.force_protection) * p.protection_decay
            + p.protection_gain * attacks[r],
            0.0,
            1.0,
        )
        struck = 1.0 if used_force[r] else 0.0
        unanswered = 1.0 if (perceived[r] >= FORCE and not used_force[r]) else 0.0
        deterrence[r] = clip_scalar(
            deterrence[r]
            + p.deterrence_gain * struck * (1.0 - deterrence[r])
            - p.deterrence_loss * unanswered * deterrence[r],
            0.0,
            1.0,
        )


class UnitedStates(StateView, mesa.Agent):
    """US forces and decision-makers (module docstring); the fields of :class:`UsState` are
    its attributes."""

    def __init__(self, model: EscalationModel) -> None:
        super().__init__(model)
        cfg = model.config.us
        n = model.n_replicas
        self.params = UsParams.of(cfg)
        self.state = UsState(
            troops=np.full(n, float(cfg.troops_iraq)),
            pressure=np.zeros(n),
            protection=np.full(n, cfg.force_protection),
            deterrence=np.full(n, cfg.deterrence),
            target=np.zeros(n, dtype=np.int64),
            perceived_attack=np.zeros(n, dtype=np.int64),
        )
        self.policy = make_policy(
            cfg.policy, n, model.ladder.max_level_of("us"), model.draws_of("us")
        )


ACTOR = Actor(NAME, 1, UsState, UsParams, UnitedStates, parties=lambda config: ["United States"])
