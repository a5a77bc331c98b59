"""The compiled run of days (sim.model.engine) gives the same numbers as stepping day by day."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from sim import EscalationModel
from sim.analysis.metrics import summarize
from sim.model import engine
from sim.paths import CONFIG_DIR

SMALL = {"replicas": 12, "horizon_days": 150}


def _historical() -> dict:
    config = yaml.safe_load((CONFIG_DIR / "scenario" / "historical_2023.yaml").read_text())
    config.pop("defaults", None)
    return {**config, **SMALL}


CASES = {
    "default": {},
    "tit_for_tat, withdrawal": {
        "us": {"policy": {"name": "tit_for_tat"}},
        "withdrawal": {"start_month": 1, "duration_months": 2},
    },
    "endogenous withdrawal": {
        "withdrawal": {"endogenous": True, "pressure_threshold": 0.3},
        "iraq": {"isis_threat": 0.2},
    },
    "grim trigger, noisy": {
        "us": {"policy": {"name": "grim_trigger"}},
        "militia": {"policy": {"name": "tit_for_tat"}},
        "perception": {"noise": 0.2, "misattribution": 0.3},
    },
    "generous, passive Iraq": {
        "us": {"policy": {"name": "generous_tit_for_tat", "generosity": 0.3}},
        "militia": {"policy": {"name": "generous_tit_for_tat"}},
        "iraq": {"policy": {"name": "passive"}},
    },
    "escalate, no Iran": {
        "us": {"policy": {"name": "escalate"}},
        "militia": {"policy": {"name": "red_line"}},
        "iran": {"enabled": False},
    },
    "red line against proportional": {
        "us": {"policy": {"name": "red_line"}},
        "militia": {"policy": {"name": "proportional"}},
    },
    "restraint against escalation": {
        "us": {"policy": {"name": "restraint"}},
        "militia": {"policy": {"name": "escalate"}},
        "withdrawal": {"start_month": 0},
    },
    "militias' restraint and grim trigger": {
        "militia": {"policy": {"name": "restraint"}},
        "us": {"policy": {"name": "grim_trigger", "trigger_level": 5}},
    },
    "one replica": {"replicas": 1},
}


def _stepped(config: dict) -> EscalationModel:
    model = EscalationModel(config, record_events=False)
    while model.running:
        model.step()
    return model


def _assert_same(a: EscalationModel, b: EscalationModel) -> None:
    for name, values in a.series.data.items():
        np.testing.assert_array_equal(values, b.series.data[name], err_msg=name)
    np.testing.assert_array_equal(a.first_day, b.first_day)
    assert summarize(a).equals(summarize(b))
    for agent, names in (
        ("us", ("troops", "pressure", "protection", "deterrence", "target")),
        ("militia", ("capability", "grievance", "truce_until", "disrupted_until")),
        ("iraq", ("grievance", "pressure", "mediation_until")),
        ("iran", ("restraint", "pause_until")),
    ):
        for name in names:
            np.testing.assert_array_equal(
                getattr(getattr(a, agent), name), getattr(getattr(b, agent), name), name
            )
    assert a.day == b.day and a.steps == b.steps and a.running == b.running


@pytest.mark.parametrize("case", list(CASES))
def test_compiled_days_equal_stepped_days(case):
    config = {"seed": 3, **SMALL, **CASES[case]}
    compiled = EscalationModel(config, record_events=False)
    assert engine.can_run(compiled)
    _assert_same(compiled.run(), _stepped(config))


def test_shock_days_are_stepped_and_the_rest_compiled():
    shocks = [
        {"day": 20, "actor": "militia", "action": "mass_casualty_attack", "killed": 3},
        {"day": 21, "actor": "us", "action": "targeted_killing"},
        {"day": 21, "actor": "iraq", "action": "mediation"},
        {"day": 60, "actor": "militia", "action": "truce"},
    ]
    for config in ({"seed": 1, **SMALL, "shocks": shocks}, {"seed": 2, **_historical()}):
        _assert_same(EscalationModel(config, record_events=False).run(), _stepped(config))


def test_runs_in_pieces_and_steps_in_between_give_the_same_days():
    config = {"seed": 4, **SMALL}
    model = EscalationModel(config, record_events=False)
    model.run(days=37)
    model.step()
    model.run(days=5)
    model.run()
    _assert_same(model, _stepped(config))


def test_what_needs_python_runs_day_by_day():
    assert not engine.can_run(EscalationModel(SMALL))  # the event log is kept in Python
    human = EscalationModel({**SMALL, "us": {"policy": {"name": "human"}}}, record_events=False)
    assert not engine.can_run(human)  # a person's choices
    human.run()
    assert human.day == SMALL["horizon_days"]
