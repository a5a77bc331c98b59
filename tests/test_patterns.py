"""The out-of-sample pattern check measures what it says, and the historical scenario runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import EscalationModel
from sim.analysis.patterns import RECORD, compare_with_record, first_deadly_attack_patterns

from .conftest import ROOT, run_cli


def test_patterns_around_a_forced_deadly_attack():
    model = EscalationModel(
        {
            "seed": 2,
            "replicas": 30,
            "horizon_days": 200,
            # no attack meant to kill, and force protection absorbs every attack: the forced
            # one is the first deadly one
            "us": {"force_protection": 1.0, "protection_effect": 1.0},
            "militia": {
                "policy": {"name": "hazard", "casualty_intent": 0.0, "mass_casualty_intent": 0.0}
            },
            "shocks": [
                {"day": 60, "actor": "militia", "action": "mass_casualty_attack", "killed": 3}
            ],
        }
    ).run()
    patterns = first_deadly_attack_patterns(model)
    assert len(patterns) > 0 and (patterns.day <= 60).all()
    for col in ("attacks_per_day_before", "attacks_per_day_after", "lull_days"):
        assert (patterns[col] >= 0).all()
    # Three deaths make Iran order a halt: compliant factions declare a truce within a day
    ts = model.timeseries()
    on_shock = patterns.day == 60
    assert (patterns.loc[on_shock, "days_to_truce"] <= 2).mean() > 0.5
    table = compare_with_record(patterns)
    assert list(table.pattern) == list(RECORD)
    assert table.model_median.notna().all() or table.replicas.min() == 0
    assert ts.us_killed.max() >= 3


def test_record_patterns_are_those_of_the_data():
    from sim.analysis import historical

    events = historical.key_events().set_index("date")
    tower22 = pd.Timestamp("2024-01-28")
    assert (pd.Timestamp("2024-02-02") - tower22).days == RECORD["days_to_major_strike"]
    assert (pd.Timestamp("2024-02-07") - tower22).days == RECORD["days_to_targeted_killing"]
    assert (pd.Timestamp("2024-01-30") - tower22).days == RECORD["days_to_truce"]
    assert events.loc[pd.Timestamp("2024-04-22")].action == "harassment_attack"
    assert np.isclose(RECORD["attacks_per_day_before"], (140 - 102) / 28)


@pytest.mark.slow
def test_historical_scenario_from_the_command_line(tmp_path):
    out = tmp_path / "hist"
    proc = run_cli("scenario=historical_2023", "replicas=20", f"hydra.run.dir={out}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    cfg = yaml.safe_load((out / "scenario.yaml").read_text())
    assert cfg["start_date"] == "2023-10-17" and cfg["output"]["compare_record"] is True
    scenario = yaml.safe_load((ROOT / "configs" / "scenario" / "historical_2023.yaml").read_text())
    assert cfg["horizon_days"] == scenario["horizon_days"] == 320  # to 31 Aug 2024
    assert cfg["regional_war"]["schedule"] == "record" and cfg["parameters"] == "posterior"
    assert (out / "trajectory.png").stat().st_size > 50_000
