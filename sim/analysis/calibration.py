"""Calibration of the attack process to the 2023-24 record, by Latin-hypercube search with
rejection (a simple approximate Bayesian computation).

Method: draw candidate parameter sets from a Latin hypercube over stated ranges (SALib), run
the historical scenario for each (same seed and replicas for all: common random numbers), and
score each candidate by the root-mean-square error, on a log scale, between the median
simulated cumulative attacks and the recorded counts on the record's dates up to the end of
the fitting window (27 Jan 2024, the eve of Tower 22). The best candidate is the point
estimate; the accepted set (the best ``accept`` share) gives the uncertainty (its 5-95% range),
as in rejection ABC (Beaumont 2010, Annu. Rev. Ecol. Evol. Syst. 41).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from SALib.sample import latin

from sim.analysis import historical
from sim.analysis.sensitivity import Uncertain, _merge, _nested, problem_of, sample_points
from sim.config.validation import validate
from sim.model.escalation import EscalationModel

FIT_END = pd.Timestamp("2024-01-27")
"""End of the fitting window: the day before Tower 22 (everything after is out of sample)."""

FREE: tuple[Uncertain, ...] = (
    Uncertain("militia.policy.base_rate", 1.0, 8.0),
    Uncertain("militia.policy.war_weight", 0.2, 1.5),
    Uncertain("iran.restraint", 0.0, 0.6),
)
"""Parameters the record cannot give directly: the base attack hazard, the regional war's
weight in the militias' motive, and the strength of Iranian restraint (ranges: assumption)."""


def historical_base(replicas: int = 100, seed: int = 0) -> dict[str, Any]:
    """The historical scenario's settings as a Python mapping (mirrors
    configs/scenario/historical_2023.yaml), run to the end of the fitting window."""
    start = pd.Timestamp("2023-10-17")
    return {
        "seed": seed,
        "replicas": replicas,
        "start_date": "2023-10-17",
        "horizon_days": int((FIT_END - start).days) + 1,
        "withdrawal": {"start_month": None},
        "regional_war": {"initial": 1.0},
    }


def observed() -> pd.DataFrame:
    """Recorded cumulative attacks inside the fitting window, with their model day."""
    counts = historical.attack_counts()
    counts = counts[counts.date <= FIT_END].copy()
    counts["day"] = (counts.date - pd.Timestamp("2023-10-17")).dt.days
    return counts[["date", "day", "cumulative_attacks"]].reset_index(drop=True)


def score(base: Mapping[str, Any], point: Mapping[str, Any], obs: pd.DataFrame) -> float:
    """Log-scale RMSE between median simulated and recorded cumulative attacks."""
    model = EscalationModel(_merge(dict(base), _nested(point)), record_events=False).run()
    cum = model.series.data["cum_attacks"]  # (days, R)
    sim = np.median(cum[obs.day.to_numpy()], axis=1)
    err = np.log1p(sim) - np.log1p(obs.cumulative_attacks.to_numpy())
    return float(np.sqrt(np.mean(err**2)))


def calibrate(
    base: Mapping[str, Any] | None = None,
    params: Sequence[Uncertain] = FREE,
    samples: int = 120,
    accept: float = 0.1,
    seed: int = 0,
    n_jobs: int = -1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the search. Returns (candidates with their scores, sorted best first; a fit table
    with, per parameter, the best value and the 5-95% range of the accepted candidates)."""
    base = dict(base or historical_base())
    validate(base)
    obs = observed()
    problem = problem_of(params)
    x = latin.sample(problem, samples, seed=seed)
    points = sample_points(params, x)
    scores = Parallel(n_jobs=n_jobs)(delayed(score)(base, pt, obs) for pt in points)
    cands = pd.DataFrame(points).assign(rmse_log=scores).sort_values("rmse_log", ignore_index=True)
    kept = cands.head(max(1, round(accept * len(cands))))
    fit = pd.DataFrame(
        {
            "parameter": [p.key for p in params],
            "best": [cands.loc[0, p.key] for p in params],
            "accepted_q05": [kept[p.key].quantile(0.05) for p in params],
            "accepted_q95": [kept[p.key].quantile(0.95) for p in params],
            "range_low": [p.low for p in params],
            "range_high": [p.high for p in params],
        }
    )
    fit["best_rmse_log"] = cands.loc[0, "rmse_log"]
    fit["accepted"] = len(kept)
    return cands, fit
