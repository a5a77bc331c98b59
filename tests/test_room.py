"""Class mode without a browser: teams, private choices, the countdown, what each team sees,
the debrief, and an exported game that replays exactly."""

from __future__ import annotations

import io
import time

import pandas as pd
import pytest

from sim.classroom.controls import checked
from sim.classroom.room import CODE_ALPHABET, LOG_FILES, Room, new_code
from sim.model.escalation import EscalationModel


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def room(**kw) -> tuple[Room, Clock]:
    clock = Clock()
    scenario = checked({"seed": kw.pop("seed", 5), "horizon_days": kw.pop("days", 28)})
    return Room(scenario, turn_days=7, turn_seconds=30, clock=clock, **kw), clock


def test_codes_are_short_unambiguous_and_unique():
    codes = {new_code() for _ in range(200)}
    assert all(len(c) == 5 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("IO01L") & set(CODE_ALPHABET)
    assert new_code(taken=codes) not in codes


def test_a_turn_resolves_when_every_team_has_chosen_or_time_is_up():
    r, clock = room()
    assert not r.tick(), "no team: nothing to play"
    r.join("laptop-1", "us")
    r.join("laptop-2", "iraq")
    r.join("laptop-3", "us")
    assert r.teams == ["us", "iraq"] and r.chosen() == {"us": False, "iraq": False}
    r.choose("laptop-1", "limited_strike")
    assert r.chosen() == {"us": True, "iraq": False} and not r.tick()
    r.choose("laptop-3", "threaten")  # a teammate changes the team's choice
    r.choose("laptop-2", "condemn")  # the last team to choose: the turn is played at once
    assert r.model.day == 7 and r.turn == 2
    assert r.chosen() == {"us": False, "iraq": False}
    clock.now = 29
    assert not r.tick()
    r.pause()
    clock.now = 100
    assert not r.tick() and r.seconds_left() == pytest.approx(1)
    r.resume()
    clock.now = 101.5
    assert r.tick() and r.model.day == 14  # time up: the model played both teams
    assert [t["action"] for t in r.turns] == [
        "threaten",
        "condemn",
        "(the model played)",
        "(the model played)",
    ]
    events = r.model.event_log()
    us = events[(events.actor == "us") & (events.day == 0)]
    assert us.action.tolist() == ["threaten"]
    with pytest.raises(ValueError, match="turn 2 has been played: choose again for turn 3"):
        r.choose("laptop-1", "none", turn=2)  # a click that arrives after its turn was played
    assert r.chosen() == {"us": False, "iraq": False}
    with pytest.raises(ValueError, match="not open"):
        r.choose("laptop-1", "mass_casualty_attack")
    with pytest.raises(ValueError, match="join a team"):
        r.choose("stranger", "none")


def test_a_laptop_that_reconnects_keeps_its_team():
    r, _ = room()
    r.join("laptop-1", "Kataib Hezbollah")
    r.join("laptop-1", "us")  # the same session joining again (a reload)
    assert r.team_of("laptop-1") == "Kataib Hezbollah"
    r.join("laptop-2", "iran")
    r.join("laptop-2", "iraq")
    assert r.team_of("laptop-2") == "iran"
    with pytest.raises(ValueError, match="no team"):
        r.join("laptop-3", "Quds Force")
    with pytest.raises(ValueError, match="no team"):
        r.join("laptop-2", "militia")  # each faction is a team of its own


def test_teams_see_what_their_actor_would_know():
    r, _ = room(seed=2)
    r.join("a", "us")
    r.choose("a", "limited_strike")
    events = r.model.event_log()
    seen = r.seen_by("us")
    assert len(seen) == len(events)
    assert "Day 0: you: US strike on militia facilities" in seen
    labels = r.model.ladder.label_of
    for line, row in zip(seen, events.itertuples(), strict=True):
        if row.actor == "militia":
            assert labels[row.perceived_as] in line  # as the US read it
            assert (row.attributed_to or row.actor_name) in line  # who the US blamed


def _replay(r: Room, files: dict[str, bytes], folder) -> EscalationModel:
    logs = {}
    for actor in r.played_actors():
        logs[actor] = folder / LOG_FILES[actor]
        logs[actor].write_bytes(files[LOG_FILES[actor]])
    return EscalationModel(r.replay_config(logs)).run()


def _same_game(again: EscalationModel, r: Room) -> None:
    pd.testing.assert_frame_equal(again.event_log(), r.model.event_log())
    pd.testing.assert_frame_equal(again.timeseries(), r.model.timeseries())


def test_the_exported_game_replays_exactly_through_the_command_lines_logs(tmp_path):
    r, clock = room(days=35)
    r.join("a", "us")
    r.join("b", "iraq")
    for turn, (us, iraq) in enumerate(
        [("limited_strike", "condemn"), ("none", None), (None, "mediation")], start=1
    ):
        if us:
            r.choose("a", us)
        if iraq:
            r.choose("b", iraq)
        if r.model.day < 7 * turn:  # a team did not choose: the turn waits for the time
            clock.now += 31
            assert r.tick()
        assert r.model.day == 7 * turn
    files = r.choices_files()
    assert set(files) == {"us_choices.csv", "iraq_choices.csv", "turns.csv", "game_events.csv"}
    again = _replay(r, files, tmp_path)
    _same_game(again, r)
    assert "us/policy=human us.policy.log=us_choices.csv" in r.replay_command()


def test_a_militia_team_that_always_chooses_replays_exactly(tmp_path):
    r, _clock = room(days=21, seed=8)
    r.join("m", "Kataib Hezbollah")
    for action in ("harassment_attack", "casualty_attack", "truce"):
        r.choose("m", action)
    again = _replay(r, r.choices_files(), tmp_path)
    _same_game(again, r)


def test_militia_factions_are_teams_and_the_model_plays_the_faction_nobody_took(tmp_path):
    r, clock = room(days=35, seed=3)
    kh, nujaba, kss = (f.name for f in r.scenario.militia.factions)
    assert list(r.team_names) == ["us", kh, nujaba, kss, "iraq", "iran"]
    r.join("a", kh)
    r.join("b", nujaba)
    r.join("c", "us")
    assert r.teams == ["us", kh, nujaba]
    assert dict(r.options(kh)) == dict(r.options(nujaba))
    plan = [  # (us, Kataib Hezbollah, Harakat al-Nujaba); None: the team misses the turn
        ("limited_strike", "casualty_attack", "harassment_attack"),
        ("none", None, "truce"),
        (None, "harassment_attack", None),
        ("threaten", "none", "harassment_attack"),
    ]
    for turn, (us, a, b) in enumerate(plan, start=1):
        for member, action in (("c", us), ("a", a), ("b", b)):
            if action:
                r.choose(member, action)
        if r.model.day < 7 * turn:
            clock.now += 31
            assert r.tick()
        assert r.model.day == 7 * turn
    events = r.model.event_log()
    first = events[(events.day == 0) & (events.actor == "militia")]
    acts = dict(zip(first.actor_name, first.action, strict=True))
    assert acts[kh] == "casualty_attack" and acts[nujaba] == "harassment_attack"
    played = r.model.militia.policy.levels
    assert all(played[d][0, 0] == 0 for d in range(1, 7)), "a chosen turn: nothing after day 0"
    assert any(played[d][0, 2] > 0 for d in range(r.model.day)), "the model plays the third"
    files = r.choices_files()
    militia = pd.read_csv(io.BytesIO(files["militia_choices.csv"]))
    assert list(militia.columns) == ["day", "faction", "level"]
    assert set(militia.faction) == {kh, nujaba} and len(militia) == 2 * r.model.day
    _same_game(_replay(r, files, tmp_path), r)
    command = r.replay_command()
    assert "militia/policy=human militia.policy.log=militia_choices.csv" in command
    assert "militia.policy.fallback=hazard" in command
    seen = r.seen_by(kh)
    assert f"Day 0: you: {r.model.ladder.label_of['casualty_attack']}" in seen
    lines = r.debrief(replicas=10)
    assert any(line.startswith(f"{kh}:") and "chose in 3 of 4 turns" in line for line in lines)
    assert any(line.startswith(f"{nujaba}:") and "chose in 3 of 4 turns" in line for line in lines)


def test_the_debrief_compares_the_class_with_the_model():
    r, _clock = room(days=21)
    r.join("a", "us")
    for _ in range(3):
        r.choose("a", "targeted_killing")
    assert r.finished
    lines = r.debrief(replicas=20)
    assert lines[0].startswith("Mean escalation index: the class")
    assert "the model's 20 games" in lines[0]
    assert "crisis" in lines[1]
    assert lines[2].startswith("United States:") and "chose in 3 of 3 turns" in lines[2]


def test_class_pages_open_a_room_join_teams_and_keep_choices_private(monkeypatch):
    import re

    import ipyvuetify as v
    import solara

    import sim.classroom.app as app
    from sim.classroom.room import Rooms

    from .test_app import page_text

    monkeypatch.setattr(app, "ROOMS", Rooms(tick=0.05))
    who = {"id": "teacher"}
    monkeypatch.setattr(app, "session_id", lambda: who["id"])
    _box, teacher = solara.render(app.Class(), handle_error=False)
    fields = {w.label: w for w in teacher.find(v.TextField).widgets}
    fields["Turns"].v_model = "100000"
    teacher.find(v.Btn, children=["Open a room"]).widget.click()
    assert "Turns: a whole number from 1 to 52" in page_text(teacher)
    fields = {w.label: w for w in teacher.find(v.TextField).widgets}
    fields["Turns"].v_model = "2"
    teacher.find(v.Btn, children=["Open a room"]).widget.click()
    code = re.search(r"Room code: <b>(\w+)</b>", page_text(teacher)).group(1)

    def student(session: str, team: str, typed: str):
        who["id"] = session
        _box, rc = solara.render(app.Class(), handle_error=False)
        fields = {w.label: w for w in rc.find(v.TextField).widgets}
        fields["Room code"].v_model = typed
        rc.find(v.Select).widget.v_model = team
        rc.find(v.Btn, children=["Join"]).widget.click()
        return rc

    wrong = student("laptop-0", "us", "../etc")
    assert "A room code is 5 letters or digits" in page_text(wrong)
    us = student("laptop-1", "us", f" {code.lower()} ")
    iraq = student("laptop-2", "iraq", code)
    assert "you play <b>United States</b>" in page_text(us)
    room = app.ROOMS.get(code)
    assert room.teams == ["us", "iraq"]
    us.find(v.Btn, children=["US strike on militia facilities"]).widget.click()
    assert "Your team chose: <b>US strike on militia facilities</b>" in page_text(us)
    assert "US strike on militia facilities" not in page_text(iraq).split("What you know")[0]
    assert room.chosen() == {"us": True, "iraq": False} and room.model.day == 0
    iraq.find(v.Btn, children=["public condemnation"]).widget.click()
    deadline = time.time() + 10
    while room.model.day < 7 and time.time() < deadline:
        time.sleep(0.05)
    assert room.model.day == 7, "the turn is played once every team has chosen"

    # a laptop that reconnects (same session) is back in its team
    who["id"] = "laptop-1"
    _box, again = solara.render(app.Class(), handle_error=False)
    assert "you play <b>United States</b>" in page_text(again)


def test_iran_is_a_team_whose_orders_hold_for_the_turn_and_the_model_plays_its_missed_turns(
    tmp_path,
):
    r, clock = room(days=35, seed=4)
    assert list(r.team_names)[-1] == "iran" and r.team_names["iran"] == "Iran"
    r.join("t", "iran")
    r.join("u", "us")
    assert [name for name, _ in r.options("iran")] == ["halt", "restrain", "back"]
    assert "truce" in r.note("iran", "halt")
    with pytest.raises(ValueError, match="not open to Iran; choose from: halt, restrain, back"):
        r.choose("t", "mass_casualty_attack")
    plan = [("halt", "limited_strike"), (None, "none"), ("back", None), ("restrain", "none")]
    projected = []  # what the projector says Iran did each turn
    for turn, (order, us) in enumerate(plan, start=1):
        for member, action in (("t", order), ("u", us)):
            if action:
                r.choose(member, action)
        if r.model.day < 7 * turn:  # a team missed the turn: the time runs out
            assert r.chosen()["iran" if order is None else "us"] is False
            clock.now += 31
            assert r.tick()
        assert r.model.day == 7 * turn
        projected.append(r.last_lines[0])
    ts = r.model.timeseries()
    halt, restraint = ts.iran_halt.to_numpy(), ts.iran_restraint.to_numpy()
    assert halt[:7].all(), "a halt ordered for the turn holds every day of it"
    first = r.model.event_log().query("day == 0 and actor == 'militia'")
    assert (first.action == "truce").any(), "the factions that heed Iran declare a truce"
    assert not halt[14:21].any() and (restraint[14:21] == 0).all(), "backing: no restraint"
    assert not halt[21:28].any() and (restraint[21:28] > 0).all()
    codes = r.model.iran.params.orders
    assert (codes[7:14] == -1).all() and (codes[28:] == -1).all(), "missed: the model's Iran"
    assert [t["action"] for t in r.turns if t["team"] == "iran"] == [
        "halt",
        "(the model played)",
        "back",
        "restrain",
    ]
    assert projected[0] == "Day 0: Iran: order every faction to halt"
    assert projected[1].startswith("Day 7: Iran (played by the model): ")
    assert projected[2:] == ["Day 14: Iran: back the campaign", "Day 21: Iran: urge restraint"]

    seen = r.seen_by("iran")
    assert seen[-1].startswith("Now: your perceived risk of a US strike on Iran is ")
    assert f"{r.model.iran.risk[0]:.2f}" in seen[-1]
    assert seen[-2].startswith("Attacks reported: Kataib Hezbollah ")
    events = r.model.event_log()
    labels = r.model.ladder.label_of
    for line, row in zip(seen, events.itertuples(), strict=False):
        assert labels[row.perceived_as] in line  # as it was read, not as it was done
    assert any("(at an Iran-linked target)" in line for line in seen), "the US strike on day 0"
    assert "halt" not in " ".join(r.seen_by("us")), "no team sees Iran's orders"

    lines = r.debrief(replicas=10)
    (iran,) = [line for line in lines if line.startswith("Iran:")]
    assert iran.startswith(
        "Iran: backed the campaign in 1, urged restraint in 1, ordered a halt in 1 of 4 turns "
        "(the model played 1)"
    )
    assert "of days, in the model's games on" in iran

    files = r.choices_files()
    orders = pd.read_csv(io.BytesIO(files["iran_orders.csv"]))
    assert orders.to_dict("records") == [
        {"day": 0, "days": 7, "order": "halt"},
        {"day": 14, "days": 7, "order": "back"},
        {"day": 21, "days": 7, "order": "restrain"},
    ]
    _same_game(_replay(r, files, tmp_path), r)
    assert "iran.orders=iran_orders.csv" in r.replay_command()


def test_the_exported_game_with_iran_replays_exactly_through_the_command_line(tmp_path):
    import shlex

    from .conftest import run_cli

    r, _clock = room(days=21, seed=6)
    r.join("t", "iran")
    r.join("m", "Harakat al-Nujaba")
    for order, attack in (("back", "casualty_attack"), ("halt", "harassment_attack")):
        r.choose("t", order)
        r.choose("m", attack)
    r.resolve()  # the instructor plays the last turn: the model plays both teams
    for name, data in r.choices_files().items():
        (tmp_path / name).write_bytes(data)
    command = shlex.split(r.replay_command())
    assert command[0] == "escalation-sim"
    proc = run_cli(*command[1:], "hydra.run.dir=run", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    again = pd.read_parquet(tmp_path / "run" / "timeseries.parquet")
    mine = r.model.timeseries()
    pd.testing.assert_frame_equal(again[mine.columns].reset_index(drop=True), mine)


def test_a_scenario_without_iran_has_no_iran_team_and_no_faction_may_be_named_iran():
    assert "iran" not in Room(checked({"iran": {"enabled": False}, "horizon_days": 14})).team_names
    with pytest.raises(ValueError, match="cannot be named 'us', 'iraq' or 'iran'"):
        Room(checked({"militia": {"factions": [{"name": "iran"}]}, "horizon_days": 14}))


def test_a_choice_refused_as_late_is_said_on_the_next_turn_only(monkeypatch):
    """A laptop whose click reaches a turn already played is told to choose again for the
    next turn; on the turns after that the word is stale and must be gone (it stayed, and
    laptops read "turn 1 has been played: choose again for turn 2" during turn 3)."""
    import ipyvuetify as v
    import solara

    import sim.classroom.app as app
    from sim.classroom.room import Rooms

    from .test_app import page_text

    rooms = Rooms(tick=0.05)
    monkeypatch.setattr(app, "ROOMS", rooms)
    monkeypatch.setattr(app, "session_id", lambda: "laptop-2")
    game = rooms.open("teacher", checked({"seed": 5, "horizon_days": 28}), 7, 600)
    for member, team in [("laptop-1", "us"), ("laptop-2", "us"), ("laptop-3", "iraq")]:
        game.join(member, team)
    _box, late = solara.render(app.Class(), handle_error=False)
    stale = late.find(v.Btn, children=["no action"]).widget  # turn 1's button
    game.choose("laptop-1", "none", turn=1)
    game.choose("laptop-3", "none", turn=1)
    assert game.turn == 2
    stale.click()
    assert "turn 1 has been played: choose again for turn 2" in page_text(late)
    assert game.chosen() == {"us": False, "iraq": False}, "a late click counts for no turn"

    game.choose("laptop-1", "none", turn=2)
    game.choose("laptop-3", "none", turn=2)
    assert game.turn == 3

    def redrawn() -> bool:  # the page's own check for a new turn runs every 0.25 s
        text = page_text(late)
        return "Turn 3 of 4" in text and "has been played" not in text

    deadline = time.time() + 10
    while not redrawn() and time.time() < deadline:
        time.sleep(0.05)
    assert redrawn(), "the refusal of turn 1 is still shown on turn 3"
    assert "Your team has not chosen yet" in page_text(late)
