"""Militia attack policies that model motive and capability rather than pure reciprocity."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.core.compiled import at, compiled
from sim.core.ladder import FORCE_LEVEL, THREAT_LEVEL
from sim.core.params import PROBABILITY, param
from sim.core.posterior import calibrated_param
from sim.policies.base import Observation, Policy, PolicyParams, RuleArgs, register, rule_args

# Levels of the ladder's conventions (sim.core.ladder): attacks from FORCE_LEVEL up, then threats.
HARASSMENT, CASUALTY, MASS_CASUALTY = FORCE_LEVEL, FORCE_LEVEL + 1, FORCE_LEVEL + 2
THREATEN = THREAT_LEVEL


@register
class HazardAttacks(Policy):
    """Attacks arrive as a Poisson process whose daily rate follows motive and means.

    rate = posture x base_rate x resolve x capability x exposure x (1 - restraint) x
    (1 - deterrence_weight x deterrence) x (war_weight x war + grievance) x
    (1 + retaliation if the faction was just struck)

    and an attack is meant to kill with a probability that grows with grievance and, by
    min(exp(lethal_escalation x hostility), lethal_ceiling), with all the harm the US has done
    the factions since the start: the campaign turns deadly as the cycle of strikes goes on, so
    its first deaths come late rather than after a random number of attacks, and no deadlier
    than its weapons allow (issue 12; docs/validation.md). The
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
        base_rate: float = calibrated_param(
            "militia.policy.base_rate",
            3.8,
            "Daily attack hazard of a resolve-1 faction at full capability and motive; a "
            "faction attacks at most once a day, with probability 1 - exp(-rate).",
            ge=0.0,
            le=50.0,
        )
        war_weight: float = calibrated_param(
            "militia.policy.war_weight",
            0.7,
            "Weight of the regional war in the motive.",
            ge=0.0,
            le=5.0,
        )
        posture: float = param(
            1.0,
            doc="The militias' posture, a scenario lever: a multiplier on base_rate (1 = the "
            "campaign as calibrated on 2023-24, each replica with its own drawn base_rate; 0.5 "
            "= a campaign at half that pace). Assumption: not calibrated.",
            ge=0.0,
            le=10.0,
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
        casualty_intent: float = calibrated_param(
            "militia.policy.casualty_intent",
            0.016,
            "Share of attacks meant to kill at grievance 0.5 before any US strike (the "
            "record: no US death in ~160 attacks before Tower 22).",
            **PROBABILITY,
        )
        mass_casualty_intent: float = calibrated_param(
            "militia.policy.mass_casualty_intent",
            0.006,
            "Share of attacks meant as mass-casualty attacks at grievance 0.5 before any "
            "US strike (one Tower 22 in ~170 attacks).",
            **PROBABILITY,
        )

        lethal_escalation: float = calibrated_param(
            "militia.policy.lethal_escalation",
            3.5,
            "How fast the campaign turns deadly as the US strikes it: the shares of attacks "
            "meant to kill grow by exp(lethal_escalation x hostility), hostility being all the "
            "grievance the US has caused the factions together since the start (the 2023-24 "
            "record: rockets and small drones for three months, then, after the US killed "
            "militia fighters and commanders in Dec 2023 - Jan 2024, ballistic missiles on Ain "
            "al-Asad on 20 Jan and Tower 22 on 28 Jan; CRS IF12587).",
            ge=0.0,
            le=20.0,
        )
        lethal_ceiling: float = param(
            5.0,
            doc="Most that lethal escalation can multiply the shares of attacks meant to kill "
            "(assumption: the factions' stock of weapons able to kill behind US force "
            "protection, such as ballistic missiles and one-way attack drones, is limited; in "
            "the record the 20 and 28 Jan 2024 attacks were the only two of ~170 of that kind). "
            "Without it the growth has no end, and a campaign that runs for years turns "
            "almost every attack deadly. 1 switches lethal escalation off.",
            ge=1.0,
            le=1000.0,
        )

    def rule_args(self) -> RuleArgs:
        p = self.params
        return rule_args(
            p.deterrence_weight,
            p.retaliation,
            p.posture,
            math.log(p.lethal_ceiling),
            by_replica=self.by_replica(
                "base_rate",
                "war_weight",
                "casualty_intent",
                "mass_casualty_intent",
                "lethal_escalation",
            ),
        )

    @staticmethod
    @compiled
    def kernel(args: RuleArgs, obs: Observation, max_level: int) -> np.ndarray:
        """The hazard rule (class docstring) for each replica and faction."""
        deterrence_weight, retaliation, posture = args.params[0], args.params[1], args.params[2]
        log_ceiling = args.params[3]
        calibrated = args.by_replica  # (replicas or 1, 5): each replica's draw
        war = obs.war
        rows, cols = obs.opponent.shape
        out = np.empty((rows, cols), np.int64)
        for r in range(rows):
            base_rate, war_weight = posture * at(calibrated, r, 0), at(calibrated, r, 1)
            casualty_intent, mass_casualty_intent = at(calibrated, r, 2), at(calibrated, r, 3)
            lethal_escalation = at(calibrated, r, 4)
            for f in range(cols):
                seen = obs.opponent[r, f]
                grievance_rf = at(obs.grievance, r, f)
                motive = war_weight * war + grievance_rf
                rate = (
                    base_rate
                    * at(obs.resolve, r, f)
                    * at(obs.capability, r, f)
                    * at(obs.exposure, r, f)
                    * (1.0 - at(obs.restraint, r, f))
                    * (1.0 - deterrence_weight * at(obs.deterrence, r, f))
                    * motive
                    * (1.0 + retaliation * (1.0 if seen >= HARASSMENT else 0.0))
                )
                p_attack = -math.expm1(-rate)
                draw = at(obs.u, r, f)
                if draw < p_attack:
                    # Reuse the draw: given an attack, draw / p_attack is uniform on [0, 1).
                    v = draw / p_attack
                    growth = lethal_escalation * at(obs.hostility, r, f)
                    escalated = math.exp(min(growth, log_ceiling))
                    scale = (0.5 + grievance_rf) * escalated
                    mass = min(mass_casualty_intent * scale, 1.0)
                    kill = min(casualty_intent * scale, 1.0 - mass)
                    if v < mass:
                        level = MASS_CASUALTY
                    else:
                        level = CASUALTY if v < mass + kill else HARASSMENT
                else:
                    level = THREATEN if seen >= HARASSMENT else 0
                out[r, f] = min(level, max_level)
        return out
