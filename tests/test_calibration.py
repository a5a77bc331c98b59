"""Calibration runs at a small size, fits only the window before Tower 22, and is honest."""

from __future__ import annotations

import pandas as pd
import yaml

from sim.analysis.calibration import FIT_END, FREE, calibrate, historical_base, observed
from sim.config.validation import validate

from .conftest import ROOT


def test_fitting_window_stops_before_tower_22():
    obs = observed()
    assert obs.date.max() <= FIT_END < pd.Timestamp("2024-01-28")
    assert len(obs) >= 6 and obs.cumulative_attacks.is_monotonic_increasing
    base = historical_base(replicas=2)
    assert base["horizon_days"] == (FIT_END - pd.Timestamp(base["start_date"])).days + 1


def test_calibration_ranks_candidates_and_reports_uncertainty():
    cands, fit = calibrate(historical_base(replicas=4), samples=12, accept=0.25, n_jobs=1)
    assert len(cands) == 12 and cands.rmse_log.is_monotonic_increasing
    assert list(fit.parameter) == [p.key for p in FREE]
    for p, row in zip(FREE, fit.itertuples(), strict=True):
        assert p.low <= row.best <= p.high
        assert p.low <= row.accepted_q05 <= row.accepted_q95 <= p.high
    assert (fit.accepted == 3).all()


def test_historical_scenario_carries_the_calibrated_values():
    cfg = yaml.safe_load((ROOT / "configs" / "scenario" / "historical_2023.yaml").read_text())
    fit = pd.read_csv(ROOT / "docs" / "figures" / "calibration" / "calibration_fit.csv")
    best = fit.set_index("parameter").best
    assert abs(cfg["militia"]["policy"]["base_rate"] - best["militia.policy.base_rate"]) < 0.01
    assert abs(cfg["iran"]["restraint"] - best["iran.restraint"]) < 0.01
    validate({k: v for k, v in cfg.items() if k != "defaults"})
