"""Militia attack policies that model motive and capability rather than pure reciprocity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import PROBABILITY, param
from sim.ladder import FORCE_LEVEL, THREAT_LEVEL
from sim.policies.base import Observation, Policy, PolicyParams, register

# Levels of the ladder's conventions (sim.ladder): attacks from FORCE_LEVEL up, then threats.
HARASSMENT, CASUALTY, MASS_CASUALTY = FORCE_LEVEL, FORCE_LEVEL + 1, FORCE_LEVEL + 2
THREATEN = THREAT_LEVEL


@register
class HazardAttacks(Policy):
    """Attacks arrive as a Poisson process whose daily rate follows motive and means.

    rate = base_rate x resolve x capability x exposure x (1 - restraint) x
    (1 - deterrence_weight x deterrence) x (war_weight x war + grievance) x
    (1 + retaliation if the faction was just struck)

    and an attack is meant to kill with a probability that grows with grievance. The
    proportional-hazard form follows event-history models of insurgent attacks (e.g. Johnson
    et al. 2011, *Science* 333, on attack timing); the factors are the motives and constraints
    named by CRS IF12587 for the 2023-24 campaign. ``restraint`` already folds in the faction's
    compliance with Iran and any Iraqi mediation. Without an attack the faction answers a
    US use of force with a threat (and ignores US words).
    """

    name = "hazard"
    actors = ("militia",)
    classifier = {"memory_depth": 1, "stochastic": True}

    @dataclass
    class Params(PolicyParams):
        name: str = "hazard"
        base_rate: float = param(
            2.0,
            doc="Daily attack hazard of a resolve-1 faction at full capability and motive; a "
            "faction attacks at most once a day, with probability 1 - exp(-rate) (assumption: "
            "the default scenario gives ~1.45 attacks a day in its first 10 days and ~0.9 a "
            "day over its first 110, below the ~1.5 a day of the ~170 attacks of 17 Oct 2023 - "
            "4 Feb 2024; the historical scenario uses the calibrated 4.53, docs/validation.md).",
            ge=0.0,
            le=50.0,
        )
        war_weight: float = param(
            0.6, doc="Weight of the regional war in the motive (assumption).", ge=0.0, le=5.0
        )
        deterrence_weight: float = param(
            0.5,
            doc="Largest share of attacks deterred by US credibility (assumption).",
            **PROBABILITY,
        )
        retaliation: float = param(
            1.0,
            doc="Relative rise of the attack rate on a day after the faction is struck "
            "(assumption).",
            ge=0.0,
            le=20.0,
        )
        casualty_intent: float = param(
            0.05,
            doc="Share of attacks meant to kill at grievance 0.5 (assumption; three deaths "
            "in ~170 attacks).",
            **PROBABILITY,
        )
        mass_casualty_intent: float = param(
            0.004,
            doc="Share of attacks meant as mass-casualty attacks at grievance 0.5 "
            "(assumption; one Tower 22 in ~170 attacks).",
            **PROBABILITY,
        )

    def decide(self, obs: Observation) -> np.ndarray:
        p = self.params
        motive = p.war_weight * obs.war + obs.grievance
        rate = (
            p.base_rate
            * obs.resolve
            * obs.capability
            * obs.exposure
            * (1.0 - obs.restraint)
            * (1.0 - p.deterrence_weight * obs.deterrence)
            * motive
            * (1.0 + p.retaliation * (obs.opponent >= HARASSMENT))
        )
        p_attack = -np.expm1(-rate)
        attack = obs.u < p_attack
        # Reuse the draw: given an attack, u / p_attack is uniform on [0, 1).
        v = obs.u / np.where(attack, p_attack, 1.0)
        scale = 0.5 + obs.grievance
        mass = np.minimum(p.mass_casualty_intent * scale, 1.0)
        kill = np.minimum(p.casualty_intent * scale, 1.0 - mass)
        attack_level = np.where(
            v < mass, MASS_CASUALTY, np.where(v < mass + kill, CASUALTY, HARASSMENT)
        )
        idle = np.where(obs.opponent >= HARASSMENT, THREATEN, 0)
        return np.minimum(np.where(attack, attack_level, idle), self.max_level)
