"""The actors, as Mesa agents whose state is held as numpy arrays over replicas.

Each agent decides on what it perceived up to ``reaction_lag_days`` ago (all agents decide
simultaneously, so activation order cannot matter) and then absorbs the day's outcomes. The
model (:mod:`sim.model`) resolves interactions between them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.arrays import clip
from sim.config import FactionConfig
from sim.ladder import FORCE_LEVEL as FORCE
from sim.ladder import THREAT_LEVEL
from sim.policies import Observation, make_policy

if TYPE_CHECKING:
    from sim.model import EscalationModel


def _half_life_decay(days: float) -> float:
    return 0.5 ** (1.0 / days)


class UnitedStates(mesa.Agent):
    """US forces and decision-makers: troops, force protection, domestic pressure, credibility.

    Attributes (arrays over replicas):
        troops: Troops in Iraq (the withdrawal schedule reduces them).
        pressure: Domestic pressure to retaliate in [0, 1]; rises with US casualties.
        protection: Force-protection level in [0, 1].
        deterrence: Credibility of the US threat in [0, 1]; rises when the US uses force,
            falls when attacks go unanswered.
        target: Faction the US holds responsible for the worst attack it perceived.
    """

    def __init__(self, model: EscalationModel) -> None:
        super().__init__(model)
        cfg = model.config.us
        n = model.n_replicas
        self.cfg = cfg
        self.troops = np.full(n, float(cfg.troops_iraq))
        self.pressure = np.zeros(n)
        self.protection = np.full(n, cfg.force_protection)
        self.deterrence = np.full(n, cfg.deterrence)
        self.target = np.zeros(n, dtype=np.int64)
        self.perceived_attack = np.zeros(n, dtype=np.int64)
        self.policy = make_policy(cfg.policy, n, model.ladder.max_level_of("us"))
        self._pressure_decay = _half_life_decay(cfg.pressure_half_life_days)
        self._protection_decay = _half_life_decay(cfg.protection_half_life_days)

    def decide(self, t: int, u: np.ndarray) -> np.ndarray:
        """Today's rung ids: the policy's answer to the worst attack perceived ``lag`` ago."""
        m = self.model
        levels = m.seen_by_us.read(t, self.cfg.reaction_lag_days)  # (R, F) perceived levels
        blamed = m.blamed_by_us.read(t, self.cfg.reaction_lag_days)  # (R, F) attributed faction
        jitter = levels + 0.5 * u[:, m.slots["us_jitter"]]
        worst = np.argmax(jitter, axis=1)
        rows = np.arange(m.n_replicas)
        self.perceived_attack = levels[rows, worst]
        self.target = np.where(self.perceived_attack > 0, blamed[rows, worst], self.target)
        obs = Observation(
            day=t,
            opponent=self.perceived_attack,
            u=u[:, m.slots["us_policy"].start],
            pressure=self.pressure,
        )
        return m.ladder.rung_for("us", np.maximum(self.policy.decide(obs), -1))

    def absorb(
        self, killed: np.ndarray, wounded: np.ndarray, attacks: np.ndarray, used_force: np.ndarray
    ) -> None:
        """Update pressure, protection and credibility from the day's outcomes."""
        c = self.cfg
        self.pressure = clip(
            self.pressure * self._pressure_decay
            + c.casualty_sensitivity * killed
            + c.wounded_sensitivity * wounded,
            0.0,
            1.0,
        )
        self.protection = clip(
            c.force_protection
            + (self.protection - c.force_protection) * self._protection_decay
            + c.protection_gain * attacks,
            0.0,
            1.0,
        )
        unanswered = (self.perceived_attack >= FORCE) & ~used_force
        self.deterrence = clip(
            self.deterrence
            + c.deterrence_gain * used_force * (1.0 - self.deterrence)
            - c.deterrence_loss * unanswered * self.deterrence,
            0.0,
            1.0,
        )


class MilitiaForces:
    """The militia factions' state, held as (replicas x factions) arrays, and their decisions.

    Factions decide simultaneously and independently, each with its own parameters and
    random numbers, so one vectorised computation serves them all; each faction is also a
    Mesa agent (:class:`Militia`) whose state attributes are its column of these arrays.

    Attributes (arrays of shape (R, F)):
        capability: Drone/rocket stock as a fraction of the faction's maximum, in [0, 1].
        grievance: Motive from being struck, in [0, 1]; decays.
        disrupted_until: Day until which a killed commander stops regeneration.
        truce_until: Day until which the faction keeps an Iran-ordered truce.
        perceived: Level of the US action each faction perceived (after lag and noise).
    """

    def __init__(self, model: EscalationModel) -> None:
        cfg = model.config.militia
        factions = cfg.factions
        shape = (model.n_replicas, len(factions))
        self.model = model
        self.cfg = cfg
        self.index = np.arange(len(factions))
        self.resolve = np.array([f.resolve for f in factions])
        self.compliance = np.array([f.compliance for f in factions])
        self.capability = np.tile(np.array([f.capability for f in factions]), (shape[0], 1))
        self.grievance = np.full(shape, cfg.grievance)
        self.disrupted_until = np.full(shape, -1, dtype=np.int64)
        self.truce_until = np.full(shape, -1, dtype=np.int64)
        self.perceived = np.zeros(shape, dtype=np.int64)
        self.policy = make_policy(cfg.policy, shape, model.ladder.max_level_of("militia"))
        self._grievance_decay = _half_life_decay(cfg.grievance_half_life_days)

    def decide(self, t: int, u: np.ndarray, war: float) -> np.ndarray:
        """Today's rung ids (R, F): the policy's choice, bounded by truce and capability."""
        m = self.model
        ladder = m.ladder
        slots = m.slots
        lag = self.cfg.reaction_lag_days
        us_level = m.seen_by_militia.read(t, lag)
        us_target = m.us_target_log.read(t, lag)
        # A strike on another faction is felt, discounted by solidarity_discount rungs.
        discounted = np.where(
            us_level >= FORCE, np.maximum(us_level - self.cfg.solidarity_discount, 0), us_level
        )
        self.perceived = np.where(
            us_target[:, None] == self.index, us_level[:, None], discounted[:, None]
        )
        restraint = self.compliance * m.iran.restraint[:, None]
        mediating = (t < m.iraq.mediation_until)[:, None]
        restraint = 1.0 - (1.0 - restraint) * np.where(mediating, 1.0 - m.config.iraq.leverage, 1.0)
        obs = Observation(
            day=t,
            opponent=self.perceived,
            u=u[:, slots["mil_policy"]],
            resolve=self.resolve,
            capability=self.capability,
            grievance=self.grievance,
            restraint=restraint,
            deterrence=m.us.deterrence[:, None],
            exposure=m.exposure()[:, None],
            war=war,
        )
        level = self.policy.decide(obs)
        # Iran-ordered pause: compliant factions declare a truce, then hold it.
        joins = m.iran.pause_started[:, None] & (u[:, slots["mil_truce"]] < self.compliance)
        self.truce_until = np.where(joins, t + m.config.iran.pause_days, self.truce_until)
        level = np.where(t < self.truce_until, np.minimum(level, THREAT_LEVEL), level)
        rung = ladder.rung_for("militia", level)
        # An attack needs the stock to pay for it; otherwise the faction only threatens.
        short = ladder.capability_cost[rung] > self.capability
        rung = np.where(short, ladder.rung_for("militia", np.minimum(level, THREAT_LEVEL)), rung)
        return np.where(joins, m.truce_rung, rung)

    def absorb(
        self,
        t: int,
        own_rung: np.ndarray,
        us_rung: np.ndarray,
        us_target: np.ndarray,
        supply: np.ndarray,
    ) -> None:
        """Pay for today's attacks, regenerate, and suffer the US action aimed at a faction."""
        ladder = self.model.ladder
        hit = us_target[:, None] == self.index
        us_rung = us_rung[:, None]
        regen = np.where(t < self.disrupted_until, 0.0, self.cfg.capability_regen * supply[:, None])
        damage = np.where(hit, ladder.capability_damage[us_rung], 0.0)
        self.capability[...] = clip(
            (self.capability + regen * (1.0 - self.capability)) * (1.0 - damage)
            - ladder.capability_cost[own_rung],
            0.0,
            1.0,
        )
        beheaded = hit & ladder.leadership_strike[us_rung]
        self.disrupted_until[...] = np.where(
            beheaded, t + self.cfg.disruption_days, self.disrupted_until
        )
        self.grievance[...] = clip(
            self.grievance * self._grievance_decay
            + np.where(hit, ladder.grievance[us_rung], 0.0)
            + self.cfg.revenge * beheaded,
            0.0,
            1.0,
        )


class Militia(mesa.Agent):
    """One Iran-backed faction: its name, parameters and state.

    The state attributes are views of the faction's column in :class:`MilitiaForces`, which
    decides for all factions at once.
    """

    def __init__(
        self, model: EscalationModel, forces: MilitiaForces, index: int, faction: FactionConfig
    ) -> None:
        super().__init__(model)
        self.index = index
        self.faction = faction
        self.name = faction.name
        self.forces = forces

    @property
    def capability(self) -> np.ndarray:
        """Drone/rocket stock as a fraction of the maximum (per replica)."""
        return self.forces.capability[:, self.index]

    @property
    def grievance(self) -> np.ndarray:
        """Grievance against the US (per replica)."""
        return self.forces.grievance[:, self.index]

    @property
    def truce_until(self) -> np.ndarray:
        """Day until which the faction keeps a truce (per replica)."""
        return self.forces.truce_until[:, self.index]


class IraqiGovernment(mesa.Agent):
    """The Iraqi government: sovereignty grievance, pressure to end the coalition, leverage.

    Attributes (arrays over replicas):
        grievance: Sovereignty grievance in [0, 1] from US strikes and militia attacks.
        pressure: Political pressure to end the coalition mission in [0, 1].
        mediation_until: Day until which Iraqi mediation restrains the militias.
    """

    def __init__(self, model: EscalationModel) -> None:
        super().__init__(model)
        cfg = model.config.iraq
        n = model.n_replicas
        self.cfg = cfg
        self.grievance = np.zeros(n)
        self.pressure = np.full(n, cfg.pressure)
        self.mediation_until = np.full(n, -1, dtype=np.int64)
        self.policy = make_policy(cfg.policy, n, model.ladder.max_level_of("iraq"))
        self._decay = _half_life_decay(cfg.grievance_half_life_days)
        self._pressure_base = cfg.pressure - cfg.isis_weight * cfg.isis_threat

    def decide(self, t: int, u: np.ndarray) -> np.ndarray:
        """Today's rung ids, answering what the US and the militias did ``lag`` ago."""
        m = self.model
        lag = self.cfg.reaction_lag_days
        obs = Observation(
            day=t,
            opponent=m.us_level_log.read(t, lag),
            u=u[:, m.slots["iraq_policy"].start],
            pressure=self.pressure,
            militia_level=m.militia_level_log.read(t, lag),
        )
        rung = m.ladder.rung_for("iraq", self.policy.decide(obs))
        mediating = m.ladder.level[rung] < 0
        self.mediation_until = np.where(  # restrains from tomorrow for mediation_days days
            mediating, t + 1 + self.cfg.mediation_days, self.mediation_until
        )
        return rung

    def absorb(self, sovereignty: np.ndarray) -> None:
        """Accumulate grievance; let pressure follow baseline + grievance, held down by the
        ISIS threat (the coalition's reason to stay)."""
        c = self.cfg
        self.grievance = clip(self.grievance * self._decay + sovereignty, 0.0, 1.0)
        target = clip(self._pressure_base + self.grievance, 0.0, 1.0)
        self.pressure = self.pressure + c.pressure_rate * (target - self.pressure)


class IranPatron(mesa.Agent):
    """Iran as patron: a restraint signal and supply for the militias.

    Presses for a pause (restraint ``pause_restraint`` for ``pause_days``) when US deaths in a
    day reach ``pause_trigger_killed``; switched off, restraint is 0 and nothing is paused.
    """

    def __init__(self, model: EscalationModel) -> None:
        super().__init__(model)
        cfg = model.config.iran
        n = model.n_replicas
        self.cfg = cfg
        self.pause_until = np.full(n, -1, dtype=np.int64)
        self.pause_started = np.zeros(n, dtype=bool)
        self.restraint = np.full(n, cfg.restraint if cfg.enabled else 0.0)
        self.supply = np.full(n, cfg.supply)

    def signal(self, t: int, us_killed_yesterday: np.ndarray) -> None:
        """Set today's restraint from yesterday's US deaths."""
        c = self.cfg
        if not c.enabled:
            return
        trigger = c.pause_trigger_killed > 0
        self.pause_started = (
            trigger & (us_killed_yesterday >= c.pause_trigger_killed) & (t >= self.pause_until)
        )
        self.pause_until = np.where(self.pause_started, t + c.pause_days, self.pause_until)
        self.restraint = np.where(t < self.pause_until, c.pause_restraint, c.restraint)
