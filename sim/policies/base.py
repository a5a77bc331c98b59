"""The policy interface and registry.

A policy turns what an actor perceived into the escalation *level* it plays today, for all
replicas at once. Policies are small named classes in the spirit of the Axelrod library's
strategies: each has a docstring citing where the rule comes from, a ``Params`` dataclass (its
configurable parameters and their provenance) and a ``classifier`` declaring its memory depth
and whether it draws random numbers. Adding a policy means writing one class decorated with
:func:`register`: the Hydra config groups ``us/policy`` and ``militia/policy`` list it from here.
Its rule is either a compiled rule (:meth:`Policy.compiled_rule`, one branch of
:func:`sim.policies.rules.decide_levels`; what every built-in rule is, and what lets the model
run stretches of days compiled) or a ``decide`` method in plain Python/numpy (run day by day).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.config.schema import param
from sim.core.compiled import as2d

if TYPE_CHECKING:
    from sim.policies.rules import CompiledRule


@dataclass
class PolicyParams:
    """Parameters every policy has: its registered name."""

    name: str = param("", doc="The policy's registered name.")


@dataclass
class Observation:
    """What an actor knows when it decides on day ``day`` (arrays over replicas, or over
    replicas x factions for the militias; context arrays broadcast against ``opponent``).

    ``opponent`` is the level of the most severe action the adversary was *perceived* to take
    on the observed day (after reaction lag, misperception and misattribution); 0 if none.
    The remaining fields are actor context that some policies use; unused ones stay None.
    """

    day: int
    opponent: np.ndarray
    u: np.ndarray
    pressure: np.ndarray | None = None
    # militia context
    resolve: float = 1.0
    capability: np.ndarray | None = None
    grievance: np.ndarray | None = None
    restraint: np.ndarray | None = None
    deterrence: np.ndarray | None = None
    exposure: np.ndarray | None = None
    war: float = 0.0
    # Iraqi-government context
    militia_level: np.ndarray | None = None


class Policy:
    """Base class: a rule from observations to levels, with per-replica memory.

    Attributes:
        name: Registered name (the Hydra option name).
        actors: Actors that may use the policy.
        classifier: ``memory_depth`` (days of history the rule uses; ``float('inf')`` for
            unbounded state) and ``stochastic`` (whether it consumes its random number).
    """

    name: ClassVar[str] = ""
    actors: ClassVar[tuple[str, ...]] = ()
    classifier: ClassVar[dict] = {"memory_depth": 1, "stochastic": False}
    Params: ClassVar[type[PolicyParams]] = PolicyParams

    def __init__(self, params: PolicyParams, shape: int | tuple[int, ...], max_level: int) -> None:
        """Args: the policy's parameters; the shape of the decisions it makes each day (the
        number of replicas, or (replicas, factions) for the militias, whose factions decide
        together); the actor's most escalatory level."""
        self.params = params
        self.shape = shape
        self.max_level = max_level

    def decide(self, obs: Observation) -> np.ndarray:
        """Levels to play today, one per replica (integers; the ladder clips them).

        By default the policy's compiled rule (:meth:`compiled_rule`), the same code the
        model's compiled stretches of days run; a policy without one overrides this."""
        rule = self.compiled_rule()
        if rule is None:
            raise NotImplementedError(f"policy {self.name!r} defines neither rule nor decide")
        from sim.policies.rules import decide_levels

        level = decide_levels(
            *rule,
            as2d(obs.opponent, np.int64),
            as2d(obs.u),
            as2d(0.0 if obs.pressure is None else obs.pressure),
            as2d(obs.resolve),
            as2d(0.0 if obs.capability is None else obs.capability),
            as2d(0.0 if obs.grievance is None else obs.grievance),
            as2d(0.0 if obs.restraint is None else obs.restraint),
            as2d(0.0 if obs.deterrence is None else obs.deterrence),
            as2d(0.0 if obs.exposure is None else obs.exposure),
            float(obs.war),
            as2d(0 if obs.militia_level is None else obs.militia_level, np.int64),
            self.max_level,
        )
        return level.reshape(np.shape(obs.opponent))

    def compiled_rule(self) -> CompiledRule | None:
        """The same rule for compiled code (:mod:`sim.policies.rules`), which lets the model
        run stretches of days in one compiled call; None (the default) keeps the model
        calling :meth:`decide` day by day."""
        return None


POLICIES: dict[str, type[Policy]] = {}
"""Every registered policy by name."""


def register(cls: type[Policy]) -> type[Policy]:
    """Class decorator adding a policy to the registry (names must be unique)."""
    if cls.name in POLICIES:
        raise ValueError(f"policy {cls.name!r} is registered twice")
    POLICIES[cls.name] = cls
    return cls


def policies_for(actor: str) -> list[str]:
    """Names of the policies an actor may use, sorted."""
    return sorted(n for n, c in POLICIES.items() if actor in c.actors)


def make_policy(params: PolicyParams, shape: int | tuple[int, ...], max_level: int) -> Policy:
    """Instantiate the policy named in ``params`` for decisions of the given shape."""
    return POLICIES[params.name](params, shape, max_level)
