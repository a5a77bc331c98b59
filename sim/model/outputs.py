"""The daily output columns: each declared once, with its meaning and how it is computed.

A column is a :class:`Column`: its name (the column of timeseries.parquet), its meaning (the
column's documentation), its type (counts are integers, levels floats) and its value on a day,
a small function of the day number ``t``, the world ``w`` (:mod:`sim.model.world`) and the
day's outcome ``d`` (:data:`sim.model.resolve.DayOutcome`), compiled. The day records every
column through :func:`record_day`, which is built from :data:`COLUMNS`: adding a column is
adding one line to that tuple.

The values are kept in preallocated arrays, one block of counts and one of levels, each
(columns, days, replicas), and become a tidy pandas table (one row per replica per day) only
when asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numba
import numpy as np
import pandas as pd
from numba.extending import overload

from sim.core.compiled import compiled


@compiled
def faction_mean(x):
    """Mean over factions (the columns of an (R, F) array), summed in order."""
    n, nf = x.shape
    out = np.empty(n)
    for r in range(n):
        total = x[r, 0]
        for f in range(1, nf):
            total += x[r, f]
        out[r] = total / nf
    return out


@dataclass(frozen=True)
class Column:
    """One daily output column."""

    name: str
    meaning: str
    kind: type  # int (a count) or float (a level)
    value: Callable[..., Any]  # (t, w, d) -> (R,) array or a number, compiled


COLUMNS = (
    Column(
        "escalation_index",
        "Escalation index, 0-10: EWMA of the day's highest rung level",
        float,
        lambda t, w, d: d.escalation_index,
    ),
    Column(
        "peak_level",
        "Highest escalation level any actor played that day",
        int,
        lambda t, w, d: d.peak,
    ),
    Column(
        "goldstein",
        "Sum of the Goldstein scores of the day's actions",
        float,
        lambda t, w, d: d.goldstein,
    ),
    Column(
        "militia_attacks",
        "Militia attacks on US forces (actions at level >= 4)",
        int,
        lambda t, w, d: d.attacks,
    ),
    Column(
        "us_strikes",
        "US strikes on militias (actions at level >= 4)",
        int,
        lambda t, w, d: d.used_force.astype(np.int64),
    ),
    Column("us_killed", "US service members killed", int, lambda t, w, d: d.us_killed),
    Column("us_wounded", "US service members wounded", int, lambda t, w, d: d.us_wounded),
    Column(
        "militia_killed",
        "Militia members killed by US action",
        int,
        lambda t, w, d: d.militia_killed,
    ),
    Column(
        "cum_attacks",
        "Cumulative militia attacks",
        int,
        lambda t, w, d: w.tallies.cumulative[0],
    ),
    Column(
        "cum_strikes",
        "Cumulative US strikes",
        int,
        lambda t, w, d: w.tallies.cumulative[1],
    ),
    Column(
        "cum_us_killed",
        "Cumulative US killed",
        int,
        lambda t, w, d: w.tallies.cumulative[2],
    ),
    Column(
        "cum_us_wounded",
        "Cumulative US wounded",
        int,
        lambda t, w, d: w.tallies.cumulative[3],
    ),
    Column(
        "cum_militia_killed",
        "Cumulative militia killed",
        int,
        lambda t, w, d: w.tallies.cumulative[4],
    ),
    Column(
        "us_troops",
        "US troops in Iraq",
        int,
        lambda t, w, d: w.us.troops.astype(np.int64),
    ),
    Column(
        "us_pressure",
        "US domestic pressure to retaliate, 0-1",
        float,
        lambda t, w, d: w.us.pressure,
    ),
    Column(
        "us_deterrence",
        "US deterrence credibility, 0-1",
        float,
        lambda t, w, d: w.us.deterrence,
    ),
    Column(
        "us_force_protection",
        "US force-protection level, 0-1",
        float,
        lambda t, w, d: w.us.protection,
    ),
    Column(
        "iraq_grievance",
        "Iraqi sovereignty grievance, 0-1",
        float,
        lambda t, w, d: w.iraq.grievance,
    ),
    Column(
        "iraq_pressure",
        "Iraqi pressure to end the coalition mission, 0-1",
        float,
        lambda t, w, d: w.iraq.pressure,
    ),
    Column(
        "militia_capability",
        "Mean militia capability over factions, 0-1",
        float,
        lambda t, w, d: faction_mean(w.militia.capability),
    ),
    Column(
        "militia_grievance",
        "Mean militia grievance over factions, 0-1",
        float,
        lambda t, w, d: faction_mean(w.militia.grievance),
    ),
    Column(
        "iran_restraint",
        "Iranian restraint signal, 0-1",
        float,
        lambda t, w, d: w.iran.restraint,
    ),
    Column("regional_war", "Regional war intensity, 0-1", float, lambda t, w, d: w.war[t]),
)
"""Every daily output column, in the order of timeseries.parquet."""

SERIES = {c.name: c.meaning for c in COLUMNS}
"""Daily series and what they mean (the column documentation of timeseries.parquet)."""

COUNT_SERIES = tuple(c.name for c in COLUMNS if c.kind is int)
"""The integer series, in the order of :attr:`SeriesArrays.counts`."""
LEVEL_SERIES = tuple(c.name for c in COLUMNS if c.kind is not int)
"""The float series, in the order of :attr:`SeriesArrays.levels`."""


class SeriesArrays(NamedTuple):
    """The columns' values, (columns, days, replicas): counts and levels."""

    counts: np.ndarray
    levels: np.ndarray


def record_day(t: int, w: Any, d: Any) -> None:
    """Store day t's value of every column (in ``w.series``); compiled code gets the writes
    generated from :data:`COLUMNS` (below)."""
    raise NotImplementedError("record_day runs inside compiled code (sim.model.day)")


@overload(record_day)
def _record_day_compiled(t, w, d):
    """One write per column, generated from the declarations (one flat function, so the
    compile time grows linearly with the columns)."""
    namespace: dict[str, Any] = {}
    lines = ["def record(t, w, d):"]
    for i, column in enumerate(COLUMNS):
        if column.kind is int:
            block, row = "counts", COUNT_SERIES.index(column.name)
        else:
            block, row = "levels", LEVEL_SERIES.index(column.name)
        # compiled into the function (numba's inlining), not called: a call would pass the
        # whole world as some thousand machine-level arguments (minutes to compile)
        namespace[f"value{i}"] = numba.njit(inline="always")(column.value)
        lines.append(f"    w.series.{block}[{row}, t] = value{i}(t, w, d)  # {column.name}")
    exec("\n".join(lines), namespace)
    return namespace["record"]


class SeriesRecorder:
    """Daily values of every column of :data:`COLUMNS`, shape (days, replicas) each: views
    of the two blocks of :class:`SeriesArrays`, which the compiled day writes."""

    def __init__(self, horizon: int, n_replicas: int) -> None:
        self.arrays = SeriesArrays(
            counts=np.zeros((len(COUNT_SERIES), horizon, n_replicas), dtype=np.int64),
            levels=np.zeros((len(LEVEL_SERIES), horizon, n_replicas)),
        )
        views = {k: self.arrays.counts[i] for i, k in enumerate(COUNT_SERIES)}
        views.update({k: self.arrays.levels[i] for i, k in enumerate(LEVEL_SERIES)})
        self.data = {k: views[k] for k in SERIES}

    def frame(self, days: int, replica_ids: np.ndarray, start: np.datetime64) -> pd.DataFrame:
        """The first ``days`` days as a tidy table: one row per replica per day."""
        n = len(replica_ids)
        day = np.repeat(np.arange(days), n)
        cols = {
            "replica": np.tile(replica_ids, days),
            "day": day,
            "date": (start + day.astype("timedelta64[D]")).astype("datetime64[ns]"),
        }
        cols.update({k: v[:days].reshape(-1) for k, v in self.data.items()})
        return pd.DataFrame(cols).sort_values(["replica", "day"], kind="stable", ignore_index=True)
