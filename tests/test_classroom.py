"""The classroom game without a browser: plain-words events, the turn loop, replay."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from sim.classroom.game import Game, event_sentence, replay

LABELS = {
    "mass_casualty_attack": "mass-casualty attack on US forces",
    "casualty_attack": "attack on US forces meant to kill",
    "strike_campaign": "US strike campaign on many targets",
    "limited_strike": "US strike on militia facilities",
    "withdrawal_step": "coalition withdrawal step",
}


def row(**kw):
    base = dict(
        day=103,
        date=pd.Timestamp("2024-01-28"),
        actor="militia",
        actor_name="Kataib Hezbollah",
        target_name="United States",
        action="mass_casualty_attack",
        perceived_as="mass_casualty_attack",
        attributed_to="Kataib Hezbollah",
        killed=3,
        wounded=30,
    )
    base.update(kw)
    return SimpleNamespace(**base)


def test_event_sentences():
    assert event_sentence(row(), LABELS) == (
        "Day 103, 2024-01-28: Kataib Hezbollah: mass-casualty attack on US forces, "
        "3 US killed, 30 US wounded"
    )
    assert event_sentence(
        row(
            action="casualty_attack",
            perceived_as="mass_casualty_attack",
            attributed_to="Harakat al-Nujaba",
            killed=0,
            wounded=2,
        ),
        LABELS,
    ) == (
        "Day 103, 2024-01-28: Kataib Hezbollah: attack on US forces meant to kill, 2 US "
        "wounded (read as: mass-casualty attack on US forces; the US blamed Harakat al-Nujaba)"
    )
    assert event_sentence(
        row(
            actor="us",
            actor_name="United States",
            target_name="Harakat al-Nujaba",
            action="strike_campaign",
            perceived_as="limited_strike",
            attributed_to="",
            killed=15,
            wounded=0,
        ),
        LABELS,
    ) == (
        "Day 103, 2024-01-28: United States: US strike campaign on many targets (target: "
        "Harakat al-Nujaba), 15 militia killed (read as: US strike on militia facilities)"
    )
    assert event_sentence(
        row(
            actor="us",
            actor_name="United States",
            action="withdrawal_step",
            perceived_as="withdrawal_step",
            target_name="Iraqi government",
            attributed_to="",
            killed=0,
            wounded=0,
        ),
        LABELS,
    ) == ("Day 103, 2024-01-28: United States: coalition withdrawal step")


def test_turn_loop_and_options():
    game = Game({"seed": 4, "horizon_days": 30}, role="us", turn_days=7)
    names = [n for n, _ in game.options]
    assert names[0] == "truce" and names[-1] == "targeted_killing" and "none" in names
    assert "withdrawal_step" not in names
    with pytest.raises(ValueError, match="not open to us"):
        game.play("mass_casualty_attack")
    sentences = game.play("limited_strike")
    assert game.model.day == 7 and game.turn == 1
    assert any("United States: US strike on militia facilities" in s for s in sentences)
    before = game.totals()
    while not game.finished:
        game.play("none")
    assert game.model.day == 30 and game.turn == 5  # 7 + 7 + 7 + 7 + 2 days
    after = game.totals()
    assert all(after[k] >= before[k] for k in before) and after["strikes"] >= 1
    with pytest.raises(RuntimeError):
        game.play("none")


def test_iraq_role_and_bad_arguments():
    game = Game({"seed": 1, "horizon_days": 14}, role="iraq", turn_days=7)
    assert [n for n, _ in game.options] == ["mediation", "none", "condemn", "demand_withdrawal"]
    game.play("demand_withdrawal")
    assert game.choices_frame().action.tolist() == ["demand_withdrawal"]
    with pytest.raises(ValueError, match="role"):
        Game(role="iran")
    with pytest.raises(ValueError, match="turn_days"):
        Game(turn_days=0)


def test_a_saved_game_replays_to_the_same_trajectory(tmp_path):
    scenario = {"seed": 9, "horizon_days": 56}
    game = Game(scenario, turn_days=7)
    for action in [
        "threaten",
        "limited_strike",
        "none",
        "strike_campaign",
        "none",
        "truce",
        "none",
        "targeted_killing",
    ]:
        game.play(action)
    paths = game.save(tmp_path)
    assert pd.read_csv(paths["events"]).shape[0] == len(game.model.event_log())
    again = replay(scenario, paths["choices"])
    pd.testing.assert_frame_equal(game.model.timeseries(), again.timeseries())
    pd.testing.assert_frame_equal(game.model.event_log(), again.event_log())


def test_comparison_with_model_played_games():
    game = Game({"seed": 2, "horizon_days": 21}, turn_days=7)
    for _ in range(3):
        game.play("targeted_killing")
    student, quantiles = game.compare(replicas=20)
    assert len(student) == 21 and len(quantiles) == 21
    assert {"q05", "q50", "q95"} <= set(quantiles.columns)


def test_verdict_compares_the_student_with_the_model_play():
    # Without coercion and Iran's halt a targeted killing every week can only escalate (with
    # them it may deter: the verdict's wording is what is tested here).
    cfg = {"seed": 2, "horizon_days": 28, "militia": {"coercion": 0.0}, "iran": {"halt_trigger": 0}}
    calm = Game(cfg, turn_days=7)
    hawk = Game(cfg, turn_days=7)
    assert calm.verdict(replicas=20) == "No turn played yet."
    for _ in range(4):
        calm.play("none")
        hawk.play("targeted_killing")
    assert hawk.verdict(replicas=20).startswith("Your game was more escalatory than")
    assert "as the US" in hawk.verdict(replicas=20)
    mine = calm.model.series.data["escalation_index"][:, 0].mean()
    theirs = calm.model_play(20).series.data["escalation_index"].mean(axis=0)
    below, above = (theirs < mine).mean(), (theirs > mine).mean()
    expected = (
        f"more escalatory than {below:.0%}"
        if below >= 0.6
        else f"less escalatory than {above:.0%}"
        if above >= 0.6
        else "about as escalatory as"
    )
    assert expected in calm.verdict(replicas=20)
    assert f"{mine:.1f}" in calm.verdict(replicas=20)
    assert calm.model_play(20) is calm.model_play(20), "the model's play is run once"
