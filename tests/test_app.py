"""The classroom app's pure functions, without a browser: controls to config, totals, the
timeline in plain words and the figures."""

from __future__ import annotations

import inspect

import numpy as np

from sim.classroom.app import (
    MODEL_PARAMS,
    ClassroomModel,
    comparison_figure,
    settings_text,
    timeline_lines,
    totals_text,
    trajectory_figure,
)
from sim.classroom.game import Game


def test_every_control_is_a_model_argument_with_the_same_default():
    signature = inspect.signature(ClassroomModel.__init__).parameters
    for name, control in MODEL_PARAMS.items():
        assert name in signature, name
        assert control["value"] == signature[name].default, name


def test_controls_map_onto_the_scenario():
    model = ClassroomModel(
        withdrawal_start=6,
        withdrawal_months=3,
        us_policy="tit_for_tat",
        noise=0.2,
        iran_restraint=0.7,
        war_intensity=0.4,
        shock=True,
        shock_day=30,
        seed=9,
        replicas=3,
    )
    cfg = model.config
    assert (cfg.withdrawal.start_month, cfg.withdrawal.duration_months) == (6, 3)
    assert cfg.us.policy.name == "tit_for_tat"
    assert (cfg.perception.noise, cfg.iran.restraint, cfg.regional_war.initial) == (0.2, 0.7, 0.4)
    assert [(s.day, s.action) for s in cfg.shocks] == [(30, "mass_casualty_attack")]
    assert (cfg.seed, model.n_replicas) == (9, 3)
    assert settings_text(model) == (
        "Scenario: withdrawal from month **6** over **3** months; US policy **tit for tat**, "
        "militia policy **hazard**; perception noise **0.2**, Iranian restraint **0.7**, "
        "regional war **0.4**; shock: mass-casualty attack on US forces on day **30**; seed 9, "
        "3 replica(s)."
    )
    assert settings_text(ClassroomModel()).startswith("Scenario: no scheduled withdrawal;")
    assert ClassroomModel().config.withdrawal.start_month is None  # the slider's -1 = never
    assert ClassroomModel().config.shocks == []


def test_totals_are_the_medians_over_replicas():
    model = ClassroomModel(replicas=5, seed=1)
    assert totals_text(model).startswith("**Day 0**")
    model.run(40)
    attacks = int(np.median(model.series.data["cum_attacks"][39]))
    text = totals_text(model)
    assert text.startswith("**Day 40** (2023-11-25)")
    assert f"militia attacks **{attacks}**" in text
    assert "US troops in Iraq **2500**" in text


def test_timeline_tells_replica_zero_in_plain_words():
    model = ClassroomModel(replicas=4, seed=1)
    model.run(30)
    lines = timeline_lines(model, last=5)
    events = model.event_log()
    mine = events[events.replica == 0].tail(5)
    assert len(lines) == len(mine) == 5
    first = mine.iloc[0]
    assert lines[0].startswith(f"Day {first.day}, {first.date:%Y-%m-%d}: ")
    assert all("_" not in line for line in lines), "rungs appear by label, not by name"


def test_figures_have_bands_a_legend_and_the_role():
    model = ClassroomModel(replicas=10)
    model.run(20)
    ax = trajectory_figure(model).axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["90% of replicas", "50% of replicas", "median"]
    assert len(ax.lines[0].get_xdata()) == 20

    game = Game({"seed": 2, "horizon_days": 14}, turn_days=7)
    game.play("none")
    game.play("limited_strike")
    ax = comparison_figure(game, replicas=10).axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["the model's US: 90% of 10 games", "model: median", "your game"]
