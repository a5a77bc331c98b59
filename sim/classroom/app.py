"""The classroom web app (Solara): explore what-ifs on a projector, or play the crisis.

Run: ``escalation-sim-app`` (or ``make app``), which starts Solara with settings safe for a
school network (:mod:`sim.classroom.server`). Two pages:

- **Explore**: controls for the levers a class discusses, each showing its value in words; a
  change restarts the run from day 0 at once; step or play; the escalation index by date
  (bands when several worlds are simulated), running totals, and the events of one world in
  plain words with a line on what each act means.
- **Play**: the student is the US (or the Iraqi government); each turn they read what
  happened and choose a response; at the end they see the verdict first, then their game
  against the model's own play from the same start, and can download the game.

Every browser value is checked on the server (:mod:`sim.classroom.controls`); an unexpected
error shows a short message and goes to the server log, never as a traceback to the page. The
app builds its own controls on the Mesa model rather than using Mesa's SolaraViz, whose
developer controls (play interval, render interval, threads) and apply-on-reset sliders do
not suit a class.
"""

from __future__ import annotations

import html
import io
import os
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import solara
from solara.components.echarts import EchartsWidget

from sim.classroom.controls import (
    CLASS,
    CLASS_DEFAULTS,
    EXPLORE,
    EXPLORE_DEFAULTS,
    PLAY,
    PLAY_DEFAULTS,
    SORRY,
    UPLOAD_LIMIT,
    BadInput,
    Control,
    class_settings,
    explore_scenario,
    guarded,
    logger,
    parse_all,
    play_settings,
    read_uploaded_choices,
    room_code,
)
from sim.classroom.explore import ExploreRun, chart_option, totals_text
from sim.classroom.game import ROLE_NAMES, Game
from sim.classroom.room import ROOMS, TEAMS, Room
from sim.classroom.server import MAX_SESSIONS, SESSIONS_VARIABLE
from sim.classroom.words import index_explanation, rung_note

TICK_SECONDS = 0.25
"""How often a playing run advances and the page is redrawn."""

DAYS_PER_SECOND = 45
"""Pace of Play: a year in about eight seconds. Days per tick follow the clock, so a busy
server draws less often but keeps the pace."""

MAX_DAYS_PER_TICK = 30

COMPARE_WORLDS = 100
"""Games the model plays for the end-of-game comparison."""


def session_cap() -> int:
    """Most live sessions served at once (``escalation-sim-app --max-sessions``)."""
    try:
        return max(int(os.environ.get(SESSIONS_VARIABLE, MAX_SESSIONS)), 1)
    except ValueError:
        return MAX_SESSIONS


def live_sessions() -> int:
    """Sessions (browser tabs) the server holds now, closed ones not yet freed included."""
    from solara.server import kernel_context

    return len(kernel_context.contexts)


def rich_html(text: str) -> str:
    """Text with **bold** and *italic* runs as escaped HTML (not Markdown: Solara's Markdown
    loads KaTeX from a CDN, which a classroom without internet does not have)."""
    body = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(text))
    return re.sub(r"\*(.+?)\*", r"<i>\1</i>", body)


def lines_html(lines: list[str]) -> str:
    """Lines of plain text as the items of a list."""
    return "".join(f"<li>{html.escape(line)}</li>" for line in lines)


def Rich(text: str, tag: str = "div", size: int = 18) -> Any:
    """Text with **bold** runs, as an HTML element (whose widget can be updated in place)."""
    return solara.widgets.HTML.element(
        tag=tag, unsafe_innerHTML=rich_html(text), attributes={"style": f"font-size: {size}px"}
    )


def Lines(lines: list[str], size: int = 16) -> Any:
    """Lines of plain text as one element (one update on the wire, however many lines)."""
    return solara.widgets.HTML.element(
        tag="ul", unsafe_innerHTML=lines_html(lines), attributes={"style": f"font-size: {size}px"}
    )


@solara.component
def ClassFull():
    Rich(
        f"The app is serving its maximum of {session_cap()} browser tabs. Close a tab you do "
        "not use, wait two minutes, and reload; or ask the instructor to start the app with "
        "more sessions (escalation-sim-app --max-sessions N).",
        size=22,
    )


@solara.component
def Guarded(page: Callable[[], Any]):
    """A page behind the session cap and an error boundary: an exception while drawing the
    page shows :data:`SORRY` (the traceback goes to the server log, never to the page)."""
    within_cap = solara.use_memo(lambda: live_sessions() <= session_cap(), [])
    error, clear = solara.use_exception()
    if not within_cap:
        ClassFull()
    elif error is not None:
        logger.error("classroom app: a page failed", exc_info=error)
        Rich(SORRY, size=20)
        solara.Button("Start again", on_click=clear, color="primary")
    else:
        page()


@solara.component
def ControlView(control: Control, value: Any, on_value: Callable[[Any], None]):
    """One control with its value in words above it, full width."""
    words = control.words(value)
    with solara.Column(gap="0px", style={"width": "100%"}):
        Rich(f"**{control.label}**: {words}", size=16)
        if control.kind is bool:
            solara.Checkbox(label="on", value=value, on_value=on_value)
        elif control.kind is str:
            solara.Select(label="", values=list(control.choices), value=value, on_value=on_value)
        elif control.name == "seed":
            solara.InputText(
                control.label, value=str(value), on_value=on_value, continuous_update=False
            )
        elif control.kind is int:
            solara.SliderInt("", value=value, min=control.low, max=control.high, on_value=on_value)
        else:
            solara.SliderFloat(
                "",
                value=value,
                min=control.low,
                max=control.high,
                step=control.step,
                on_value=on_value,
            )


@solara.component
def ExplorePage():
    values, set_values = solara.use_state(dict(EXPLORE_DEFAULTS))
    first = solara.use_memo(lambda: ExploreRun(explore_scenario(EXPLORE_DEFAULTS)), [])
    run, set_run = solara.use_state(first)
    playing, set_playing = solara.use_state(False)
    message, set_message = solara.use_state("")

    def change(name: str) -> Callable[[Any], None]:
        def apply(raw: Any) -> None:
            def restart() -> None:
                wanted = {**values, name: raw}
                scenario = explore_scenario(wanted)
                set_values(parse_all(EXPLORE, wanted))
                set_run(ExploreRun(scenario))
                label = next(c for c in EXPLORE if c.name == name)
                set_message(
                    f"{label.label} changed: the run restarted from day 0"
                    + (" and plays on." if playing else ".")
                )

            guarded(restart, set_message)()

        return apply

    def reset() -> None:
        set_playing(False)
        set_run(ExploreRun(run.model.config))
        set_message("The run restarted from day 0.")

    with solara.Columns([1, 3]):
        with solara.Column(style={"min-width": "300px"}):
            Rich("Scenario", tag="h3", size=20)
            for control in EXPLORE:
                ControlView(control, values[control.name], change(control.name))
        with solara.Column():
            Rich("Escalation: what if?", tag="h2", size=28)
            RunPanel(run, playing, set_playing, message, set_message, guarded(reset, set_message))


@solara.component
def RunPanel(
    run: ExploreRun,
    playing: bool,
    set_playing: Callable[[bool], None],
    message: str,
    set_message: Callable[[str], None],
    reset: Callable[[], None],
):
    """The run's buttons and everything that changes as it advances.

    A day's advance does not re-render anything: it writes the new totals, index, events and
    chart into widgets this panel made and keeps (``refresh``). A re-render walks and compares
    the whole page (every control's widget included), which was most of a step's cost (12 ms
    of 12; 3.5 ms a step now); the page is rendered again only when the run, the message or
    the play state changes, or the run ends.
    """
    _, set_ended = solara.use_state(False)
    model = run.model

    def make_widgets() -> dict[str, Any]:
        def html_widget(tag: str, size: int) -> Any:
            return solara.widgets.HTML(tag=tag, attributes={"style": f"font-size: {size}px"})

        return {
            "totals": html_widget("div", 20),
            "index": html_widget("div", 18),
            "chart": EchartsWidget(
                attributes={"style": "height: 520px; width: 100%;"}, responsive=True
            ),
            "feed": html_widget("ul", 16),
        }

    live = solara.use_memo(make_widgets, [])

    def close_widgets() -> Callable[[], None]:
        return lambda: [w.close() for w in live.values()]

    solara.use_effect(close_widgets, [])

    def refresh() -> None:
        """Write the run's latest state into the widgets shown."""
        live["totals"].unsafe_innerHTML = rich_html(totals_text(model))
        live["index"].unsafe_innerHTML = rich_html(run.index_text())
        live["chart"].option = run.chart_option()
        live["feed"].unsafe_innerHTML = lines_html(list(run.feed) or ["Nothing yet."])
        if run.finished:
            set_ended(True)

    refresh()  # on a render too (a new run, a message)

    def step() -> None:
        run.advance(1)
        if message:
            set_message("")
        refresh()

    def play_loop(cancel: threading.Event) -> None:
        if not playing:
            return
        last = time.perf_counter()
        while not cancel.is_set() and not run.finished:
            time.sleep(TICK_SECONDS)
            if cancel.is_set():
                return
            now = time.perf_counter()
            days = int(np.clip((now - last) * DAYS_PER_SECOND, 1, MAX_DAYS_PER_TICK))
            last = now
            run.advance(days)
            refresh()
        set_playing(False)

    def guarded_loop(cancel: threading.Event) -> None:
        guarded(lambda: play_loop(cancel), set_message)()

    solara.use_thread(guarded_loop, dependencies=[playing, run], intrusive_cancel=False)

    with solara.Column():
        with solara.Row():
            solara.Button(
                "Step (1 day)",
                on_click=guarded(step, set_message),
                disabled=playing or run.finished,
            )
            if playing:
                solara.Button("Pause", on_click=lambda: set_playing(False), color="primary")
            else:
                solara.Button(
                    "Play",
                    on_click=lambda: set_playing(True),
                    disabled=run.finished,
                    color="primary",
                )
            solara.Button("Reset", on_click=reset)
        if message:
            Rich(message, size=18)
        solara.Column(children=[live["totals"], live["index"], live["chart"]])
        Rich(
            index_explanation(
                model.config.index.half_life_days, model.config.index.crisis_threshold
            ),
            size=15,
        )
        Rich("**What happened, newest last (world 0)**", size=18)
        solara.Column(children=[live["feed"]])


@solara.component
def ChoiceButtons(game: Game, on_choice: Callable[[str], None]):
    """Every move open to the student as a button with its one-line meaning: a click sends
    no value from the browser, only which button (the move is looked up on the server)."""
    with solara.Column(gap="4px"):
        for name, label in game.options:
            with solara.Row(style={"align-items": "center"}):
                solara.Button(label, on_click=lambda name=name: on_choice(name), outlined=True)
                solara.Text(rung_note(name), style={"font-size": "15px"})


def comparison_option(game: Game, worlds: int = COMPARE_WORLDS) -> dict[str, Any]:
    """ECharts option: the student's escalation index against the model's own play of the
    role from the same start (its median and bands over ``worlds`` games)."""
    student, q = game.compare(worlds)
    quantiles = q[["q05", "q25", "q50", "q75", "q95"]].to_numpy()
    dates = [str(d.date()) for d in q.date]
    mine = {
        "type": "line",
        "name": "your game",
        "data": np.round(student.escalation_index.to_numpy(), 2).tolist(),
        "symbol": "none",
        "lineStyle": {"width": 4, "color": "#1f77b4"},
        "itemStyle": {"color": "#1f77b4"},
    }
    option = chart_option(
        dates, quantiles, worlds, extra=[mine], band_name=f"the model's games as {game.role}"
    )
    option["series"][-2]["name"] = "the model's median"
    return option


@solara.component
def PlayPage():
    raw, set_raw = solara.use_state(dict(PLAY_DEFAULTS))
    game, set_game = solara.use_state(None)
    turn_log, set_turn_log = solara.use_state([])
    message, set_message = solara.use_state("")
    _, set_version = solara.use_state(0)

    def setting(name: str) -> Callable[[Any], None]:
        return lambda value: set_raw({**raw, name: value})

    def new_game() -> None:
        scenario, role, turn_days = play_settings(raw)
        set_game(Game(scenario, role=role, turn_days=turn_days))
        set_turn_log([])
        set_message("")

    def replay_upload(upload: dict[str, Any]) -> None:
        """Replay an uploaded choices.csv with the settings shown (read in memory, bounded)."""

        def load() -> None:
            turns = read_uploaded_choices(upload["file_obj"].read(UPLOAD_LIMIT + 1))
            scenario, role, turn_days = play_settings(raw)
            replayed = Game(scenario, role=role, turn_days=turn_days)
            try:
                replayed.replay(turns)
            except ValueError as error:
                raise BadInput(f"This file cannot be replayed here: {error}.") from None
            set_game(replayed)
            set_turn_log([])
            set_message(f"Replayed {len(turns)} turn(s) from the file.")

        guarded(load, set_message)()

    def play_turn(action: str) -> None:
        def turn() -> None:
            label = game.model.ladder.label_of[action]
            lines = game.play(action)
            set_turn_log([f"Turn {game.turn}: you chose: {label}.", *lines])
            set_version(lambda v: v + 1)

        guarded(turn, set_message)()

    with solara.Column(style={"font-size": "17px", "max-width": "1200px"}):
        Rich("Play the crisis, one turn at a time", tag="h2", size=26)
        with solara.Row(style={"align-items": "end", "flex-wrap": "wrap"}):
            for control in PLAY:
                with solara.Column(gap="0px", style={"min-width": "170px"}):
                    if control.kind is str:
                        solara.Select(
                            control.label,
                            values=list(control.choices),
                            value=raw[control.name],
                            on_value=setting(control.name),
                        )
                    else:
                        solara.InputText(
                            control.label,
                            value=str(raw[control.name]),
                            on_value=setting(control.name),
                            continuous_update=True,
                        )
                    solara.Text(control.describe(raw[control.name]), style={"font-size": "14px"})
            solara.Button("New game", on_click=guarded(new_game, set_message), color="primary")
        solara.FileDrop(
            label="Or replay a saved game: drop its choices.csv here (same settings as above)",
            on_file=replay_upload,
            lazy=True,
        )
        if message:
            Rich(message)
        if game is None:
            Rich("Choose a role and press **New game**.")
            return
        role = ROLE_NAMES[game.role]
        if game.finished:
            Rich("Game over", tag="h3", size=24)
            Rich(game.verdict(COMPARE_WORLDS), size=20)
            solara.FigureEcharts(
                option=comparison_option(game),
                attributes={"style": "height: 460px; width: 100%;"},
            )
        Rich(totals_text(game.model, hint="choose your response") + f" — turn {game.turn}")
        if not game.finished:
            Rich(f"**Your response this turn, as the {role}:**")
            ChoiceButtons(game, play_turn)
            days = game.model.day
            q = np.repeat(game.model.series.data["escalation_index"][:days, :1], 5, axis=1)
            solara.FigureEcharts(
                option=chart_option(
                    [str(game.model.date_of(d)) for d in range(game.model.horizon)], q, 1
                ),
                attributes={"style": "height: 360px; width: 100%;"},
            )
        if turn_log:
            Rich("**What happened this turn (and how it was read)**")
            Lines(turn_log)
        if game.turn:
            events = io.StringIO()
            game.model.event_log().to_csv(events, index=False)
            solara.FileDownload(
                events.getvalue().encode(),
                filename="game_events.csv",
                label="Download the game's event log (CSV)",
            )
            choices = io.StringIO()
            game.choices_frame().to_csv(choices, index=False)
            solara.FileDownload(
                choices.getvalue().encode(),
                filename="choices.csv",
                label="Download your choices (CSV, replays the game)",
            )


def session_id() -> str:
    """This browser's session (Solara's cookie): a laptop that reconnects keeps it."""
    return solara.get_session_id()


def use_room_updates(room: Room, size: int, shown: Callable[[], Any], every: float = 0.25) -> Any:
    """The room's countdown as a widget written in place (when its text changes); the page
    is re-rendered only when what it shows changes (``shown()``: e.g. the turn and the team's
    own choice), checked every ``every`` seconds. Thirty laptops redrawing their whole page
    every second, or on every other team's click, would keep the server busy."""

    def make_widget() -> Any:
        return solara.widgets.HTML(tag="div", attributes={"style": f"font-size: {size}px"})

    clock = solara.use_memo(make_widget, [])
    solara.use_effect(lambda: clock.close, [])
    _, set_seen = solara.use_state(shown())

    def watch(cancel: threading.Event) -> None:
        while True:
            try:
                set_seen(shown())  # first: the new turn shows once the page is redrawn for it
                text = html.escape(countdown(room))
                if clock.unsafe_innerHTML != text:
                    clock.unsafe_innerHTML = text
            except Exception:
                logger.exception("class room %s: a page could not be updated", room.code)
            if cancel.wait(every):
                return

    solara.use_thread(watch, dependencies=[room], intrusive_cancel=False)
    clock.unsafe_innerHTML = html.escape(countdown(room))
    return clock


@solara.component
def ClassPage():
    me = session_id()
    owned = ROOMS.owned_by(me)
    joined = ROOMS.joined_by(me)
    raw, set_raw = solara.use_state(dict(CLASS_DEFAULTS))
    code, set_code = solara.use_state("")
    team, set_team = solara.use_state("us")
    message, set_message = solara.use_state("")
    _, set_version = solara.use_state(0)

    def open_room() -> None:
        scenario, turn_days, turn_seconds = class_settings(raw)
        try:
            ROOMS.open(me, scenario, turn_days, turn_seconds)
        except ValueError as error:
            raise BadInput(f"{error}.") from None
        set_version(lambda v: v + 1)

    try:  # the teams of the room whose code is typed (its factions), else the default ones
        typed = ROOMS.get(room_code(code)) if code.strip() else None
    except BadInput:
        typed = None
    names = typed.team_names if typed is not None else TEAMS

    def join_room() -> None:
        room = ROOMS.get(room_code(code))
        if room is None:
            raise BadInput("No room has that code: check the projector.")
        if team not in room.team_names:
            raise BadInput(f"Choose a team: {', '.join(room.team_names.values())}.")
        room.join(me, team)
        set_version(lambda v: v + 1)

    if owned is not None:
        InstructorView(owned)
        return
    if joined is not None:
        TeamView(joined, me)
        return
    with solara.Column(style={"max-width": "900px", "font-size": "17px"}):
        Rich("A whole class in one crisis", tag="h2", size=26)
        Rich(
            "Teams play the United States, each militia faction, the Iraqi government and Iran; "
            "the model plays any actor or faction nobody took. Each turn every team chooses "
            "privately; the turn is played when all have chosen or the time is up (a team that "
            "did not choose is played by the model).",
            size=17,
        )
        if message:
            Rich(message)
        Rich("**Students: join a room**", size=19)
        with solara.Row(style={"align-items": "end", "flex-wrap": "wrap"}):
            solara.InputText("Room code", value=code, on_value=set_code, continuous_update=True)
            solara.Select("Your team", values=list(names), value=team, on_value=set_team)
            solara.Button("Join", on_click=guarded(join_room, set_message), color="primary")
        Rich(f"Your team: {names.get(team, '?')}", size=15)
        Rich("**Instructor: open a room** (on the projector's laptop)", size=19)
        with solara.Row(style={"align-items": "end", "flex-wrap": "wrap"}):
            for control in CLASS:
                with solara.Column(gap="0px", style={"min-width": "150px"}):
                    solara.InputText(
                        control.label,
                        value=str(raw[control.name]),
                        on_value=lambda v, n=control.name: set_raw({**raw, n: v}),
                        continuous_update=True,
                    )
                    solara.Text(control.describe(raw[control.name]), style={"font-size": "14px"})
            solara.Button("Open a room", on_click=guarded(open_room, set_message))


def countdown(room: Room) -> str:
    """The turn and the time left, in words."""
    if room.finished:
        return "The game is over."
    left = int(room.seconds_left())
    state = "paused" if room.paused else f"{left} s left to choose"
    return f"Turn {room.turn} of {room.model.horizon // room.turn_days}: {state}"


@solara.component
def InstructorView(room: Room):
    clock = use_room_updates(
        room,
        size=22,
        shown=lambda: (
            room.model.day,
            room.paused,
            tuple(room.chosen().items()),
            len(room.members),
        ),
    )
    message, set_message = solara.use_state("")
    with solara.Column(style={"font-size": "18px"}):
        Rich(f"Room code: **{room.code}**", tag="h2", size=40)
        Rich("Students open the Class tab, type this code and choose a team.", size=17)
        if message:
            Rich(message)
        solara.Column(children=[clock])
        chosen = room.chosen()
        laptops = {t: sum(1 for m in room.members.values() if m == t) for t in room.teams}
        status = [
            f"{room.team_names[t]} ({laptops[t]} laptop{'s' if laptops[t] != 1 else ''})"
            + ("" if room.finished else f": {'has chosen' if chosen[t] else 'choosing…'}")
            for t in room.teams
        ] or ["No team has joined yet."]
        Lines(status, size=18)
        if not room.finished:
            with solara.Row():
                if room.paused:
                    solara.Button("Resume", on_click=guarded(room.resume, set_message))
                else:
                    solara.Button("Pause", on_click=guarded(room.pause, set_message))
                solara.Button(
                    "Play the turn now",
                    on_click=guarded(room.resolve, set_message),
                    disabled=not room.teams,
                )
        days = room.model.day
        q = np.repeat(room.model.series.data["escalation_index"][:days, :1], 5, axis=1)
        dates = [str(room.model.date_of(d)) for d in range(room.model.horizon)]
        solara.FigureEcharts(
            option=chart_option(dates, q, 1), attributes={"style": "height: 420px; width: 100%;"}
        )
        if room.finished:
            Rich("Debrief: the class against the model", tag="h3", size=24)
            Lines(room.debrief(COMPARE_WORLDS), size=18)
            for name, data in room.choices_files().items():
                solara.FileDownload(data, filename=name, label=f"Download {name}")
            Rich(f"Replay from the command line: {room.replay_command()}", size=14)
        Rich("**Last turn (what really happened)**", size=18)
        Lines(room.last_lines or ["Nothing yet."])


@solara.component
def TeamView(room: Room, member: str):
    team = room.team_of(member) or "us"
    clock = use_room_updates(
        room, size=20, shown=lambda: (room.model.day, room.paused, room.choices.get(team))
    )
    # (the message, the turn it is about): a choice refused as late says "choose again for
    # turn N"; shown on turn N only, never as a stale word on the turns after it
    message, set_message = solara.use_state(("", 0))
    _, set_chosen = solara.use_state("")

    shown_turn = room.turn

    def choose(action: str) -> None:
        def record() -> None:
            try:
                room.choose(member, action, turn=shown_turn)
            except ValueError as error:
                raise BadInput(f"{error}.") from None
            set_message(("", 0))
            set_chosen(f"{room.turn}:{action}")

        guarded(record, lambda text: set_message((text, room.turn)))()

    with solara.Column(style={"font-size": "17px", "max-width": "1000px"}):
        Rich(f"Room {room.code}: you play **{room.team_names[team]}**", tag="h2", size=26)
        solara.Column(children=[clock])
        if message[0] and message[1] == shown_turn:
            Rich(message[0])
        if room.finished:
            Rich("The game is over: the debrief is on the projector.", size=20)
            Lines(room.debrief(COMPARE_WORLDS))
        else:
            mine = room.choices.get(team)
            label = dict(room.options(team))
            Rich(
                f"Your team chose: **{label[mine]}** (you may change it until the turn is played)"
                if mine
                else "Your team has not chosen yet:",
                size=18,
            )
            with solara.Column(gap="4px"):
                for name, text in room.options(team):
                    with solara.Row(style={"align-items": "center"}):
                        # new buttons each turn: a click on a button of a turn already played
                        # reaches that turn's handler (and is refused), never the next turn's
                        solara.Button(
                            text, on_click=lambda name=name: choose(name), outlined=True
                        ).key(f"turn {shown_turn}: {name}")
                        solara.Text(room.note(team, name), style={"font-size": "15px"})
        Rich("**What you know of the last two turns** (as your side read it)", size=18)
        Lines(room.seen_by(team, days=2 * room.turn_days)[-30:] or ["Nothing yet."])


@solara.component
def Explore():
    Guarded(ExplorePage)


@solara.component
def Play():
    Guarded(PlayPage)


@solara.component
def Class():
    Guarded(ClassPage)


routes = [
    solara.Route(path="/", component=Explore, label="Explore"),
    solara.Route(path="play", component=Play, label="Play"),
    solara.Route(path="class", component=Class, label="Class"),
]
