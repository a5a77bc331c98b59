"""Policies of the Iraqi government, caught between its US ally and its Iran-aligned partners."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.compiled import at, compiled
from sim.core.ladder import FORCE_LEVEL
from sim.core.params import PROBABILITY, UNIT, param
from sim.policies.base import Observation, Policy, PolicyParams, RuleArgs, register, rule_args

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

    def rule_args(self) -> RuleArgs:
        p = self.params
        return rule_args(p.demand_threshold, p.mediation_propensity)

    @staticmethod
    @compiled
    def kernel(args: RuleArgs, obs: Observation, max_level: int) -> np.ndarray:
        """The balancing rule (class docstring) per replica; context arrays broadcast."""
        demand_threshold, mediation_propensity = args.params[0], args.params[1]
        rows, cols = obs.opponent.shape
        out = np.empty((rows, cols), np.int64)
        for r in range(rows):
            for c in range(cols):
                if obs.opponent[r, c] >= STRIKE:
                    demand = at(obs.pressure, r, c) >= demand_threshold
                    out[r, c] = DEMAND_WITHDRAWAL if demand else CONDEMN
                elif (
                    at(obs.militia_level, r, c) >= STRIKE and at(obs.u, r, c) < mediation_propensity
                ):
                    out[r, c] = MEDIATE
                else:
                    out[r, c] = 0
        return out


@register
class Passive(Policy):
    """Do nothing: an Iraqi government that stays out (a counterfactual baseline)."""

    name = "passive"
    actors = ("iraq",)
    classifier = {"memory_depth": 0, "stochastic": False}

    @dataclass
    class Params(PolicyParams):
        name: str = "passive"

    @staticmethod
    @compiled
    def kernel(args: RuleArgs, obs: Observation, max_level: int) -> np.ndarray:
        return np.zeros(obs.opponent.shape, np.int64)
