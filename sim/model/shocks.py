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

from sim.config.schema import ScenarioConfig
from sim.core.compiled import compiled
from sim.core.ladder import ACTORS, Ladder

ACTOR_CODE = {actor: code for code, actor in enumerate(ACTORS)}
"""Code of each acting actor in the table."""
US, MILITIA = ACTOR_CODE["us"], ACTOR_CODE["militia"]


class ShockTable(NamedTuple):
    """One entry per shock, in the config's order: its day, actor code, faction index (the
    acting faction of a militia shock, the target of a US one), rung id and forced deaths
    (-1: drawn from the rung)."""

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
                ACTOR_CODE[s.actor],
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
    t: int,
    shocks: ShockTable,
    us_rung: np.ndarray,
    mil_rung: np.ndarray,
    iraq_rung: np.ndarray,
    us_target: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Replace day t's rungs (in place) by the day's shocks, in the config's order; a US
    shock also sets the US target (in place). Returns the forced deaths, (F + 1,): each
    faction's attack, then the US strike, -1 where none; and which factions' actions were
    forced, (F,)."""
    days, actors, factions, rungs, killed = shocks
    nf = mil_rung.shape[1]
    forced = np.full(nf + 1, -1, np.int64)
    forced_factions = np.zeros(nf, np.bool_)
    for i in range(days.shape[0]):
        if days[i] != t:
            continue
        actor, faction, rung = actors[i], factions[i], rungs[i]
        if actor == US:
            us_rung[:] = rung
            us_target[:] = faction
        elif actor == MILITIA:
            mil_rung[:, faction] = rung
            forced_factions[faction] = True
        else:
            iraq_rung[:] = rung
        if killed[i] >= 0:
            forced[nf if actor == US else faction] = killed[i]
    return forced, forced_factions
