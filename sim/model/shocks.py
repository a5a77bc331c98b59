"""Scheduled shocks: actions forced on given days ("a mass-casualty attack on day 100").

A shock replaces the acting actor's choice for that day in every replica, as if the actor had
chosen it: its commitments (a truce, a mediation) follow from the forced action, never from
the discarded one, because they are committed after shocks apply (:mod:`sim.model.day`). A
shock may also force the deaths its attack or strike causes. Shocks are a table of arrays
that the compiled day reads, so a run with shocks runs compiled like any other.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.actors import united_states
from sim.config.schema import ScenarioConfig
from sim.core.compiled import compiled
from sim.core.ladder import Ladder, actor_code


class ShockTable(NamedTuple):
    """One entry per shock, in the config's order: its day, actor code
    (:func:`sim.core.ladder.actor_code`), faction index (the acting faction of a militia
    shock, the target of a US one; 0 if none), rung id and forced deaths (-1: drawn from
    the rung)."""

    day: np.ndarray
    actor: np.ndarray
    faction: np.ndarray
    rung: np.ndarray
    killed: np.ndarray

    @classmethod
    def of(cls, cfg: ScenarioConfig, ladder: Ladder) -> ShockTable:
        names = [f.name for f in cfg.militia.factions]
        rows = [
            (
                s.day,
                actor_code(s.actor),
                0 if s.faction is None else names.index(s.faction),
                ladder.rung_id(s.action),
                -1 if s.killed is None else s.killed,
            )
            for s in cfg.shocks
        ]
        columns = np.array(rows, dtype=np.int64).reshape(len(rows), 5).T
        return cls(*(np.ascontiguousarray(c) for c in columns))


@compiled
def apply_shocks(
    t: int, shocks: ShockTable, acts: tuple[np.ndarray, ...], us_target: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Replace day t's actions (in place) by the day's shocks, in the config's order.

    ``acts`` holds each acting actor's rung ids, (R, columns), by actor code: the militias
    act per faction, so a militia shock replaces its faction's column; the others act in one
    column. A US shock also aims the US at its faction (``us_target``, in place). Returns,
    each (actors, most columns): the deaths the shocks force (-1 where none) and which
    columns a shock replaced."""
    days, actors, factions, rungs, killed = shocks
    width = 1
    for a in range(len(acts)):
        width = max(width, acts[a].shape[1])
    forced_killed = np.full((len(acts), width), -1, np.int64)
    shocked = np.zeros((len(acts), width), np.bool_)
    for i in range(days.shape[0]):
        if days[i] != t:
            continue
        a = actors[i]
        column = factions[i] if acts[a].shape[1] > 1 else 0
        acts[a][:, column] = rungs[i]
        shocked[a, column] = True
        if a == united_states.CODE:
            us_target[:] = factions[i]
        if killed[i] >= 0:
            forced_killed[a, column] = killed[i]
    return forced_killed, shocked
