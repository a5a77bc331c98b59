"""One summary row per replica: peaks, totals, first days on each rung, crisis days."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.analysis.quantiles import quantiles

if TYPE_CHECKING:  # the model is not imported where only the outcomes are needed (reports)
    from sim.model.escalation import EscalationModel

DRAWN_PREFIX = "drawn."
"""Prefix of the summary's columns holding each replica's posterior draw of a calibrated
parameter (``drawn.militia.policy.base_rate``), so that a sweep's table says which parameter
values each replica ran with (scenario discovery, sim/analysis/discovery.py, reads them)."""


def summarize(model: EscalationModel) -> pd.DataFrame:
    """Summary metrics of every replica simulated so far.

    Columns: replica, seed, peak_escalation and its day and date, mean_escalation,
    days_in_crisis (index >= ``index.crisis_threshold``), totals of attacks, strikes and
    casualties, final troops, withdrawal start and completion days, spillover_day (the first
    day Iran's perceived risk of a US war on Iran reached ``index.spillover_risk``: a
    regional-war spillover), ``first_day_<rung>`` for every rung other than ``none``
    (missing where the rung was never played or the threshold never reached), then
    ``drawn.<key>`` for every calibrated parameter the replicas drew from the posterior
    (none with ``parameters: point``, nor for a parameter the scenario sets itself).
    """
    days = model.day
    if days == 0:
        raise ValueError("the model has not been stepped yet")
    data = model.series.data
    index = data["escalation_index"][:days]  # (days, R)
    peak_day = index.argmax(axis=0)
    start, done = model.withdrawal_days()
    cfg = model.config
    out = pd.DataFrame(
        {
            "replica": model.replica_ids,
            "seed": cfg.seed,
            "peak_escalation": index.max(axis=0),
            "peak_day": peak_day,
            "peak_date": (model.start_date + peak_day.astype("timedelta64[D]")).astype(
                "datetime64[ns]"
            ),
            "mean_escalation": index.mean(axis=0),
            "days_in_crisis": (index >= cfg.index.crisis_threshold).sum(axis=0),
            "total_attacks": data["cum_attacks"][days - 1],
            "total_strikes": data["cum_strikes"][days - 1],
            "us_killed": data["cum_us_killed"][days - 1],
            "us_wounded": data["cum_us_wounded"][days - 1],
            "militia_killed": data["cum_militia_killed"][days - 1],
            "final_troops": data["us_troops"][days - 1],
            "withdrawal_start_day": pd.array(_nullable(start), dtype="Int64"),
            "withdrawal_complete_day": pd.array(_nullable(done), dtype="Int64"),
            "spillover_day": pd.array(
                _nullable(_first_day(data["iran_risk"][:days] >= cfg.index.spillover_risk)),
                dtype="Int64",
            ),
        }
    )
    for j, name in enumerate(model.ladder.names):
        if name == "none":
            continue
        first = model.first_day[:, j].astype(float)
        out[f"first_day_{name}"] = pd.array(
            _nullable(np.where(first >= 0, first, np.nan)), dtype="Int64"
        )
    for key, values in model.draws.items():
        out[DRAWN_PREFIX + key] = values
    return out


OUTCOMES = {
    "peak_escalation": "peak escalation index",
    "p_targeted_killing": "P(targeted killing reached)",
    "days_in_crisis": "days in crisis",
    "total_attacks": "militia attacks",
    "us_killed": "US killed",
}
"""A scenario point's headline outcomes, by their column in a summary (with
:func:`with_outcomes`), and their words: what the sweep reports, the screening of parameters
and the experiments' tables summarise."""


def with_outcomes(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary table with the outcomes it does not hold itself: ``p_targeted_killing``,
    whether each replica reached the targeted-killing rung (0 or 1; its mean over replicas is
    the chance)."""
    out = summary.copy()
    if "first_day_targeted_killing" in out:
        out["p_targeted_killing"] = out["first_day_targeted_killing"].notna().astype(float)
    return out


def _first_day(hit: np.ndarray) -> np.ndarray:
    """The first day (row) each replica (column) is True, NaN where it never is."""
    return np.where(hit.any(axis=0), hit.argmax(axis=0), np.nan)


def _nullable(x: np.ndarray) -> list:
    return [None if np.isnan(v) else int(v) for v in x]


MAIN_SERIES = (
    "escalation_index",
    "militia_attacks",
    "us_strikes",
    "cum_attacks",
    "cum_strikes",
    "cum_us_killed",
    "cum_militia_killed",
    "us_troops",
    "us_pressure",
    "iraq_pressure",
    "militia_capability",
)
"""Series summarised across replicas in quantiles.parquet and the sweep tables."""

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
QUANTILE_COLUMNS = tuple(f"q{round(q * 100):02d}" for q in QUANTILES)


def daily_quantiles(model: EscalationModel, series: tuple[str, ...] = MAIN_SERIES) -> pd.DataFrame:
    """Mean and quantiles across replicas of each series on each day (tidy, long format:
    one row per series per day; columns day, date, series, mean, q05, q25, q50, q75, q95)."""
    days = model.day
    # One float buffer of one series, reused: filled, its mean taken, sorted in place, its
    # quantiles picked, series by series. Every fresh copy of all the series (~30 MB a flagship
    # point at 200 replicas, ~160 MB at 1,000) costs page faults comparable to the sort itself.
    buffer = np.empty((days, model.series.data[series[0]].shape[1]))
    mean = np.empty((len(series), days))
    q = np.empty((len(QUANTILES), len(series), days))
    for i, name in enumerate(series):
        buffer[...] = model.series.data[name][:days]
        mean[i] = buffer.mean(axis=1)
        q[:, i] = quantiles(buffer, QUANTILES, overwrite=True)
    mean = mean.reshape(-1)
    dates = (model.start_date + np.arange(days).astype("timedelta64[D]")).astype("datetime64[ns]")
    out = pd.DataFrame(
        {
            "day": np.tile(np.arange(days), len(series)),
            "date": np.tile(dates, len(series)),
            "series": pd.Categorical(np.repeat(series, days)),
            "mean": mean,
            **{col: q[i].reshape(-1) for i, col in enumerate(QUANTILE_COLUMNS)},
        }
    )
    return out
