"""The policy interface and registry.

A policy turns what an actor perceived into the escalation *level* it plays today, for all
replicas at once. Policies are small named classes in the spirit of the Axelrod library's
strategies: each has a docstring citing where the rule comes from, a ``Params`` dataclass (its
configurable parameters and their provenance) and a ``classifier`` declaring its memory depth
and whether it draws random numbers. Adding a policy means writing one class decorated with
:func:`register`, in a module of this package: nothing else lists it.

A policy's rule is a compiled *kernel* written beside its class, ``kernel(args, obs,
max_level) -> levels``, where ``args`` (:meth:`Policy.rule_args`) holds the policy's parameters
and state arrays. The model calls it inside its compiled stretches of days (through the table
of :mod:`sim.policies.dispatch`) and :meth:`Policy.decide` calls the same kernel on a day
stepped in Python. A policy without a kernel (a person's choices, a rule written in numpy)
overrides :meth:`Policy.decide`; the model then runs its days one by one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from sim.core.compiled import as2d, compiled
from sim.core.params import param


@dataclass
class PolicyParams:
    """Parameters every policy has: its registered name."""

    name: str = param("", doc="The policy's registered name.")


class Observation(NamedTuple):
    """What an actor knows when it decides on day ``day``.

    ``opponent`` is the level of the most severe action the adversary was *perceived* to take
    on the observed day (after reaction lag, misperception and misattribution); 0 if none.
    The other fields are the actor's context, which some rules use; context arrays broadcast
    against ``opponent`` (an axis of length 1 repeats).

    The model fills every field with a 2-D array (one row of replicas for the US and Iraq,
    replicas x factions for the militias), the form kernels take; built by hand (tests, a
    notebook), any field may be left out or given as a number or a 1-D array, and
    :meth:`as_arrays` makes the kernels' form of it.
    """

    day: int
    opponent: Any
    u: Any
    pressure: Any = None
    resolve: Any = 1.0
    capability: Any = None
    grievance: Any = None
    restraint: Any = None
    deterrence: Any = None
    exposure: Any = None
    war: float = 0.0
    militia_level: Any = None
    hostility: Any = None

    def as_arrays(self) -> Observation:
        """Every field as the kernels take it: 2-D arrays (0 where not given)."""

        def floats(x: Any) -> np.ndarray:
            return as2d(0.0 if x is None else x)

        return Observation(
            int(self.day),
            as2d(self.opponent, np.int64),
            floats(self.u),
            floats(self.pressure),
            floats(self.resolve),
            floats(self.capability),
            floats(self.grievance),
            floats(self.restraint),
            floats(self.deterrence),
            floats(self.exposure),
            float(self.war),
            as2d(0 if self.militia_level is None else self.militia_level, np.int64),
            floats(self.hostility),
        )


@compiled
def row_observation(
    day: int,
    opponent: np.ndarray,
    u: np.ndarray,
    pressure: np.ndarray,
    war: float,
    militia_level: np.ndarray,
) -> Observation:
    """The :class:`Observation` of an actor that decides once per replica (the US, Iraq):
    ``opponent``, ``u`` and ``pressure`` over replicas become rows (1, R); ``militia_level``
    is given 2-D; the militias' context is left at 0."""
    n = opponent.shape[0]
    none = np.zeros((1, 1))
    return Observation(
        day,
        opponent.reshape(1, n),
        np.ascontiguousarray(u).reshape(1, n),
        pressure.reshape(1, n),
        none,
        none,
        none,
        none,
        none,
        none,
        war,
        militia_level,
        none,
    )


class RuleArgs(NamedTuple):
    """A policy's parameters and state for its kernel: parameters as floats (integers up to
    2**53 stay exact); calibrated parameters that vary by replica, (replicas, k) or (1, k)
    when all replicas share them (read with ``at``); and state arrays (floats, integers and
    flags, 2-D, updated in place by the kernel; unused ones are a 1 x 1 placeholder)."""

    params: np.ndarray
    by_replica: np.ndarray
    state_float: np.ndarray
    state_int: np.ndarray
    state_flag: np.ndarray


_NO_FLOAT = np.zeros((1, 1))
_NO_INT = np.zeros((1, 1), dtype=np.int64)
_NO_FLAG = np.zeros((1, 1), dtype=np.bool_)


def rule_args(
    *params: float,
    by_replica: np.ndarray = _NO_FLOAT,
    state_float: np.ndarray = _NO_FLOAT,
    state_int: np.ndarray = _NO_INT,
    state_flag: np.ndarray = _NO_FLAG,
) -> RuleArgs:
    """A :class:`RuleArgs` from a policy's parameters and state arrays."""
    return RuleArgs(
        np.array(params, dtype=np.float64), by_replica, state_float, state_int, state_flag
    )


Draws = Mapping[str, np.ndarray] | None
"""Each replica's posterior draws of a policy's calibrated parameters, by parameter name."""


class Policy:
    """Base class: a rule from observations to levels, with per-replica memory.

    Attributes:
        name: Registered name (the Hydra option name).
        actors: Actors that may use the policy.
        classifier: ``memory_depth`` (days of history the rule uses; ``float('inf')`` for
            unbounded state) and ``stochastic`` (whether it consumes its random number).
        kernel: The compiled rule, ``kernel(args, obs, max_level) -> levels`` (a
            ``staticmethod``), or None for a policy that overrides :meth:`decide`.
    """

    name: ClassVar[str] = ""
    actors: ClassVar[tuple[str, ...]] = ()
    classifier: ClassVar[dict] = {"memory_depth": 1, "stochastic": False}
    Params: ClassVar[type[PolicyParams]] = PolicyParams
    kernel: ClassVar[Any] = None
    factions: tuple[str, ...] = ()
    """Names of the decisions' columns: the militia factions (set by :func:`make_policy`)."""

    def __init__(
        self,
        params: PolicyParams,
        shape: int | tuple[int, ...],
        max_level: int,
        draws: Draws = None,
    ) -> None:
        """Args: the policy's parameters; the shape of the decisions it makes each day (the
        number of replicas, or (replicas, factions) for the militias, whose factions decide
        together); the actor's most escalatory level; each replica's posterior draws of the
        policy's calibrated parameters, by parameter name (none: the values in ``params``)."""
        self.params = params
        self.shape = shape
        self.max_level = max_level
        self.draws = dict(draws or {})

    def by_replica(self, *names: str) -> np.ndarray:
        """The named parameters as a (replicas, k) array of each replica's draw, or (1, k)
        when no replica draws its own (kernels read it with ``at``)."""
        if not any(name in self.draws for name in names):
            return np.array([[float(getattr(self.params, name)) for name in names]])
        n = len(next(iter(self.draws.values())))
        return np.column_stack(
            [self.draws.get(name, np.full(n, float(getattr(self.params, name)))) for name in names]
        )

    @classmethod
    def check(cls, params: PolicyParams, key: str, factions: Sequence[str] = ()) -> None:
        """Check what the parameters' bounds cannot (e.g. a file a parameter names), raising
        :class:`~sim.core.params.ConfigError` for ``key`` (the policy's place in the config);
        ``factions`` are the militia factions' names for the militias' policy (else none).
        Called by validation. Default: nothing to check."""

    def rule_args(self) -> RuleArgs:
        """The kernel's parameters and state (default: no parameters, no state)."""
        return rule_args()

    def decide(self, obs: Observation) -> np.ndarray:
        """Levels to play today, in the shape of ``obs.opponent`` (integers; the ladder clips
        them): the policy's kernel, the code the model's compiled days run."""
        if self.kernel is None:
            raise NotImplementedError(f"policy {self.name!r} defines neither kernel nor decide")
        levels = self.kernel(self.rule_args(), obs.as_arrays(), self.max_level)
        return levels.reshape(np.shape(obs.opponent))


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


def make_policy(
    params: PolicyParams,
    shape: int | tuple[int, ...],
    max_level: int,
    draws: Draws = None,
    factions: Sequence[str] = (),
) -> Policy:
    """Instantiate the policy named in ``params`` for decisions of the given shape, with the
    replicas' draws of those of its parameters that are calibrated (``draws``, by name; a
    policy's ``fallback`` policy takes its own) and the names of the decisions' columns (the
    militia factions)."""
    cls = POLICIES[params.name]
    fallback = getattr(params, "fallback", None)
    own = {k: v for k, v in (draws or {}).items() if hasattr(params, k) or hasattr(fallback, k)}
    policy = cls(params, shape, max_level, own)
    policy.factions = tuple(factions)
    return policy
