"""The event log: one row per action (days without action are not logged).

The compiled day writes each action as a row of integer codes into a preallocated buffer
(:func:`record_events`); after each call into compiled code the model moves the rows into
the log (:meth:`EventLog.collect`), which becomes a tidy table with names in place of codes
only when asked (:meth:`EventLog.frame`).

Parties are numbered: 0 the United States, 1..F the factions, F + 1 the Iraqi government and
F + 2 "all militia factions" (the target of an Iraqi mediation).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.config.schema import ScenarioConfig
from sim.core.compiled import compiled
from sim.core.ladder import FORCE_LEVEL as FORCE
from sim.core.ladder import Ladder, LadderTables, actor_code, rung_at

if TYPE_CHECKING:
    from sim.model.resolve import DayOutcome

US, MILITIA = actor_code("us"), actor_code("militia")

FIELDS = (
    "replica",  # index of the replica in the model
    "day",
    "party",  # who acted
    "target_party",  # against whom
    "rung",  # the action's rung id
    "perceived",  # the rung id its target read it as
    "perceived_level",
    "attributed",  # party the US blamed for an attack (-1: not an attack)
    "killed",  # deaths it caused
    "wounded",
)
"""The columns of a row of the buffer, in order."""

ACTIONS_PER_REPLICA_DAY = 3
"""Most rows a replica adds in a day besides one per faction: the US action, a withdrawal
step and the Iraqi government's action."""


class EventBuffer(NamedTuple):
    """Rows written by compiled code: ``rows[:count[0]]`` hold the actions so far."""

    rows: np.ndarray  # (capacity, len(FIELDS)) integers
    count: np.ndarray  # (1,) rows used

    @classmethod
    def sized(cls, days: int, n_replicas: int, n_factions: int) -> EventBuffer:
        """A buffer for every action of ``days`` days."""
        capacity = days * n_replicas * (n_factions + ACTIONS_PER_REPLICA_DAY)
        return cls(np.empty((capacity, len(FIELDS)), np.int64), np.zeros(1, np.int64))

    @classmethod
    def none(cls) -> EventBuffer:
        """No buffer: the day logs nothing."""
        return cls(np.empty((0, len(FIELDS)), np.int64), np.zeros(1, np.int64))


@compiled
def _row(rows, i, replica, day, party, target, rung, perceived, level, attributed, killed, wounded):
    """Write row i of the buffer; the next free row."""
    row = rows[i]
    row[0], row[1], row[2], row[3], row[4] = replica, day, party, target, rung
    row[5], row[6], row[7], row[8], row[9] = perceived, level, attributed, killed, wounded
    return i + 1


@compiled
def record_events(
    t: int,
    buffer: EventBuffer,
    lad: LadderTables,
    stepping: np.ndarray,
    us_rung: np.ndarray,
    us_target: np.ndarray,
    mil_rung: np.ndarray,
    iraq_rung: np.ndarray,
    d: DayOutcome,
) -> None:
    """Log day t's actions with how their targets read them (nothing without a buffer):
    the rungs played, whether a withdrawal step was taken, and the day's outcome ``d``."""
    rows, count = buffer.rows, buffer.count
    if rows.shape[0] == 0:
        return
    level, lowest, none = lad.level, lad.min_level, lad.none_rung
    us_table, militia_table = lad.by_actor[US], lad.by_actor[MILITIA]
    withdrawal = lad.withdrawal_rung
    seen_by_us, blamed, killed, wounded = d.seen, d.blamed, d.killed, d.wounded
    seen_by_militia, militia_killed = d.us_seen, d.militia_killed
    n, nf = mil_rung.shape
    iraq, all_militias = nf + 1, nf + 2
    i = count[0]
    for r in range(n):
        for f in range(nf):
            rung = mil_rung[r, f]
            if rung != none:
                seen = seen_by_us[r, f]
                attributed = 1 + blamed[r, f] if level[rung] >= FORCE else -1
                perceived = rung_at(militia_table, seen, lowest)
                i = _row(
                    rows, i, r, t, 1 + f, 0, rung, perceived, seen, attributed,
                    killed[r, f], wounded[r, f],
                )  # fmt: skip
        rung = us_rung[r]
        if rung != none:
            seen = seen_by_militia[r]
            perceived = rung_at(us_table, seen, lowest)
            target = 1 + us_target[r]
            i = _row(rows, i, r, t, 0, target, rung, perceived, seen, -1, militia_killed[r], 0)
        if stepping[r]:
            i = _row(rows, i, r, t, 0, iraq, withdrawal, withdrawal, level[withdrawal], -1, 0, 0)
        rung = iraq_rung[r]
        if rung != none:
            target = all_militias if level[rung] < 0 else 0
            i = _row(rows, i, r, t, iraq, target, rung, rung, level[rung], -1, 0, 0)
    count[0] = i


def parties(config: ScenarioConfig) -> tuple[list[str], list[str]]:
    """The parties' names and their actors, by party number (module docstring)."""
    factions = [f.name for f in config.militia.factions]
    names = ["United States", *factions, "Iraqi government", "all militia factions"]
    actors = ["us", *(["militia"] * len(factions)), "iraq", "militia"]
    return names, actors


class EventLog:
    """The actions logged so far, as blocks of rows (module docstring)."""

    def __init__(self, config: ScenarioConfig, max_days: int, n_replicas: int) -> None:
        self.buffer = EventBuffer.sized(max_days, n_replicas, len(config.militia.factions))
        self.names, self.actors = parties(config)
        self.blocks: list[np.ndarray] = []

    def collect(self) -> None:
        """Move the rows written since the last call out of the buffer."""
        used = int(self.buffer.count[0])
        if used:
            self.blocks.append(self.buffer.rows[:used].copy())
            self.buffer.count[0] = 0

    def frame(self, ladder: Ladder, replica_ids: np.ndarray, start: np.datetime64) -> pd.DataFrame:
        """The log as a tidy table with names in place of codes, ordered by replica, day and
        actor (the rows of one actor in a day in the order they were logged)."""
        rows = np.concatenate(self.blocks) if self.blocks else np.zeros((0, len(FIELDS)), int)
        cols = dict(zip(FIELDS, rows.T, strict=True))
        actor_rank = np.unique(self.actors, return_inverse=True)[1]  # alphabetical order
        order = np.lexsort((actor_rank[cols["party"]], cols["day"], replica_ids[cols["replica"]]))
        cols = {k: v[order] for k, v in cols.items()}
        # Names are decoded from their codes by pyarrow: ~3x faster than pandas reading
        # arrays of Python strings, and the same table (pandas' own string type).
        rungs, parties = list(ladder.names), list(self.names)
        unattributed = len(parties)  # an extra name, "", for rows blamed on nobody
        attributed = np.where(cols["attributed"] >= 0, cols["attributed"], unattributed)
        day = cols["day"]
        table = pa.table(
            {
                "replica": replica_ids[cols["replica"]],
                "day": day,
                "date": (start + day.astype("timedelta64[D]")).astype("datetime64[ns]"),
                "actor": _names(cols["party"], self.actors),
                "actor_name": _names(cols["party"], parties),
                "target": _names(cols["target_party"], self.actors),
                "target_name": _names(cols["target_party"], parties),
                "action": _names(cols["rung"], rungs),
                "rung": ladder.level[cols["rung"]],
                "severity": ladder.goldstein[cols["rung"]],
                "perceived_as": _names(cols["perceived"], rungs),
                "perceived_level": cols["perceived_level"],
                "attributed_to": _names(attributed, [*parties, ""]),
                "killed": cols["killed"],
                "wounded": cols["wounded"],
            }
        )
        frame = table.to_pandas()
        if frame.empty:  # as pandas types empty columns of names: plain objects
            names = [field.name for field in table.schema if field.type == pa.string()]
            frame = frame.astype(dict.fromkeys(names, object))
        return frame


def _names(codes: np.ndarray, names: list[str]) -> pa.Array:
    """The names of an array of codes."""
    indices = pa.array(codes, pa.int32())
    return pa.DictionaryArray.from_arrays(indices, pa.array(names, pa.string())).dictionary_decode()
