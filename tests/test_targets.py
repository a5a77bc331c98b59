"""The validation targets (sim/analysis/targets.py): each one judged right on histories built
to pass or fail it, and the shipped calibration meeting all of them on the whole record, so a
change to the model that silently breaks the fit fails here (recalibrate:
experiments/calibrate_2023.py; docs/validation.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import EscalationModel
from sim.analysis.calibration import day_of
from sim.analysis.targets import TOWER_22, dated_counts, evaluate_targets

from .conftest import ROOT

DAYS = day_of(pd.Timestamp("2024-08-31")) + 1


def record_history(histories: int = 20) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Histories that follow the record exactly: each dated count's attacks on its own date,
    and three US deaths on Tower 22's day."""
    attacks = np.zeros((DAYS, histories))
    counts = dated_counts()
    previous = 0
    for day, cumulative in zip(counts.day, counts.cumulative_attacks, strict=True):
        attacks[day] += cumulative - previous
        previous = cumulative
    killed = np.zeros_like(attacks)
    killed[day_of(TOWER_22)] = 3
    return attacks.cumsum(axis=0), attacks, killed


def holds(table: pd.DataFrame) -> dict[str, bool]:
    return dict(zip(table.target, table.holds, strict=True))


def test_the_record_itself_meets_every_target():
    table = evaluate_targets(*record_history())
    assert table.holds.all(), table
    assert len(table) == 9  # two for the counts, two for the lull, one for deaths, four months


def test_each_target_fails_on_histories_that_miss_it():
    cum, attacks, killed = record_history()
    early = killed.copy()
    early[30, :11] = 1  # 11 of 20 histories with a death in November 2023
    assert not holds(evaluate_targets(cum, attacks, early))[
        "histories without a US death before 28 Jan 2024"
    ]
    busy = attacks.copy()
    busy[day_of(pd.Timestamp("2024-03-01"))] += 6  # six attacks in the lull, every history
    result = holds(evaluate_targets(busy.cumsum(axis=0), busy, killed))
    assert not result["median attacks 5 Feb - 21 Apr 2024"]
    assert not result["record's 0 inside the lull's 90% band"]
    assert result["median attacks in 2024-05 (out of sample)"]  # May untouched
    may = attacks.copy()
    may[day_of(pd.Timestamp("2024-05-15"))] += 9
    assert not holds(evaluate_targets(may.cumsum(axis=0), may, killed))[
        "median attacks in 2024-05 (out of sample)"
    ]
    result = holds(evaluate_targets(cum * 1.3, attacks * 1.3, killed))  # 30% too many
    assert not result["dated counts with median within 20%"]
    assert not result["dated counts inside the 90% band"]


@pytest.mark.slow
def test_the_shipped_calibration_meets_every_target_on_the_whole_record():
    cfg = yaml.safe_load((ROOT / "configs/scenario/historical_2023.yaml").read_text())
    cfg.update({"replicas": 1000, "seed": 0})
    data = EscalationModel(cfg, record_events=False).run().series.data
    table = evaluate_targets(data["cum_attacks"], data["militia_attacks"], data["us_killed"])
    assert table.holds.all(), table.to_string()
