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


@numba.njit(cache=True, error_model="numpy", inline="always")
def _block_sum(x, row, start, n):
    """numpy's sum of at most 128 terms (of row ``row`` of ``x``, from column ``start``): in
    order below 8, else in 8 interleaved partial sums, combined pairwise, then the rest in
    order."""
    if n < 8:
        total = 0.0
        for i in range(start, start + n):
            total += x[row, i]
        return total
    r = x[row, start : start + 8].copy()
    i = 8
    while i < n - n % 8:
        for j in range(8):
            r[j] += x[row, start + i + j]
        i += 8
    total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for k in range(i, n):
        total += x[row, start + k]
    return total


@numba.njit(cache=True, error_model="numpy", inline="always")
def pairwise_sum(x: np.ndarray, row: int, start: int, n: int) -> float:
    """Sum of ``x[row, start:start + n]`` in numpy's order (its pairwise summation: blocks of at
    most 128 terms, :func:`_block_sum`, in halves split at a multiple of 8, added as left +
    right), so the result is numpy's ``sum`` to the last bit. numpy recurses; this walks the
    same tree with an explicit stack (numba cannot cache a recursive function)."""
    if n <= 128:
        return _block_sum(x, row, start, n)
    starts = np.empty(64, np.int64)
    sizes = np.empty(64, np.int64)
    lefts = np.empty(64)
    waiting = np.zeros(64, np.bool_)  # the frame's left half is summed, its right is not
    top = 0
    starts[0], sizes[0] = start, n
    while True:
        while sizes[top] > 128:  # down the left halves to a block
            half = sizes[top] // 2
            half -= half % 8
            starts[top + 1], sizes[top + 1], waiting[top + 1] = starts[top], half, False
            top += 1
        value = _block_sum(x, row, starts[top], sizes[top])
        top -= 1
        while top >= 0 and waiting[top]:  # right halves done: left + right, up the tree
            value = lefts[top] + value
            top -= 1
        if top < 0:
            return value
        lefts[top], waiting[top] = value, True  # a left half done: now its right half
        half = sizes[top] // 2
        half -= half % 8
        starts[top + 1], sizes[top + 1] = starts[top] + half, sizes[top] - half
        waiting[top + 1] = False
        top += 1


@compiled
def faction_mean(x: np.ndarray) -> np.ndarray:
    """Mean over factions (the columns of an (R, F) array), as numpy computes it."""
    n, nf = x.shape
    out = np.empty(n)
    for r in range(n):
        out[r] = pairwise_sum(x, r, 0, nf) / nf
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
        "militia_hostility",
        "Mean over factions of all the grievance the US has caused each since the start "
        "(never decays; the campaign's lethality grows with the factions' sum)",
        float,
        lambda t, w, d: faction_mean(w.militia.hostility),
    ),
    Column(
        "iran_restraint",
        "Iranian restraint signal, 0-1",
        float,
        lambda t, w, d: w.iran.restraint,
    ),
    Column(
        "militia_fear",
        "Mean militia fear of the US response (coercion) over factions, 0-1",
        float,
        lambda t, w, d: faction_mean(w.militia.fear),
    ),
    Column(
        "iran_risk",
        "Iran's perceived risk of US escalation against Iran",
        float,
        lambda t, w, d: w.iran.risk,
    ),
    Column(
        "iran_halt",
        "Iran's halt on the militias is in force (1) or not (0)",
        int,
        lambda t, w, d: w.iran.halt_on,
    ),
    Column(
        "iraq_talks",
        "Progress of the talks on ending the coalition mission, 0-1 (0 when none)",
        float,
        lambda t, w, d: w.iraq.talks,
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


WRITES = tuple(
    (column, "counts", COUNT_SERIES.index(column.name))
    if column.kind is int
    else (column, "levels", LEVEL_SERIES.index(column.name))
    for column in COLUMNS
)
"""Where each column's value goes: its block of :class:`SeriesArrays` and its row there."""


def record_day(t: int, w: Any, d: Any) -> None:
    """Store day t's value of every column in ``w.series``. This is the plain-Python
    version (numba's ``NUMBA_DISABLE_JIT``); compiled code gets the same writes as one
    generated function (below)."""
    for column, block, row in WRITES:
        getattr(w.series, block)[row, t] = column.value(t, w, d)


@overload(record_day)
def _record_day_compiled(t, w, d):
    """One write per column, generated from the declarations (one flat function, so the
    compile time grows linearly with the columns)."""
    namespace: dict[str, Any] = {}
    lines = ["def record(t, w, d):"]
    for i, (column, block, row) in enumerate(WRITES):
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
