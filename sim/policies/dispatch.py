"""The table of compiled policies: a rule chosen by a number inside compiled code.

Why: the model's compiled stretch of days (:func:`sim.model.day.run_days`) decides for every
actor inside one compiled loop, where a policy's kernel cannot be looked up as a Python
attribute. Each built-in policy with a kernel gets a number (its place in :data:`TABLE`, in
the order of the registry's names), and :func:`decide_levels` calls the kernel with that
number. The table is built from the registry, so adding a policy adds it here with no edit.

Only the package's own policies are in the table: compiled code is cached on disk, keyed by
the package's source (:mod:`sim.core.compiled`), so a policy registered from elsewhere could
not be part of it. Such a policy still runs (its ``decide`` calls its kernel), day by day.
"""

from __future__ import annotations

import numpy as np
from numba.extending import overload

import sim.policies  # noqa: F401  (every built-in policy registers itself on import)
from sim.policies.base import POLICIES, Observation, Policy, RuleArgs

TABLE: tuple[type[Policy], ...] = tuple(
    cls
    for _, cls in sorted(POLICIES.items())
    if cls.kernel is not None and cls.__module__.startswith("sim.policies.")
)
"""The built-in policies that have a kernel; a policy's code is its index here."""

CODE: dict[type[Policy], int] = {cls: i for i, cls in enumerate(TABLE)}


def code_of(policy: Policy) -> int | None:
    """The policy's code in :data:`TABLE`, or None if it must be run in Python."""
    return CODE.get(type(policy))


def decide_levels(code: int, args: RuleArgs, obs: Observation, max_level: int) -> np.ndarray:
    """The levels the policy numbered ``code`` plays: its kernel, called from Python or, as a
    chain of compiled branches (built below from the table), from compiled code."""
    return TABLE[code].kernel(args, obs, max_level)


@overload(decide_levels)
def _decide_levels_compiled(code, args, obs, max_level):
    """One branch per policy of the table, each a direct call of its kernel (one flat
    function generated from the table: no function pointers, linear compile time)."""
    namespace = {f"kernel{i}": cls.kernel for i, cls in enumerate(TABLE)}
    lines = ["def decide(code, args, obs, max_level):"]
    for i, cls in enumerate(TABLE[:-1]):
        lines.append(f"    if code == {i}:  # {cls.name}")
        lines.append(f"        return kernel{i}(args, obs, max_level)")
    lines.append(f"    return kernel{len(TABLE) - 1}(args, obs, max_level)  # {TABLE[-1].name}")
    exec("\n".join(lines), namespace)
    return namespace["decide"]
