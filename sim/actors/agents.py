"""The actors, as Mesa agents whose state is held as numpy arrays over replicas.

Each agent decides on what it perceived up to ``reaction_lag_days`` ago (all agents decide
simultaneously, so activation order cannot matter) and then absorbs the day's outcomes. The
model (:mod:`sim.model.escalation`) resolves interactions between them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.config.schema import FactionConfig
from sim.core.compiled import clip_scalar, compiled
from sim.core.ladder import FORCE_LEVEL as FORCE
from sim.core.ladder import THREAT_LEVEL, rung_at
from sim.policies import Observation, make_policy

if TYPE_CHECKING:
    from sim.model.escalation import EscalationModel


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
        self.perceived_attack = _worst_attack(
            levels, blamed, u[:, m.slots["us_jitter"]], self.target
        )
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
        self.pressure, self.protection, self.deterrence = _us_absorb(
            self.pressure,
            self.protection,
            self.deterrence,
            self.perceived_attack,
            killed,
            wounded,
            attacks,
            used_force,
            self._pressure_decay,
            self._protection_decay,
            float(c.casualty_sensitivity),
            float(c.wounded_sensitivity),
            float(c.force_protection),
            float(c.protection_gain),
            float(c.deterrence_gain),
            float(c.deterrence_loss),
        )


@compiled
def _worst_attack(levels, blamed, jitter_u, target):
    """Per replica, the level of the worst attack perceived (ties broken at random by a
    jitter of half a rung); where it is hostile, ``target`` (updated in place) becomes the
    faction blamed for it."""
    n, nf = levels.shape
    perceived = np.empty(n, np.int64)
    for r in range(n):
        worst = 0
        best = levels[r, 0] + 0.5 * jitter_u[r, 0]
        for f in range(1, nf):
            jitter = levels[r, f] + 0.5 * jitter_u[r, f]
            if jitter > best:
                best = jitter
                worst = f
        perceived[r] = levels[r, worst]
        if perceived[r] > 0:
            target[r] = blamed[r, worst]
    return perceived


@compiled
def _us_absorb(
    pressure,
    protection,
    deterrence,
    perceived_attack,
    killed,
    wounded,
    attacks,
    used_force,
    pressure_decay,
    protection_decay,
    casualty_sensitivity,
    wounded_sensitivity,
    force_protection,
    protection_gain,
    deterrence_gain,
    deterrence_loss,
):
    """The US state after a day: pressure decays and rises with casualties; protection
    relaxes towards its baseline and rises with attacks; credibility rises with each use of
    force and falls when a perceived attack goes unanswered (all clipped to [0, 1])."""
    n = pressure.shape[0]
    new_pressure = np.empty(n)
    new_protection = np.empty(n)
    new_deterrence = np.empty(n)
    for r in range(n):
        new_pressure[r] = clip_scalar(
            pressure[r] * pressure_decay
            + casualty_sensitivity * killed[r]
            + wounded_sensitivity * wounded[r],
            0.0,
            1.0,
        )
        new_protection[r] = clip_scalar(
            force_protection
            + (protection[r] - force_protection) * protection_decay
            + protection_gain * attacks[r],
            0.0,
            1.0,
        )
        struck = 1.0 if used_force[r] else 0.0
        unanswered = 1.0 if (perceived_attack[r] >= FORCE and not used_force[r]) else 0.0
        new_deterrence[r] = clip_scalar(
            deterrence[r]
            + deterrence_gain * struck * (1.0 - deterrence[r])
            - deterrence_loss * unanswered * deterrence[r],
            0.0,
            1.0,
        )
    return new_pressure, new_protection, new_deterrence


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
        self.perceived, restraint = _militia_context(
            m.seen_by_militia.read(t, lag),
            m.us_target_log.read(t, lag),
            self.cfg.solidarity_discount,
            self.compliance,
            m.iran.restraint,
            m.iraq.mediation_until,
            t,
            float(m.config.iraq.leverage),
        )
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
        return _militia_bound(
            self.policy.decide(obs),
            u[:, slots["mil_truce"]],
            self.compliance,
            m.iran.pause_started,
            self.truce_until,
            t,
            m.config.iran.pause_days,
            self.capability,
            ladder.capability_cost,
            ladder.table_of("militia"),
            ladder.min_level,
            m.truce_rung,
        )

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
        _militia_absorb(
            t,
            own_rung,
            us_rung,
            us_target,
            supply,
            self.capability,
            self.grievance,
            self.disrupted_until,
            float(self.cfg.capability_regen),
            self.cfg.disruption_days,
            self._grievance_decay,
            float(self.cfg.revenge),
            ladder.capability_damage,
            ladder.capability_cost,
            ladder.grievance,
            ladder.leadership_strike,
        )


@compiled
def _militia_context(
    us_level,
    us_target,
    solidarity_discount,
    compliance,
    iran_restraint,
    mediation_until,
    t,
    leverage,
):
    """Per replica and faction: the level of the US action the faction felt (a strike on
    another faction is discounted by ``solidarity_discount`` rungs) and the restraint on it
    (its compliance with Iran's signal, tightened by Iraqi mediation)."""
    n = us_level.shape[0]
    nf = compliance.shape[0]
    perceived = np.empty((n, nf), np.int64)
    restraint = np.empty((n, nf))
    for r in range(n):
        level = us_level[r]
        discounted = max(level - solidarity_discount, 0) if level >= FORCE else level
        mediating = t < mediation_until[r]
        for f in range(nf):
            perceived[r, f] = level if us_target[r] == f else discounted
            own = compliance[f] * iran_restraint[r]
            restraint[r, f] = 1.0 - (1.0 - own) * ((1.0 - leverage) if mediating else 1.0)
    return perceived, restraint


@compiled
def _militia_bound(
    level,
    truce_u,
    compliance,
    pause_started,
    truce_until,
    t,
    pause_days,
    capability,
    capability_cost,
    rung_table,
    min_level,
    truce_rung,
):
    """Rung ids (R, F) from the policy's levels: when Iran presses for a pause, compliant
    factions declare a truce and then hold it (threats at most, ``truce_until`` updated in
    place); an attack the faction's stock cannot pay for becomes a threat."""
    n, nf = level.shape
    rung = np.empty((n, nf), np.int64)
    for r in range(n):
        for f in range(nf):
            joins = pause_started[r] and truce_u[r, f] < compliance[f]
            if joins:
                truce_until[r, f] = t + pause_days
                rung[r, f] = truce_rung
                continue
            wanted = level[r, f]
            if t < truce_until[r, f]:
                wanted = min(wanted, THREAT_LEVEL)
            chosen = rung_at(rung_table, wanted, min_level)
            if capability_cost[chosen] > capability[r, f]:
                chosen = rung_at(rung_table, min(wanted, THREAT_LEVEL), min_level)
            rung[r, f] = chosen
    return rung


@compiled
def _militia_absorb(
    t,
    own_rung,
    us_rung,
    us_target,
    supply,
    capability,
    grievance,
    disrupted_until,
    capability_regen,
    disruption_days,
    grievance_decay,
    revenge,
    capability_damage,
    capability_cost,
    grievance_of,
    leadership_strike,
):
    """Each faction pays for its attacks and regenerates its stock (not while its commander's
    killing disrupts it); the faction the US struck loses stock and gains grievance, most when
    its commander is killed. Updates the state arrays in place."""
    n, nf = own_rung.shape
    for r in range(n):
        struck = us_rung[r]
        for f in range(nf):
            hit = us_target[r] == f
            regen = 0.0 if t < disrupted_until[r, f] else capability_regen * supply[r]
            damage = capability_damage[struck] if hit else 0.0
            cap = capability[r, f]
            capability[r, f] = clip_scalar(
                (cap + regen * (1.0 - cap)) * (1.0 - damage) - capability_cost[own_rung[r, f]],
                0.0,
                1.0,
            )
            beheaded = hit and leadership_strike[struck]
            if beheaded:
                disrupted_until[r, f] = t + disruption_days
            grievance[r, f] = clip_scalar(
                grievance[r, f] * grievance_decay
                + (grievance_of[struck] if hit else 0.0)
                + revenge * (1.0 if beheaded else 0.0),
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
        self.grievance, self.pressure = _iraq_absorb(
            self.grievance,
            self.pressure,
            sovereignty,
            self._decay,
            float(self._pressure_base),
            float(self.cfg.pressure_rate),
        )


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
        self.pause_started, self.restraint = _iran_signal(
            t,
            us_killed_yesterday,
            self.pause_until,
            c.pause_trigger_killed,
            c.pause_days,
            float(c.pause_restraint),
            float(c.restraint),
        )


@compiled
def _iraq_absorb(grievance, pressure, sovereignty, decay, pressure_base, pressure_rate):
    """New grievance and pressure per replica: grievance decays and accumulates the day's
    sovereignty breaches; pressure moves at ``pressure_rate`` towards baseline + grievance."""
    n = grievance.shape[0]
    new_grievance = np.empty(n)
    new_pressure = np.empty(n)
    for r in range(n):
        new_grievance[r] = clip_scalar(grievance[r] * decay + sovereignty[r], 0.0, 1.0)
        target = clip_scalar(pressure_base + new_grievance[r], 0.0, 1.0)
        new_pressure[r] = pressure[r] + pressure_rate * (target - pressure[r])
    return new_grievance, new_pressure


@compiled
def _iran_signal(
    t, us_killed_yesterday, pause_until, trigger_killed, pause_days, pause_restraint, restraint
):
    """Per replica: whether Iran starts a pause today (yesterday's US deaths reached the
    trigger and no pause is on; ``pause_until`` updated in place) and today's restraint."""
    n = pause_until.shape[0]
    started = np.zeros(n, np.bool_)
    today = np.empty(n)
    for r in range(n):
        if trigger_killed > 0 and us_killed_yesterday[r] >= trigger_killed and t >= pause_until[r]:
            started[r] = True
            pause_until[r] = t + pause_days
        today[r] = pause_restraint if t < pause_until[r] else restraint
    return started, today
