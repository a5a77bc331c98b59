"""How much memory a run needs, checked before it allocates anything large.

Why: a run too large for the machine used to pass validation and grow until the system
killed it (``replicas=200000``), or die in a numpy allocation with a traceback. A run now
estimates what it will need from its replicas, days and outputs, and is refused in one line,
saying how much it needs, if that exceeds what the machine has available.

The estimate is a model of measured peaks (``python benchmarks/memory_model.py`` measures
them and prints each against this estimate), with a margin: the daily series and the
summary, the tidy per-day table (``output.timeseries``) and the event log
(``record_events``), whose size follows the number of actions, many in the first weeks of a
crisis and fewer later (measured on the default scenario; a scenario of more violence logs
more, which the margin covers).
"""

from __future__ import annotations

import numpy as np

from sim.core.params import ConfigError
from sim.model.outputs import COLUMNS

MARGIN = 1.25
"""Measured peaks are multiplied by this before they are compared with what is available
(the measured scenarios are not the only ones; assumption)."""

PER_REPLICA = 3_700
"""Bytes a replica needs whatever its horizon: its state, its parameter draws, its summary
row (measured: 100,000 replicas x 2 days)."""

SERIES_PER_DAY = 8 * len(COLUMNS) * 1.07
"""Bytes per replica-day of the daily series: 8 bytes a column, and 7% more for their
quantiles (measured: 240 bytes with 28 columns)."""

TABLE_PER_DAY = 8 * (len(COLUMNS) + 3) * 2.14
"""Bytes per replica-day of the tidy per-day table, ``timeseries()``: its columns (the
daily outputs, the replica, day and date) of 8 bytes, about twice over with their copy into
Parquet (measured: 530 bytes with 31 columns)."""

EVENT_BYTES = ((0, 0), (30, 90_000), (365, 435_000), (1826, 1_250_000))
"""Bytes of the event log a replica has needed by each day (days, bytes): the actions of the
first month, when the crisis is at its peak, take three times as much a day as the rest of
the first year and five times as much as the years after (measured on the default
scenario). Beyond the last day, its rate holds (560 bytes a day)."""


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``), or None where
    the system does not say."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def needed_memory(horizon: int, n_replicas: int, *, events: bool, table: bool) -> float:
    """Bytes a run of ``n_replicas`` x ``horizon`` days needs at its peak, with the event log
    (``events``) and the tidy per-day table (``table``) if it makes them, margin included."""
    days, logged = np.array(EVENT_BYTES, dtype=float).T
    late_rate = (logged[-1] - logged[-2]) / (days[-1] - days[-2])
    event_bytes = np.interp(horizon, days, logged) + late_rate * max(0, horizon - days[-1])
    per_replica = (
        PER_REPLICA
        + SERIES_PER_DAY * horizon
        + (TABLE_PER_DAY * horizon if table else 0)
        + (event_bytes if events else 0)
    )
    return MARGIN * per_replica * n_replicas


def check_memory(
    horizon: int,
    n_replicas: int,
    *,
    events: bool = True,
    table: bool = True,
    available: int | None = None,
    shared_by: int = 1,
) -> None:
    """Refuse, in one line, a run that would not fit in the memory available now (it would
    otherwise grow until the system kills it), saying how much it needs and how many
    replicas would fit. ``shared_by``: the runs that start together on this machine (a
    sweep's workers), which all check before any of them allocates: each gets its share."""
    available = available_memory() if available is None else available
    if available is None:
        return
    share = available / max(1, shared_by)
    needed = needed_memory(horizon, n_replicas, events=events, table=table)
    if needed <= 0.8 * share:
        return
    one = needed_memory(horizon, 1, events=events, table=table)
    fits = max(1, int(0.8 * share // one))
    outputs = [name for name, on in (("event log", events), ("per-day table", table)) if on]
    with_outputs = f" with its {' and '.join(outputs)}" if outputs else ""
    shared = f", shared by {shared_by} jobs at once" if shared_by > 1 else ""
    fewer_jobs = ", fewer jobs at once (hydra.launcher.n_jobs)" if shared_by > 1 else ""
    raise ConfigError(
        "replicas",
        f"{n_replicas} replicas x {horizon} days{with_outputs} need about "
        f"{needed / 2**30:.1f} GiB; {available / 2**30:.1f} GiB are available{shared}, "
        f"enough for about {fits} replicas at this horizon: run fewer{fewer_jobs}, turn off "
        f"output.events or output.timeseries, or split them over a sweep's seeds",
    )
