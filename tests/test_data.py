"""The shipped record loads, carries a source on every row, and agrees with itself."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.analysis import historical
from sim.core.ladder import default_ladder_config


@pytest.mark.parametrize(
    "loader", [historical.attack_counts, historical.key_events, historical.troop_levels]
)
def test_every_row_is_sourced(loader):
    df = loader()
    assert len(df) > 0
    assert df["source"].str.len().gt(3).all()
    assert df["url"].str.startswith("http").all()
    assert df["date"].dt.year.between(2023, 2024).all()


def test_attack_counts_are_cumulative_and_add_up():
    df = historical.attack_counts().sort_values("date")
    assert df["cumulative_attacks"].is_monotonic_increasing
    split = df.dropna(subset=["attacks_iraq", "attacks_syria"])
    assert (split.attacks_iraq + split.attacks_syria == split.cumulative_attacks).all()
    # the orientation figures of the issue: ~23 by 30 Oct, 55 by 14 Nov, ~170 by early Feb
    by_date = df.set_index("date").cumulative_attacks
    assert by_date[pd.Timestamp("2023-10-30")] == 23
    assert by_date[pd.Timestamp("2023-11-14")] == 55
    assert by_date.iloc[-1] == 170


def test_key_events_use_ladder_rungs():
    rungs = {r.name: set(r.actors) for r in default_ladder_config().rungs}
    events = historical.key_events()
    for row in events.itertuples():
        assert row.action in rungs, row.action
        assert row.actor in rungs[row.action], (row.actor, row.action)
    by_date = events.set_index("date")
    tower22 = by_date.loc[pd.Timestamp("2024-01-28")]
    assert tower22.action == "mass_casualty_attack" and tower22.us_killed == 3
    assert by_date.loc[pd.Timestamp("2024-01-30")].action == "truce"
    assert by_date.loc[pd.Timestamp("2024-02-02")].action == "strike_campaign"
    assert by_date.loc[pd.Timestamp("2024-02-07")].action == "targeted_killing"


def test_troop_levels_match_the_model_defaults():
    from sim.config.schema import ScenarioConfig

    troops = historical.troop_levels()
    troops = troops[troops.date == pd.Timestamp("2023-10-26")].set_index("country")
    cfg = ScenarioConfig()
    assert troops.loc["Iraq", "us_troops"] == cfg.us.troops_iraq
    assert troops.loc["Syria", "us_troops"] == cfg.us.troops_syria
