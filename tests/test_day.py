"""The day is defined once (sim.model.day): every path through it gives the same numbers.

The paths are a compiled stretch of days (``run``), days stepped with the decisions in Python
(``step``), a run that keeps the event log, a run in pieces, and a replay of recorded choices
through the ``human`` policy. Also: shocks override a choice before any of its side effects.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import EscalationModel
from sim.analysis.metrics import summarize
from sim.classroom.game import replay
from sim.paths import CONFIG_DIR

SMALL = {"replicas": 12, "horizon_days": 150}


def _historical() -> dict:
    config = yaml.safe_load((CONFIG_DIR / "scenario" / "historical_2023.yaml").read_text())
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
    "shocks": {
        "shocks": [
            {"day": 20, "actor": "militia", "action": "mass_casualty_attack", "killed": 3},
            {"day": 21, "actor": "us", "action": "targeted_killing"},
            {"day": 21, "actor": "iraq", "action": "mediation"},
            {"day": 60, "actor": "militia", "action": "truce"},
        ]
    },
    "one replica": {"replicas": 1},
    "Iran's orders": {
        "iran": {
            "orders": [
                {"day": 10, "days": 20, "order": "halt"},
                {"day": 40, "days": 30, "order": "back"},
                {"day": 90, "order": "restrain"},
            ]
        }
    },
}


def _stepped(config: dict, record_events: bool = False) -> EscalationModel:
    model = EscalationModel(config, record_events=record_events)
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
        ("militia", ("capability", "grievance", "truce_until", "halted", "fear")),
        ("iraq", ("grievance", "pressure", "mediation_until", "talks_on", "talks")),
        ("iran", ("restraint", "risk", "halt_on")),
    ):
        for name in names:
            np.testing.assert_array_equal(
                getattr(getattr(a, agent), name), getattr(getattr(b, agent), name), name
            )
    assert a.day == b.day and a.steps == b.steps and a.running == b.running


@pytest.mark.parametrize("case", list(CASES))
def test_compiled_stepped_and_event_logged_days_are_the_same(case):
    config = {"seed": 3, **SMALL, **CASES[case]}
    compiled = EscalationModel(config, record_events=False)
    logged = EscalationModel(config)
    assert compiled.compiled and logged.compiled  # shocks and the event log run compiled
    compiled.run()
    logged.run()
    _assert_same(compiled, _stepped(config))
    _assert_same(compiled, logged)
    stepped_log = _stepped(config, record_events=True).event_log()
    assert logged.event_log().equals(stepped_log)


def test_the_historical_scenario_is_the_same_on_every_path():
    config = {"seed": 2, **_historical()}
    _assert_same(EscalationModel(config).run(), _stepped(config))


def test_runs_in_pieces_and_steps_in_between_give_the_same_days():
    config = {"seed": 4, **SMALL}
    model = EscalationModel(config)
    model.run(days=37)
    model.step()
    model.run(days=5)
    model.run()
    _assert_same(model, _stepped(config))
    assert model.event_log().equals(EscalationModel(config).run().event_log())


@pytest.mark.parametrize("role", ["us", "iraq"])
def test_a_replay_of_the_recorded_choices_gives_the_same_days(role, tmp_path):
    """The US (or Iraq) of a compiled run, replayed through the human policy from its own
    recorded actions, gives back the run, day for day."""
    config = {"seed": 5, "replicas": 1, "horizon_days": 200}
    model = EscalationModel(config).run()
    events = model.event_log()
    own = events[(events.actor == role) & (events.action != "withdrawal_step")]
    assert len(own) > 5
    choices = tmp_path / "choices.csv"
    own.rename(columns={"rung": "level"})[["day", "level"]].to_csv(choices, index=False)
    replayed = replay(config, choices, role=role)
    assert not replayed.compiled  # a person's choices are taken in Python, day by day
    _assert_same(model, replayed)
    assert replayed.event_log().equals(events)


def test_only_python_policies_need_python_days():
    assert EscalationModel(SMALL).compiled  # the default run keeps its event log, compiled
    human = EscalationModel({**SMALL, "us": {"policy": {"name": "human"}}}, record_events=False)
    assert not human.compiled
    human.run()
    assert human.day == human.steps == SMALL["horizon_days"]
    assert human.series.data["cum_attacks"][-1].min() > 0  # the militias played on


def test_a_policy_swapped_during_a_run_decides_from_then_on():
    from sim.policies import POLICIES

    config = {"seed": 6, "replicas": 4, "horizon_days": 60, "us": {"policy": "restraint"}}
    model = EscalationModel(config).run(days=20)
    cls = POLICIES["escalate"]
    model.us.policy = cls(cls.Params(), model.n_replicas, model.us.policy.max_level)
    model.run()
    us = model.event_log().query("actor == 'us' and action != 'withdrawal_step'")
    assert us.query("day < 20").rung.max() <= 2  # restraint: threats at most
    assert us.query("day >= 20").rung.max() >= 4  # escalate answers attacks with force


def test_the_day_in_plain_python_gives_the_compiled_numbers(tmp_path):
    """With numba switched off (NUMBA_DISABLE_JIT) every kernel runs as the Python it is
    written in; the numbers must be the compiled ones."""
    script = tmp_path / "run.py"
    script.write_text(
        "import sys, numpy as np\n"
        "from sim import EscalationModel\n"
        "m = EscalationModel({'seed': 8, 'replicas': 3, 'horizon_days': 40}).run()\n"
        "np.save(sys.argv[1], m.series.arrays.levels)\n"
        "np.save(sys.argv[2], m.series.arrays.counts)\n"
    )
    levels, counts = tmp_path / "levels.npy", tmp_path / "counts.npy"
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    subprocess.run([sys.executable, script, levels, counts], env=env, check=True, timeout=300)
    model = EscalationModel({"seed": 8, "replicas": 3, "horizon_days": 40}).run()
    np.testing.assert_array_equal(np.load(levels), model.series.arrays.levels)
    np.testing.assert_array_equal(np.load(counts), model.series.arrays.counts)


@pytest.mark.parametrize("factions", [1, 2, 3, 8, 9, 17, 200])
def test_faction_means_are_numpys_to_the_last_bit(factions):
    from sim.model.outputs import faction_mean

    rng = np.random.default_rng(factions)
    x = rng.random((300, factions)) * 10.0 ** rng.integers(-3, 5, size=(300, factions))
    np.testing.assert_array_equal(faction_mean(x), np.add.reduce(x, axis=1) / factions)


def test_every_per_faction_slot_is_a_slot_and_the_first_layout_comes_first():
    from sim.actors import ACTORS
    from sim.model.world import FIRST_SLOTS, PER_FACTION, Slots, slot_layout

    assert set(Slots._fields) >= PER_FACTION
    assert Slots._fields == (*(n for n, _ in FIRST_SLOTS), *(d for a in ACTORS for d in a.draws))
    slots, width = slot_layout(3)
    assert width == 4 + 9 * 3 and slots.us_jitter == slots.mil_blame_pick + 3


# ------------------------------------------------------------------ shocks override choices


def test_each_shock_acts_as_its_actor_and_aims_where_it_says():
    """The day holds each acting actor's rungs by actor code: a shock lands on its own actor
    (and faction), in every replica, and the event log shows whom it was aimed at."""
    shocks = [
        {"day": 5, "actor": "us", "action": "targeted_killing", "faction": "Harakat al-Nujaba"},
        {"day": 5, "actor": "militia", "action": "casualty_attack", "faction": "Harakat al-Nujaba"},
        {"day": 5, "actor": "iraq", "action": "mediation"},
    ]
    model = EscalationModel({"seed": 4, "replicas": 6, "horizon_days": 10, "shocks": shocks}).run()
    day5 = model.event_log().query("day == 5")
    expected = {
        ("us", "United States", "targeted_killing", "Harakat al-Nujaba"),
        ("militia", "Harakat al-Nujaba", "casualty_attack", "United States"),
        ("iraq", "Iraqi government", "mediation", "all militia factions"),
    }
    for _, rows in day5.groupby("replica"):
        shown = set(rows[["actor", "actor_name", "action", "target_name"]].itertuples(index=False))
        assert expected <= shown


def test_a_shock_overriding_a_mediation_leaves_no_mediation_behind():
    """Seed 3: Iraq's policy mediates on day 6 (restraining the militias to day 21). A shock
    forcing a condemnation that day replaces the mediation, and with it its restraint."""
    base = {"seed": 3, "replicas": 1, "horizon_days": 30}
    chosen = EscalationModel(base).run(days=7)
    assert chosen.event_log().query("day == 6 and actor == 'iraq'").action.tolist() == ["mediation"]
    assert chosen.iraq.mediation_until.tolist() == [21]

    shocked = EscalationModel(
        {**base, "shocks": [{"day": 6, "actor": "iraq", "action": "condemn"}]}
    ).run(days=7)
    assert shocked.event_log().query("day == 6 and actor == 'iraq'").action.tolist() == ["condemn"]
    before = EscalationModel(base).run(days=6).iraq.mediation_until.tolist()
    assert shocked.iraq.mediation_until.tolist() == before != [21]


def test_a_shock_overriding_a_truce_leaves_no_truce_behind():
    """Three US deaths on day 10 (and none before: force protection absorbs every attack)
    make Iran order a halt on day 11, which every faction (compliance 1) joins with a
    truce; a shock forcing Kataib Hezbollah to attack that day replaces its truce, and with
    it the truce it would have held while the halt lasts."""
    factions = [
        {"name": name, "compliance": 1.0}
        for name in ("Kataib Hezbollah", "Harakat al-Nujaba", "Kataib Sayyid al-Shuhada")
    ]
    base = {
        "seed": 1,
        "replicas": 4,
        "horizon_days": 40,
        "militia": {"factions": factions},
        "us": {"force_protection": 1.0, "protection_effect": 1.0},
        "parameters": "point",
        "iran": {"halt_trigger": 0.6, "risk_per_us_death": 0.25},
        "shocks": [{"day": 10, "actor": "militia", "action": "mass_casualty_attack", "killed": 3}],
    }
    joined = EscalationModel(base).run(days=12)
    assert joined.iran.halt_on.tolist() == [True] * 4
    assert joined.militia.halted.tolist() == [[True, True, True]] * 4

    attack = {"day": 11, "actor": "militia", "action": "harassment_attack"}
    shocked = EscalationModel({**base, "shocks": [*base["shocks"], attack]}).run(days=12)
    day11 = shocked.event_log().query("day == 11 and actor == 'militia'")
    assert day11.groupby("actor_name").action.first().to_dict() == {
        "Kataib Hezbollah": "harassment_attack",
        "Harakat al-Nujaba": "truce",
        "Kataib Sayyid al-Shuhada": "truce",
    }
    assert shocked.militia.halted[:, 0].tolist() == [False] * 4
    assert shocked.militia.halted[:, 1:].tolist() == [[True, True]] * 4
    assert (shocked.militia.truce_until == -1).all()


def test_a_truce_a_person_chooses_is_the_days_action_only(tmp_path):
    """A truce Iran orders (or a shock forces) is kept; one a militia's policy plays (a
    person, here) binds it to nothing."""
    choices = tmp_path / "choices.csv"
    choices.write_text("day,level\n10,-1\n11,4\n")
    config = {"seed": 2, "replicas": 2, "horizon_days": 20}
    config["militia"] = {"policy": {"name": "human", "log": str(choices)}}
    model = EscalationModel(config).run()
    events = model.event_log().query("actor == 'militia'")
    assert set(events.query("day == 10").action) == {"truce"}
    assert set(events.query("day == 11").action) == {"harassment_attack"}
    assert (model.militia.truce_until == -1).all() and not model.militia.halted.any()


def test_a_forced_truce_is_kept_for_truce_days():
    shock = {"day": 5, "actor": "militia", "action": "truce", "faction": "Harakat al-Nujaba"}
    config = {"seed": 2, "replicas": 3, "horizon_days": 40, "shocks": [shock]}
    model = EscalationModel({**config, "militia": {"truce_days": 21}})
    model.run(days=6)
    assert model.militia.truce_until[:, 1].tolist() == [5 + 21] * 3


# ------------------------------------------------------------------ compiled code is never stale


def test_the_cache_stamp_changes_with_any_file_of_compiled_code(tmp_path):
    from sim.core.compiled import source_digest

    for package in ("core", "actors", "analysis"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "kernels.py").write_text("x = 1\n")
    ladder = tmp_path / "data" / "ladders" / "default.yaml"  # it sets the actors' codes
    ladder.parent.mkdir(parents=True)
    ladder.write_text("rungs: []\n")
    before = source_digest(tmp_path)
    ladder.write_text("rungs: [{name: none}]\n")
    assert source_digest(tmp_path) != before
    ladder.write_text("rungs: []\n")
    (tmp_path / "analysis" / "kernels.py").write_text("x = 2\n")  # no compiled code there
    assert source_digest(tmp_path) == before
    (tmp_path / "actors" / "kernels.py").write_text("x = 2\n")
    edited = source_digest(tmp_path)
    assert edited != before
    (tmp_path / "actors" / "kernels.py").rename(tmp_path / "actors" / "renamed.py")
    assert source_digest(tmp_path) != edited


def test_compiled_functions_of_the_package_are_stamped_with_its_source():
    from sim.actors import militia
    from sim.core.compiled import PackageSourceStamp, package_source_digest
    from sim.model import day

    for function in (day.run_days, day.end_of_day, militia.absorb):
        locator = function._cache._impl.locator
        assert isinstance(locator, PackageSourceStamp)
        assert locator.get_source_stamp() == package_source_digest()


def test_a_militia_log_by_faction_with_the_model_playing_the_others(tmp_path):
    """Rows naming a faction are that faction's (over a row for all factions); the factions
    without a row are played by the fallback, the model's own policy, with the same draws and
    random numbers: a log that gives no faction a row replays the model's militias exactly."""
    config = {"seed": 4, "replicas": 3, "horizon_days": 60}
    model = EscalationModel(config).run()
    empty = tmp_path / "empty.csv"
    empty.write_text("day,faction,level\n")
    fallback = {"name": "human", "log": str(empty), "fallback": "hazard"}
    again = EscalationModel({**config, "militia": {"policy": fallback}}).run()
    pd.testing.assert_frame_equal(again.timeseries(), model.timeseries())

    choices = tmp_path / "choices.csv"
    choices.write_text("day,faction,level\n5,,4\n5,Harakat al-Nujaba,-1\n6,Harakat al-Nujaba,4\n")
    logged = {**fallback, "log": str(choices)}
    events = EscalationModel({**config, "militia": {"policy": logged}}).run().event_log()
    day5 = events.query("day == 5 and actor == 'militia'")
    assert set(day5.query("actor_name != 'Harakat al-Nujaba'").action) == {"harassment_attack"}
    assert set(day5.query("actor_name == 'Harakat al-Nujaba'").action) == {"truce"}
    day6 = events.query("day == 6 and actor == 'militia' and actor_name == 'Harakat al-Nujaba'")
    assert set(day6.action) == {"harassment_attack"}
