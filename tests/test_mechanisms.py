"""The de-escalation mechanisms of docs/ODD.md 7.x, each on its own and switched off.

Each test forces the actions that should set a mechanism off (shocks) in an otherwise quiet
world, so what it checks is the mechanism, not the calibration.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import EscalationModel
from sim.config.schema import RegionalWarConfig
from sim.config.validation import validate
from sim.core.params import ConfigError
from sim.model.regional_war import war_intensity

QUIET_MILITIA = {"policy": {"name": "hazard", "base_rate": 0.0}}
"""Militias that never attack by themselves: only shocks act."""

RESTRAINED = {"policy": {"name": "restraint"}}
"""A US that threatens at most: only shocks use force."""

IRAN = {"halt_trigger": 0.6, "risk_half_life_days": 30.0, "risk_per_us_death": 0.25}
"""Iran's halt at stated values: three deaths (0.75) trigger it, one (0.25) does not."""


def _model(days: int = 60, replicas: int = 8, **config) -> EscalationModel:
    base = {
        "seed": 4,
        "replicas": replicas,
        "horizon_days": days,
        "parameters": "point",
        "militia": QUIET_MILITIA,
        "iran": IRAN,
    }
    return EscalationModel({**base, **config})


def _attack(day: int, killed: int, faction: str = "Kataib Hezbollah") -> dict:
    action = "mass_casualty_attack" if killed >= 3 else "casualty_attack"
    return {"day": day, "actor": "militia", "action": action, "killed": killed, "faction": faction}


def _us(day: int, action: str, faction: str = "Kataib Hezbollah") -> dict:
    return {"day": day, "actor": "us", "action": action, "faction": faction}


# ------------------------------------------------------------------ Iran's halt


def test_a_mass_casualty_attack_makes_iran_halt_all_factions_a_single_death_does_not():
    single = _model(shocks=[_attack(5, 1)]).run(days=8)
    assert not single.iran.halt_on.any() and not single.militia.halted.any()
    mass = _model(shocks=[_attack(5, 3)]).run(days=8)
    assert mass.iran.halt_on.all()
    # one shared draw: a faction that joined implies every faction Iran holds more tightly
    halted = mass.militia.halted
    compliance = [f.compliance for f in mass.config.militia.factions]
    order = np.argsort(compliance)[::-1]  # most compliant first
    assert (np.diff(halted[:, order].astype(int), axis=1) <= 0).all()
    assert halted[:, order[0]].any()


def test_the_halt_ends_when_the_risk_has_receded_and_can_be_switched_off():
    model = _model(days=200, shocks=[_attack(5, 3)], iran={**IRAN, "risk_half_life_days": 10.0})
    halt = model.run().series.data["iran_halt"]
    on = halt.any(axis=1)
    first, last = np.flatnonzero(on)[[0, -1]]
    assert first == 6 and 6 < last < 60  # 0.75 -> below 0.3 after ~13 days of decay
    assert not model.militia.halted.any()
    off = _model(shocks=[_attack(5, 3)], iran={**IRAN, "halt_trigger": 0.0}).run()
    assert not off.series.data["iran_halt"].any() and not off.militia.halted.any()


def test_irans_orders_replace_its_decision_on_their_days_and_then_it_decides_again():
    """A halt ordered with no risk at all (the trigger even off) halts on its days and ends
    the day after, when the model's Iran sees no risk; backing lifts a halt the risk started,
    signals no restraint and resupplies faster; restraint is the baseline."""
    orders = [
        {"day": 3, "days": 5, "order": "halt"},
        {"day": 20, "days": 10, "order": "back"},
        {"day": 40, "days": 5, "order": "restrain"},
    ]
    iran = {**IRAN, "halt_trigger": 0.0, "orders": orders}
    model = _model(shocks=[_attack(1, 2)], iran=iran).run()
    data = model.series.data
    halt, restraint = data["iran_halt"], data["iran_restraint"]
    assert halt[3:8].all() and not halt[:3].any() and not halt[8:].any()
    assert (restraint[3:8] == 0.95).all()
    baseline = restraint[0, 0]
    assert baseline > 0 and (restraint[20:30] == 0).all() and (restraint[40:45] == baseline).all()
    started = model.event_log().query("day == 3 and actor == 'militia'").action
    assert (started == "truce").any() and started.isin(["truce", "threaten"]).all()
    back = {"day": 10, "days": 3, "order": "back"}
    risen = _model(shocks=[_attack(5, 3)], iran={**IRAN, "orders": [back]}).run()
    halted = risen.series.data["iran_halt"]
    assert halted[6:10].all() and not halted[10:13].any(), "backing lifts the risk's halt"
    assert halted[13].all(), "then the model's Iran, its risk still above the trigger, halts"
    risen = _model(shocks=[_attack(5, 3)], iran={**IRAN, "orders": orders[1:2]}).run()
    alone = _model(shocks=[_attack(5, 3)]).run()
    restored = risen.militia.capability[:, 0] - alone.militia.capability[:, 0]
    assert (restored >= 0).all() and (restored > 0).any(), "backing resupplies faster"


def test_us_strikes_at_iran_linked_targets_raise_irans_risk_and_can_make_it_halt():
    """The US-Iran channel: no US death, three strike campaigns."""
    campaigns = [_us(d, "strike_campaign") for d in (5, 6, 7)]
    model = _model(days=12, shocks=campaigns).run()
    risk = model.series.data["iran_risk"]
    assert (risk[5] > risk[4]).all() and model.iran.halt_on.all()
    threats = _model(days=12, shocks=[_us(d, "threaten") for d in (5, 6, 7)]).run()
    assert (threats.series.data["iran_risk"] == 0).all()


# ------------------------------------------------------------------ coercion


def test_a_strong_response_instils_more_fear_than_a_weak_one():
    strong = _model(days=10, shocks=[_us(5, "strike_campaign")]).run()
    weak = _model(days=10, shocks=[_us(5, "limited_strike")]).run()
    assert (strong.militia.fear[:, 0] > 4 * weak.militia.fear[:, 0]).all()
    # the faction struck fears most; the others feel the spillover
    assert (strong.militia.fear[:, 0] > strong.militia.fear[:, 1]).all()
    assert (strong.militia.fear[:, 1] > 0).all()


def test_fear_holds_attacks_down_and_the_switch_removes_it():
    config = {
        "replicas": 200,
        "days": 90,
        "militia": {"policy": {"name": "hazard"}},
        "iran": {"halt_trigger": 0.0},
        "shocks": [_us(10, "strike_campaign", f) for f in ("Kataib Hezbollah",)],
    }

    def attacks(coercion: float) -> float:
        cfg = {**config, "militia": {**config["militia"], "coercion": coercion}}
        model = _model(**cfg).run()
        return float(model.series.data["militia_attacks"][12:60].sum())

    assert attacks(1.0) < 0.9 * attacks(0.0)


def test_hostility_keeps_all_the_harm_the_us_did_while_grievance_fades():
    strikes = [_us(5, "limited_strike"), _us(10, "strike_campaign"), _us(15, "targeted_killing")]
    model = _model(days=120, shocks=strikes).run()
    ladder = model.ladder
    revenge = model.config.militia.revenge
    gained = sum(ladder.grievance[ladder.rung_id(s["action"])] for s in strikes) + revenge
    assert np.allclose(model.militia.hostility[:, 0], gained)  # never decays
    assert (model.militia.hostility[:, 1:] == 0).all()  # only the faction struck
    assert (model.militia.grievance[:, 0] < 0.5 * gained).all()  # grievance has faded
    series = model.series.data["militia_hostility"]
    assert (np.diff(series, axis=0) >= 0).all() and np.allclose(series[-1], gained / 3)


def test_the_campaign_turns_deadly_as_the_us_strikes_it_and_the_switch_removes_it():
    """With lethal_escalation the factions' shares of attacks meant to kill grow by
    exp(lethal_escalation x hostility), up to lethal_ceiling; without a US strike there is
    nothing to grow on (a US that never uses force by itself: only the shocks strike)."""
    policy = {"name": "hazard", "base_rate": 30.0, "casualty_intent": 0.01}
    strikes = [_us(2, "strike_campaign", f) for f in ("Kataib Hezbollah", "Harakat al-Nujaba")]
    no_halt = {**IRAN, "halt_trigger": 5.0}

    def lethal_attacks(escalation: float, shocks: list, ceiling: float = 5.0) -> int:
        militia = {"policy": {**policy, "lethal_escalation": escalation, "lethal_ceiling": ceiling}}
        model = _model(
            days=40, replicas=400, militia=militia, shocks=shocks, iran=no_halt, us=RESTRAINED
        )
        events = model.run().event_log()
        meant_to_kill = events.action.isin(["casualty_attack", "mass_casualty_attack"])
        return int((meant_to_kill & (events.actor == "militia")).sum())

    assert lethal_attacks(3.0, strikes) > 1.5 * lethal_attacks(0.0, strikes)
    assert lethal_attacks(3.0, []) == lethal_attacks(0.0, [])
    # the ceiling bounds the growth: a ceiling of 1 is no growth at all, draw for draw
    assert lethal_attacks(20.0, strikes, ceiling=1.0) == lethal_attacks(0.0, strikes)
    capped = lethal_attacks(20.0, strikes, ceiling=2.0)
    assert lethal_attacks(0.0, strikes) < capped < lethal_attacks(20.0, strikes, ceiling=1000.0)


# ------------------------------------------------------------------ the Iraqi political track


def test_a_demand_opens_talks_that_progress_and_hold_attacks_down():
    demand = {"day": 3, "actor": "iraq", "action": "demand_withdrawal"}
    config = {
        "replicas": 200,
        "days": 150,
        "militia": {"policy": {"name": "hazard"}},
        "iraq": {"policy": {"name": "passive"}},
        "iran": {"halt_trigger": 0.0},
        "shocks": [demand],
    }
    model = _model(**config).run()
    talks = model.series.data["iraq_talks"]
    assert (talks[:3] == 0).all() and (talks[-1] > talks[40]).all() and (talks[40] > 0).all()

    def attacks(offramp: float) -> float:
        m = _model(**{**config, "iraq": {"policy": {"name": "passive"}, "offramp": offramp}})
        return float(m.run().series.data["militia_attacks"][60:].sum())

    assert attacks(1.0) < 0.9 * attacks(0.0)
    off = _model(**{**config, "iraq": {"policy": {"name": "passive"}, "talks_rate": 0.0}})
    assert not off.run().series.data["iraq_talks"].any()


def test_a_breach_of_sovereignty_breaks_the_talks_and_raises_grievance():
    demand = {"day": 3, "actor": "iraq", "action": "demand_withdrawal"}
    kill = _us(20, "targeted_killing")
    iraq = {"policy": {"name": "passive"}, "breakdown_breach": 0.25}
    broken = _model(days=22, shocks=[demand, kill], iraq=iraq).run()
    kept = _model(days=22, shocks=[demand, kill], iraq={**iraq, "breakdown_breach": 5.0}).run()
    assert not broken.iraq.talks_on.any() and (broken.iraq.talks == 0).all()
    assert kept.iraq.talks_on.all() and (kept.iraq.talks > 0).all()
    # the factions not struck gain the breakdown's grievance
    assert (broken.militia.grievance[:, 1] > kept.militia.grievance[:, 1]).all()


# ------------------------------------------------------------------ the regional war's schedule


def test_a_dated_schedule_steps_at_its_dates_and_holds_beyond_its_ends():
    cfg = RegionalWarConfig(
        schedule=[
            {"date": "2023-10-07", "intensity": 1.0},
            {"date": "2023-11-24", "intensity": 0.4},
        ]
    )
    war = war_intensity(cfg, "2023-10-17", 60)
    assert war[0] == 1.0 and war[37] == 1.0 and war[38] == 0.4 and war[-1] == 0.4
    record = war_intensity(RegionalWarConfig(schedule="record"), "2023-10-17", 400)
    # sim/data/regional_war.csv: the air campaign, the ground operation from 27 Oct 2023
    # (day 10), the Gaza truce of 24 Nov 2023 (day 38)
    assert record[9] == 0.8 and record[10] == 1.0 and record[38] == 0.4
    assert len(np.unique(record)) > 5


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        (
            [{"date": "2024-01-01", "intensity": 1.0}, {"date": "2023-12-01", "intensity": 0.5}],
            "regional_war.schedule[1].date: dates must be in ascending order",
        ),
        ([{"date": "2030-01-01", "intensity": 1.0}], "the schedule starts after the horizon"),
        ([{"date": "2024-01-01", "intensity": 1.5}], "regional_war.schedule[0].intensity"),
        ([{"date": "soon", "intensity": 0.5}], "regional_war.schedule[0].date"),
        ("recorded", "regional_war.schedule: must be 'record'"),
    ],
)
def test_a_bad_schedule_is_one_line_naming_it(schedule, message):
    with pytest.raises(ConfigError, match=None) as err:
        validate({"horizon_days": 100, "regional_war": {"schedule": schedule}})
    assert message in str(err.value) and "\n" not in str(err.value)


# ------------------------------------------------------------------ false alarms


def test_false_alarms_can_break_peace_and_are_off_by_default():
    def strikes(false_alarm: float) -> int:
        config = {
            "us": {"policy": {"name": "tit_for_tat"}},
            "militia": {"policy": {"name": "tit_for_tat"}},
            "perception": {"false_alarm": false_alarm},
        }
        return int(_model(days=60, **config).run().series.data["us_strikes"].sum())

    assert strikes(0.0) == 0  # peace is absorbing without false alarms
    assert strikes(0.05) > 0


# ------------------------------------------------------------------ start dates


def test_a_run_can_start_from_the_september_2024_agreement_with_its_stated_state():
    model = _model(days=30, start_date="2024-09-27")
    assert model.iraq.talks_on.all() and (model.iraq.talks == 1.0).all()
    assert (model.militia.fear == 0.1).all() and (model.iran.risk == 0.0).all()
    model.run()
    assert model.series.data["regional_war"][0, 0] == 0.95  # Nasrallah killed, 27 Sep 2024
    fresh = _model(days=5)
    assert not fresh.iraq.talks_on.any() and (fresh.militia.fear == 0).all()


def test_a_start_date_without_a_stated_state_is_one_line_naming_the_dates():
    with pytest.raises(ConfigError) as err:
        validate({"start_date": "2024-01-01"})
    message = str(err.value)
    assert message.startswith("start_date: no initial state is defined for 2024-01-01")
    assert "2023-10-17, 2024-09-27" in message and "\n" not in message
