"""How actors read each other: misperception, misattribution and reaction lag.

Every action is read once by its adversary when it happens (the draw is stored with the action,
so the event log can say how it was perceived); the reader acts on it only ``lag`` days later.
"""

from __future__ import annotations

import numpy as np

from sim.arrays import clip


def misread(levels: np.ndarray, u: np.ndarray, noise: float, lo: int, hi: int) -> np.ndarray:
    """Levels as perceived: an action (level != 0) is read one rung lower with probability
    noise/2 and one rung higher with probability noise/2, within [lo, hi]."""
    shift = np.where(u < noise / 2, -1, np.where(u < noise, 1, 0))
    return np.where(levels != 0, clip(levels + shift, lo, hi), levels)


def outcome_level(
    levels: np.ndarray, killed: np.ndarray, kill_level: int, mass_level: int, mass_killed: int
) -> np.ndarray:
    """An attack is judged by what it did: one that killed reads at least as ``kill_level``,
    one that killed ``mass_killed`` or more as ``mass_level`` (whatever was intended)."""
    judged = np.where(killed > 0, np.maximum(levels, kill_level), levels)
    return np.where(killed >= mass_killed, np.maximum(judged, mass_level), judged)


def misattribute(
    actor: int, u_flag: np.ndarray, u_pick: np.ndarray, p: float, n_factions: int
) -> np.ndarray:
    """Faction each attack of faction ``actor`` is blamed on: another faction, chosen
    uniformly, with probability p; the true one otherwise."""
    if n_factions < 2:
        return np.full(u_flag.shape, actor, dtype=np.int64)
    other = (actor + 1 + (u_pick * (n_factions - 1)).astype(np.int64)) % n_factions
    return np.where(u_flag < p, other, actor)


class LagBuffer:
    """Ring buffer of the last ``depth`` days of an array-valued record.

    ``read(t, lag)`` returns the record of day ``t - lag`` (zeros before day 0).
    """

    def __init__(self, depth: int, shape: tuple[int, ...], dtype: type = np.int64) -> None:
        self.depth = depth
        self.data = np.zeros((depth, *shape), dtype=dtype)

    def write(self, t: int, value: np.ndarray) -> None:
        """Store the record of day t."""
        self.data[t % self.depth] = value

    def read(self, t: int, lag: int) -> np.ndarray:
        """The record of day t - lag (an all-zero record before day 0)."""
        d = t - lag
        if d < 0:
            return np.zeros_like(self.data[0])
        return self.data[d % self.depth]
