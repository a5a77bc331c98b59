"""Policies of the Iraqi government, caught between its US ally and its Iran-aligned partners."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import PROBABILITY, UNIT, param
from sim.ladder import FORCE_LEVEL
from sim.policies.base import Observation, Policy, PolicyParams, register

# Levels of the default ladder: Iraq's rungs, and the ladder's use-of-force convention.
MEDIATE, CONDEMN, DEMAND_WITHDRAWAL, STRIKE = -1, 1, 2, FORCE_LEVEL


@register
class Balancing(Policy):
    """Condemn US strikes, demand the coalition's exit when pressure is high, mediate otherwise.

    The Sudani government condemned US strikes on Iraqi soil as breaches of sovereignty
    (Jan-Feb 2024), announced moves to end the coalition mission after the 4 Jan 2024 Baghdad
    strike, and sought to restrain the factions (CRS IF12587).
    """

    name = "balancing"
    actors = ("iraq",)
    classifier = {"memory_depth": 1, "stochastic": True}

    @dataclass
    class Params(PolicyParams):
        name: str = "balancing"
        demand_threshold: float = param(
            0.5,
            doc="Pressure at which a US strike is answered by a demand to leave rather than "
            "a condemnation (assumption).",
            **UNIT,
        )
        mediation_propensity: float = param(
            0.1,
            doc="Probability of mediating on a day after militia attacks (assumption).",
            **PROBABILITY,
        )

    def decide(self, obs: Observation) -> np.ndarray:
        p = self.params
        answer_us = np.where(obs.pressure >= p.demand_threshold, DEMAND_WITHDRAWAL, CONDEMN)
        mediate = (obs.militia_level >= STRIKE) & (obs.u < p.mediation_propensity)
        return np.where(obs.opponent >= STRIKE, answer_us, np.where(mediate, MEDIATE, 0))


@register
class Passive(Policy):
    """Do nothing: an Iraqi government that stays out (a counterfactual baseline)."""

    name = "passive"
    actors = ("iraq",)
    classifier = {"memory_depth": 0, "stochastic": False}

    @dataclass
    class Params(PolicyParams):
        name: str = "passive"

    def decide(self, obs: Observation) -> np.ndarray:
        return np.zeros_like(obs.opponent)
