"""The event log: one row per action (days without action are not logged).

The compiled day writes each action as a row of integer codes into a preallocated buffer
(:func:`record_events`); after each call into compiled code the model moves the rows into
the log (:meth:`EventLog.collect`), which becomes a tidy table with names in place of codes
only when asked (:meth:`EventLog.frame`).

Parties are numbered by the acting actors ((:data:`sim.core.ladder.ACTING_ACTORS`) in the order of
their codes, each with as many parties as it has columns of actions (its ``parties``): 0 the
United States, 1..F the factions, F + 1 the Iraqi government; then one party for all the
parties of each actor that names them as one (``everyone``): F + 2 "all militia factions", the
target of an Iraqi mediation (these numbers are the shipped actors'). Each actor's actions
reach the log as a
:class:`sim.actors.Logged` from its own kernel, so this module names no actor but for the
withdrawal step (a US action that is not a rung the US policy chooses).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.actors import ACTORS as DECLARED
from sim.actors import Logged
from sim.config.schema import ScenarioConfig
from sim.core.compiled import compiled
from sim.core.ladder import ACTING_ACTORS, Ladder, LadderTables, actor_code, rung_at

US, IRAQ = actor_code("us"), actor_code("iraq")

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


class Parties(NamedTuple):
    """The parties of a scenario (module docstring): by party number, their names and their
    actors; by actor code, the party number of the actor's first column and of all its
    columns at once (its only party if it has one); how many parties act."""

    names: list[str]
    actors: list[str]
    first_party: np.ndarray
    everyone: np.ndarray
    columns: int


def parties(config: ScenarioConfig) -> Parties:
    """The parties of a scenario, from the acting actors' declarations."""
    declared = {actor.name: actor for actor in DECLARED}
    acting = [declared[name] for name in ACTING_ACTORS]
    names: list[str] = []
    actors: list[str] = []
    first, everyone = [], []
    for actor in acting:
        own = actor.parties(config)
        first.append(len(names))
        names += own
        actors += [actor.name] * len(own)
    columns = len(names)
    for actor, start in zip(acting, first, strict=True):
        everyone.append(len(names) if actor.everyone else start)
        if actor.everyone:
            names.append(actor.everyone)
            actors.append(actor.name)
    first_party, everyone_party = np.array(first, np.int64), np.array(everyone, np.int64)
    return Parties(names, actors, first_party, everyone_party, columns)


class EventBuffer(NamedTuple):
    """Rows written by compiled code: ``rows[:count[0]]`` hold the actions so far; the
    party numbers of each acting actor's first column and of all its columns
    (:class:`Parties`), by actor code."""

    rows: np.ndarray  # (capacity, len(FIELDS)) integers
    count: np.ndarray  # (1,) rows used
    first_party: np.ndarray  # (actors,)
    everyone: np.ndarray  # (actors,)

    @classmethod
    def sized(cls, days: int, n_replicas: int, parties: Parties) -> EventBuffer:
        """A buffer for every action of ``days`` days: each party's, and a withdrawal step."""
        capacity = days * n_replicas * (parties.columns + 1)
        rows = np.empty((capacity, len(FIELDS)), np.int64)
        return cls(rows, np.zeros(1, np.int64), parties.first_party, parties.everyone)

    @classmethod
    def none(cls) -> EventBuffer:
        """No buffer: the day logs nothing."""
        nobody = np.zeros(len(ACTING_ACTORS), np.int64)
        return cls(np.empty((0, len(FIELDS)), np.int64), np.zeros(1, np.int64), nobody, nobody)


@compiled
def _row(rows, i, replica, day, party, target, rung, perceived, level, attributed, killed, wounded):
    """Write row i of the buffer; the next free row. A full buffer is a bug (an acting actor
    with more columns of actions than the parties it declares): refused, never overrun."""
    if i >= rows.shape[0]:
        raise IndexError("event buffer full: an acting actor acts in more columns than parties")
    row = rows[i]
    row[0], row[1], row[2], row[3], row[4] = replica, day, party, target, rung
    row[5], row[6], row[7], row[8], row[9] = perceived, level, attributed, killed, wounded
    return i + 1


@compiled
def record_events(
    t: int,
    buffer: EventBuffer,
    lad: LadderTables,
    acts: tuple[np.ndarray, ...],
    logged: tuple[Logged, ...],
    stepping: np.ndarray,
) -> None:
    """Log day t's actions (nothing without a buffer): each acting actor's rungs ``acts``
    (R, columns) and what became of them (``logged``, both by actor code), the rung its
    target read each as; then a withdrawal step where one was taken (``stepping``)."""
    rows, count = buffer.rows, buffer.count
    if rows.shape[0] == 0:
        return
    first, everyone = buffer.first_party, buffer.everyone  # by actor code
    level, lowest, none = lad.level, lad.min_level, lad.none_rung
    withdrawal = lad.withdrawal_rung
    i = count[0]
    for r in range(acts[0].shape[0]):
        for a in range(len(acts)):
            rungs, log, table = acts[a], logged[a], lad.by_actor[a]
            for c in range(rungs.shape[1]):
                rung = rungs[r, c]
                if rung == none:
                    continue
                seen = log.perceived_level[r, c]
                aimed, column = log.target_actor[r, c], log.target_column[r, c]
                target = first[aimed] + column if column >= 0 else everyone[aimed]
                blamed = log.attributed[r, c]
                i = _row(
                    rows, i, r, t, first[a] + c, target, rung, rung_at(table, seen, lowest),
                    seen, first[a] + blamed if blamed >= 0 else -1, log.killed[r, c],
                    log.wounded[r, c],
                )  # fmt: skip
        if stepping[r]:
            us, iraq = first[US], first[IRAQ]
            i = _row(rows, i, r, t, us, iraq, withdrawal, withdrawal, level[withdrawal], -1, 0, 0)
    count[0] = i


class EventLog:
    """The actions logged so far, as blocks of rows (module docstring)."""

    def __init__(self, config: ScenarioConfig, max_days: int, n_replicas: int) -> None:
        who = parties(config)
        self.buffer = EventBuffer.sized(max_days, n_replicas, who)
        self.names, self.actors = who.names, who.actors
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
