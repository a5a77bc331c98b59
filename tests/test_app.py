"""The classroom app without a browser: controls to scenario, the incremental Explore run (the
same numbers and events as computed from scratch), the chart, the words, and the pages
rendered in Python (solara.render) and driven as a browser would drive them."""

from __future__ import annotations

import html as html_module

import ipyvuetify as v
import numpy as np
import pytest
import solara
import solara.widgets

from sim.analysis.metrics import QUANTILES
from sim.classroom.app import Explore, Play
from sim.classroom.controls import EXPLORE, PLAY, explore_scenario, parse_all
from sim.classroom.explore import ExploreRun, totals_text
from sim.classroom.game import Game, event_sentence
from sim.classroom.words import RUNG_NOTES, index_words, rung_note
from sim.model.escalation import EscalationModel


def page_text(rc) -> str:
    """Every piece of text the page shows (our HTML elements and Vuetify texts)."""
    html = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
    texts = [str(c) for w in rc.find(v.Html).widgets for c in w.children if isinstance(c, str)]
    return html_module.unescape(" | ".join(html + texts))


def test_controls_map_onto_the_scenario():
    cfg = explore_scenario(
        {
            "withdrawal_start": 6,
            "withdrawal_months": 3,
            "us_policy": "tit_for_tat",
            "noise": 0.2,
            "iran_restraint": 0.7,
            "war_intensity": 0.4,
            "shock": True,
            "shock_day": 30,
            "seed": "9",  # a text field sends text
            "replicas": 3,
        }
    )
    assert (cfg.withdrawal.start_month, cfg.withdrawal.duration_months) == (6, 3)
    assert cfg.us.policy.name == "tit_for_tat"
    assert (cfg.perception.noise, cfg.iran.restraint, cfg.regional_war.initial) == (0.2, 0.7, 0.4)
    assert [(s.day, s.action) for s in cfg.shocks] == [(30, "mass_casualty_attack")]
    assert (cfg.seed, cfg.replicas, cfg.horizon_days) == (9, 3, 365)
    default = explore_scenario({})
    assert default.withdrawal.start_month is None and default.shocks == []


def test_every_control_shows_its_value_in_words():
    for controls in (EXPLORE, PLAY):
        values = parse_all(controls, {})
        for c in controls:
            words = c.words(values[c.name])
            assert words and "_" not in words.split(":")[0], (c.name, words)
    worded = {c.name: c for c in EXPLORE}
    assert worded["withdrawal_start"].words(-1).startswith("never")
    assert worded["withdrawal_start"].words(6) == "at month 6 (April 2024)"
    assert worded["shock_day"].words(100) == "day 100 (25 Jan 2024)"
    assert worded["noise"].words(0.05) == "5% of actions misread one rung up or down"
    assert worded["us_policy"].words("tit_for_tat").startswith("tit for tat: Answer in kind")


def test_the_run_is_the_same_incrementally_as_from_scratch():
    scenario = explore_scenario({"replicas": 7, "seed": 3})
    run = ExploreRun(scenario, feed_length=10)
    for days in (1, 5, 30, 1, 60):
        assert run.advance(days) == days
    whole = EscalationModel(scenario).run(97)
    index = whole.series.data["escalation_index"][:97]
    np.testing.assert_allclose(run.quantiles[:97], np.quantile(index, QUANTILES, axis=1).T)
    events = whole.event_log()
    mine = events[events.replica == 0].tail(10)
    labels = whole.ladder.label_of
    expected = [event_sentence(r, labels) for r in mine.itertuples()]
    assert [line.split(" — ")[0] for line in run.feed] == expected
    assert all(" — " in line for line in run.feed), "every event has its one-line note"
    while not run.finished:
        run.advance(100)
    assert run.day == 365 and run.advance(10) == 0


def test_chart_has_dates_bands_and_a_line_per_day():
    run = ExploreRun(explore_scenario({"replicas": 10}))
    run.advance(20)
    option = run.chart_option()
    assert option["xAxis"]["data"][0] == "2023-10-17" and len(option["xAxis"]["data"]) == 365
    names = [s.get("name") for s in option["series"] if s.get("name")]
    assert names == ["90% of 10 worlds", "50% of 10 worlds", "median"]
    assert all(len(s["data"]) == 20 for s in option["series"])
    one = ExploreRun(explore_scenario({"replicas": 1}))
    one.advance(5)
    assert [s["name"] for s in one.chart_option()["series"]] == ["escalation index"]


def test_totals_read_naturally_for_one_game_and_for_many_worlds():
    run = ExploreRun(explore_scenario({"replicas": 5, "seed": 1}))
    assert totals_text(run.model).startswith("**Day 0**")
    run.advance(40)
    attacks = int(np.median(run.model.series.data["cum_attacks"][39]))
    text = totals_text(run.model)
    assert text.startswith("**Day 40** (25 Nov 2023) — median of 5 simulated worlds")
    assert f"militia attacks **{attacks}**" in text
    game = Game({"seed": 2, "horizon_days": 14}, turn_days=7)
    game.play("none")
    text = totals_text(game.model)
    assert "so far in this game" in text and "replica" not in text and "median" not in text


def test_every_rung_has_a_note_and_the_index_is_explained():
    ladder = EscalationModel({"replicas": 1, "horizon_days": 1}).ladder
    rungs = list(ladder.names)
    assert set(rungs) == set(RUNG_NOTES)
    assert rung_note("no_such_rung") == ""
    assert index_words(0.2, ladder).startswith("quiet")
    assert "level 4 of 6" in index_words(6.8, ladder) and "crisis" in index_words(6.8, ladder)
    assert "drone/rocket attack on a US base" in index_words(6.8, ladder)


def test_explore_page_applies_a_control_at_once_and_says_so():
    _box, rc = solara.render(Explore(), handle_error=False)
    assert "Day 0" in page_text(rc)
    rc.find(v.Btn, children=["Step (1 day)"]).widget.click()
    assert "Day 1" in page_text(rc)
    sliders = rc.find(v.Slider).widgets
    replicas = sliders[-1]
    assert replicas.v_model == 20
    replicas.v_model = 25
    text = page_text(rc)
    assert "Simulated worlds changed: the run restarted from day 0." in text
    assert "Day 0" in text and "25 worlds" in text
    rc.find(v.Btn, children=["Step (1 day)"]).widget.click()
    assert "median of 25 simulated worlds" in page_text(rc)
    assert not rc.find(v.Btn, children=["Play Interval"]).widgets  # no developer controls


def test_play_page_offers_plain_choices_and_puts_the_verdict_first():
    _box, rc = solara.render(Play(), handle_error=False)
    fields = {w.label: w for w in rc.find(v.TextField).widgets}
    fields["Turns"].v_model = "2"
    rc.find(v.Btn, children=["New game"]).widget.click()
    labels = [b.children[0] for b in rc.find(v.Btn).widgets if b.children]
    assert "US strike on militia facilities" in labels and "limited_strike" not in labels
    assert rung_note("limited_strike") in page_text(rc)
    rc.find(v.Btn, children=["US strike on militia facilities"]).widget.click()
    assert "you chose: US strike on militia facilities" in page_text(rc)
    rc.find(v.Btn, children=["no action"]).widget.click()
    text = page_text(rc)
    assert text.index("Game over") < text.index("Your game was") < text.index("Day 14")
    assert "replica" not in text


@pytest.mark.parametrize("role", ["us", "iraq"])
def test_choices_are_the_games_options(role):
    game = Game({"seed": 1, "horizon_days": 7}, role=role)
    assert all(rung_note(name) for name, _ in game.options)
