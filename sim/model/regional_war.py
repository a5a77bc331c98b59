"""The regional war's intensity on each day: a dated schedule, or one decline.

The regional war (the Gaza war and the exchanges between Iran and Israel) drives the
militias' motive from outside the model. Its course is not one smooth decline: a truce
(24-30 Nov 2023), the Iran-Israel exchanges of April 2024, the killing of Hamas's leader in
Tehran (31 Jul 2024) each moved it. A scenario therefore sets a dated schedule (points of
date and intensity, each value holding from its date until the next; before the first date
the first value holds), or ``record`` for the
sourced schedule in ``sim/data/regional_war.csv``; without one the intensity declines
exponentially from ``initial`` to ``floor`` (docs/ODD.md 7.9).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.config.schema import RegionalWarConfig
from sim.paths import DATA_DIR

RECORD_FILE = DATA_DIR / "regional_war.csv"
"""The sourced schedule that ``schedule: record`` names."""


def schedule_points(schedule: Any) -> pd.DataFrame:
    """The schedule as a table of ``date`` and ``intensity`` (``record`` reads the shipped
    file); validation has checked its form."""
    if isinstance(schedule, str):
        table = pd.read_csv(RECORD_FILE, parse_dates=["date"])
        return table[["date", "intensity"]]
    return pd.DataFrame(
        {
            "date": pd.to_datetime([str(p["date"]) for p in schedule]),
            "intensity": [float(p["intensity"]) for p in schedule],
        }
    )


def war_intensity(cfg: RegionalWarConfig, start_date: str, horizon: int) -> np.ndarray:
    """Intensity (0-1) on each of the ``horizon`` days from ``start_date``."""
    days = np.arange(horizon, dtype=float)
    if cfg.schedule is None:
        return cfg.floor + (cfg.initial - cfg.floor) * 0.5 ** (days / cfg.half_life_days)
    points = schedule_points(cfg.schedule)
    at = (points.date - pd.Timestamp(start_date)).dt.days.to_numpy(dtype=float)
    step = np.searchsorted(at, days, side="right") - 1
    return points.intensity.to_numpy(dtype=float)[np.maximum(step, 0)]
