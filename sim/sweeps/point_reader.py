"""One finished point of a sweep read back and checked against its completion record:
what gathering (sim/sweeps/collect.py) and the reading while the sweep runs
(sim/sweeps/prefetch.py) both do, point by point."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sim.sweeps.bookkeeping import POINT, why_not_done


def read_checked(job: Path) -> tuple[dict[str, Any], pa.Table, pa.Table] | str:
    """A finished job's point, summary and quantiles once its files match their fingerprints;
    else why it is damaged, in a few words (never an exception: one damaged point must not
    stop the others from being gathered)."""
    try:
        if problem := why_not_done(job):
            return problem
        point = json.loads((job / POINT).read_text()) if (job / POINT).exists() else {}
        if not isinstance(point, dict):
            return f"its {POINT} is not a mapping of parameters"
        return (point, *_read_job(job))
    except Exception as ex:  # a file that matches its record but does not parse
        return f"unreadable ({one_line(ex)})"


def one_line(ex: BaseException) -> str:
    """An exception as 'Type: first line of its message'."""
    lines = str(ex).strip().splitlines()
    return f"{type(ex).__name__}: {lines[0]}" if lines else type(ex).__name__


def _read_job(job: Path) -> tuple[pa.Table, pa.Table]:
    """A job's summary and its daily quantiles, the latter ordered by series and day (the
    jobs come in the order of their names, so the whole table needs no sort of its own) and
    with the series as plain names (however a version of the code stored them)."""
    quantiles = pq.read_table(job / "quantiles.parquet")
    series = quantiles.column("series").combine_chunks()
    quantiles = quantiles.take(_series_day_order(series, quantiles.column("day").to_numpy()))
    index = quantiles.schema.get_field_index("series")
    quantiles = quantiles.set_column(index, "series", pc.cast(quantiles["series"], pa.string()))
    return pacsv.read_csv(job / "summary.csv"), quantiles


def _series_day_order(series: pa.Array, day: np.ndarray) -> np.ndarray:
    """Row order by series name, then day. Series stored as a dictionary with its names in
    order (as jobs write them) are ordered by their codes; any others by their names."""
    if pa.types.is_dictionary(series.type):
        names = series.dictionary.to_numpy(zero_copy_only=False)
        if (names[:-1] < names[1:]).all():
            return np.lexsort((day, series.indices.to_numpy(zero_copy_only=False)))
    return np.lexsort((day, pc.cast(series, pa.string()).to_numpy(zero_copy_only=False)))
