"""How actors read each other: misperception, misattribution and reaction lag.

Every action is read once by its adversary when it happens (the draw is stored with the action,
so the event log can say how it was perceived); the reader acts on it only ``lag`` days later.
"""

from __future__ import annotations

import numpy as np

from sim.core.compiled import compiled
from sim.core.ladder import FORCE_LEVEL


@compiled
def misread(level: int, u: float, noise: float, false_alarm: float, lo: int, hi: int) -> int:
    """A level as perceived: an action (level != 0) is read one rung lower with probability
    noise/2 and one rung higher with probability noise/2, within [lo, hi]; no action is read
    as the lowest use of force with probability ``false_alarm`` (from the other end of the
    same uniform, so the two never overlap while noise + false_alarm <= 1)."""
    if level == 0:
        return FORCE_LEVEL if u >= 1.0 - false_alarm else 0
    shift = -1 if u < noise / 2 else (1 if u < noise else 0)
    return min(max(level + shift, lo), hi)


@compiled
def outcome_level(
    level: int, killed: int, kill_level: int, mass_level: int, mass_killed: int
) -> int:
    """An attack is judged by what it did: one that killed reads at least as ``kill_level``,
    one that killed ``mass_killed`` or more as ``mass_level`` (whatever was intended)."""
    judged = max(level, kill_level) if killed > 0 else level
    return max(judged, mass_level) if killed >= mass_killed else judged


@compiled
def misattribute(actor: int, u_flag: float, u_pick: float, p: float, n_factions: int) -> int:
    """Faction an attack of faction ``actor`` is blamed on: another faction, chosen uniformly,
    with probability p; the true one otherwise."""
    if n_factions < 2 or not u_flag < p:
        return actor
    return (actor + 1 + int(u_pick * (n_factions - 1))) % n_factions


@compiled
def read_lagged(data: np.ndarray, t: int, lag: int) -> np.ndarray:
    """Record t - lag of a ring buffer of records (``data[t % depth]`` holds day t's record;
    zeros before day 0)."""
    d = t - lag
    if d < 0:
        return np.zeros_like(data[0])
    return data[d % data.shape[0]]
