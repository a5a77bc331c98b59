"""Every built-in policy's rule as one compiled function, chosen by a code.

Why: the compiled run of a stretch of days (:mod:`sim.model.engine`) decides for all three actors
inside one compiled loop, so it needs each policy's rule as compiled code it can call by a
number rather than as a Python method. A policy offers its rule through
:meth:`sim.policies.base.Policy.compiled_rule`: its code, its parameters as numbers and the
arrays of its state. :func:`decide_levels` is then the rule itself: a policy's ``decide``
calls it too (:meth:`Policy.decide`), so a day stepped in Python and a day run compiled use
the same code. A policy without a compiled rule (a person's choices, a rule written in plain
numpy) defines its own ``decide`` and is run day by day.

Arrays are 2-D, as :func:`sim.core.compiled.as2d` makes them: replicas x factions for the
militias, one row of replicas for the others; context arrays broadcast (:func:`at`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.core.compiled import at, compiled
from sim.policies.iraq import _balancing
from sim.policies.militia import _hazard
from sim.policies.retaliation import _proportional

TIT_FOR_TAT = 1
GENEROUS_TIT_FOR_TAT = 2
PROPORTIONAL = 3
ESCALATE = 4
RED_LINE = 5
RESTRAINT = 6
GRIM_TRIGGER = 7
HAZARD = 8
BALANCING = 9
PASSIVE = 10


class CompiledRule(NamedTuple):
    """A policy's rule for compiled code: which rule, its parameters, its state (updated in
    place: floats, integers and flags, 2-D; unused ones are empty)."""

    code: int
    params: np.ndarray
    state_float: np.ndarray
    state_int: np.ndarray
    state_flag: np.ndarray


NO_FLOAT = np.zeros((1, 1))
NO_INT = np.zeros((1, 1), dtype=np.int64)
NO_FLAG = np.zeros((1, 1), dtype=np.bool_)


def rule(
    code: int,
    *params: float,
    state_float: np.ndarray = NO_FLOAT,
    state_int: np.ndarray = NO_INT,
    state_flag: np.ndarray = NO_FLAG,
) -> CompiledRule:
    """A :class:`CompiledRule` (parameters as floats: integers up to 2**53 stay exact)."""
    return CompiledRule(
        code, np.array(params, dtype=np.float64), state_float, state_int, state_flag
    )


@compiled
def decide_levels(
    code,
    params,
    state_float,
    state_int,
    state_flag,
    opponent,
    u,
    pressure,
    resolve,
    capability,
    grievance,
    restraint,
    deterrence,
    exposure,
    war,
    militia_level,
    max_level,
):
    """Levels to play (shape of ``opponent``) by the rule ``code`` with its parameters, as the
    policy's ``decide`` computes them; context the rule does not use is ignored."""
    if code == PROPORTIONAL:
        return _proportional(
            opponent,
            pressure,
            state_float,
            state_int,
            params[0],
            params[1],
            params[2],
            int(params[3]),
            max_level,
        )
    if code == HAZARD:
        return _hazard(
            u,
            opponent,
            resolve,
            capability,
            grievance,
            restraint,
            deterrence,
            exposure,
            war,
            params[0],
            params[1],
            params[2],
            params[3],
            params[4],
            params[5],
            max_level,
        )
    if code == BALANCING:
        return _balancing(opponent, militia_level, pressure, u, params[0], params[1])
    rows, cols = opponent.shape
    out = np.zeros((rows, cols), np.int64)
    for r in range(rows):
        for f in range(cols):
            seen = opponent[r, f]
            answer = min(max(seen, 0), max_level)
            if code == TIT_FOR_TAT:
                out[r, f] = answer
            elif code == GENEROUS_TIT_FOR_TAT:
                out[r, f] = 0 if at(u, r, f) < params[0] else answer
            elif code == ESCALATE:
                out[r, f] = min(seen + int(params[0]), max_level) if seen > 0 else 0
            elif code == RED_LINE:
                if seen >= int(params[0]):
                    out[r, f] = min(int(params[1]), max_level)
                else:
                    out[r, f] = min(int(params[2]), max_level) if seen > 0 else 0
            elif code == RESTRAINT:
                out[r, f] = min(seen, int(params[0])) if seen > 0 else 0
            elif code == GRIM_TRIGGER:
                if seen >= int(params[0]):
                    state_flag[r, f] = True
                out[r, f] = min(int(params[1]), max_level) if state_flag[r, f] else 0
            # PASSIVE: 0
    return out
