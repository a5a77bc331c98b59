"""Property tests: whatever the scenario, the model's state stays physically meaningful."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import EscalationModel
from sim.policies import policies_for

scenarios = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**32),
        "replicas": st.integers(1, 6),
        "horizon_days": st.integers(1, 150),
        "us": st.fixed_dictionaries(
            {
                "policy": st.sampled_from(policies_for("us")),
                "troops_iraq": st.integers(0, 5000),
                "reaction_lag_days": st.integers(1, 7),
                "casualty_sensitivity": st.floats(0, 1),
            }
        ),
        "militia": st.fixed_dictionaries(
            {"policy": st.sampled_from(policies_for("militia")), "grievance": st.floats(0, 1)}
        ),
        "iraq": st.fixed_dictionaries(
            {"policy": st.sampled_from(policies_for("iraq")), "isis_threat": st.floats(0, 1)}
        ),
        "iran": st.fixed_dictionaries(
            {
                "enabled": st.booleans(),
                "restraint": st.floats(0, 1),
                "halt_trigger": st.floats(0, 2),
                "risk_half_life_days": st.floats(1, 90),
            }
        ),
        "perception": st.fixed_dictionaries(
            {
                "noise": st.floats(0, 1),
                "false_alarm": st.floats(0, 1),
                "misattribution": st.floats(0, 1),
            }
        ),
        "withdrawal": st.fixed_dictionaries(
            {
                "start_month": st.one_of(st.none(), st.floats(0, 6)),
                "duration_months": st.floats(0, 6),
                "residual_troops": st.integers(0, 0),
                "endogenous": st.booleans(),
                "pressure_threshold": st.floats(0, 1),
            }
        ),
        "shocks": st.lists(
            st.fixed_dictionaries(
                {
                    "day": st.integers(0, 0),
                    "actor": st.just("militia"),
                    "action": st.sampled_from(["mass_casualty_attack", "harassment_attack"]),
                }
            ),
            max_size=1,
        ),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios)
def test_state_stays_in_range(scenario):
    model = EscalationModel(scenario).run()
    ts = model.timeseries()
    assert len(ts) == scenario["replicas"] * scenario["horizon_days"]
    assert ts.us_troops.between(0, scenario["us"]["troops_iraq"]).all()
    assert ts.escalation_index.between(0, 10).all()
    for col in (
        "us_pressure",
        "us_deterrence",
        "us_force_protection",
        "iraq_grievance",
        "iraq_pressure",
        "militia_capability",
        "militia_grievance",
        "iran_restraint",
        "regional_war",
    ):
        assert ts[col].between(0, 1).all(), col
    for col in ("militia_attacks", "us_strikes", "us_killed", "us_wounded", "militia_killed"):
        assert (ts[col] >= 0).all(), col
    by_replica = ts.groupby("replica")
    for col in (
        "cum_attacks",
        "cum_strikes",
        "cum_us_killed",
        "cum_us_wounded",
        "cum_militia_killed",
    ):
        assert (by_replica[col].diff().fillna(0) >= 0).all(), col
        daily = col.replace("cum_", "").replace("attacks", "militia_attacks")
        daily = {"strikes": "us_strikes"}.get(daily, daily)
        np.testing.assert_array_equal(by_replica[daily].cumsum(), ts[col])
    # troops only ever fall
    assert (by_replica.us_troops.diff().fillna(0) <= 0).all()

    events = model.event_log()
    ladder = model.ladder
    assert events.rung.between(ladder.min_level, ladder.max_level).all()
    owners = {r.name: set(r.actors) for r in model.config.ladder.rungs}
    assert all(a in owners[n] for a, n in zip(events.actor, events.action, strict=True))
    assert set(events.perceived_as) <= set(ladder.names)
    assert (events[["killed", "wounded"]] >= 0).all().all()
    assert (events.action != "none").all()
