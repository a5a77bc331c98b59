"""The classroom web app (Solara, through Mesa's SolaraViz): explore what-ifs, or play the US.

Run: ``solara run sim/classroom/app.py`` (or ``make app`` / ``escalation-sim-app``). Two pages:

- **Explore**: sliders for the levers a class discusses; step, play, pause and reset as in any
  Mesa app; a live escalation trajectory (bands when replicas > 1), running totals, and the
  events of replica 0 in plain words.
- **Play**: the student is the US (or the Iraqi government); each turn (7 days by default)
  they read what happened and choose a response; at the end they see their trajectory against
  the model's own play from the same start, and can download the game's log.
"""

from __future__ import annotations

import html
import io
import re
from typing import Any

import numpy as np
import solara
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.classroom.game import ROLE_NAMES, Game, event_sentence
from sim.model.escalation import EscalationModel
from sim.policies import policies_for

FONT = 13
NEVER = -1


class ClassroomModel(EscalationModel):
    """The escalation model built from classroom controls (what SolaraViz's sliders set;
    SolaraViz reads the keyword names from this signature)."""

    def __init__(
        self,
        withdrawal_start: int = NEVER,
        withdrawal_months: int = 12,
        us_policy: str = "proportional",
        militia_policy: str = "hazard",
        noise: float = 0.05,
        iran_restraint: float = 0.3,
        war_intensity: float = 1.0,
        shock: bool = False,
        shock_day: int = 100,
        seed: int = 0,
        replicas: int = 20,
    ) -> None:
        config: dict[str, Any] = {
            "seed": int(seed),
            "replicas": replicas,
            "horizon_days": 365,
            "us": {"policy": us_policy},
            "militia": {"policy": militia_policy},
            "perception": {"noise": noise},
            "iran": {"restraint": iran_restraint},
            "regional_war": {"initial": war_intensity},
            "withdrawal": {
                "start_month": None if withdrawal_start < 0 else withdrawal_start,
                "duration_months": withdrawal_months,
            },
        }
        if shock:
            config["shocks"] = [
                {"day": shock_day, "actor": "militia", "action": "mass_casualty_attack"}
            ]
        super().__init__(config)


MODEL_PARAMS = {
    "withdrawal_start": {
        "type": "SliderInt",
        "value": NEVER,
        "min": NEVER,
        "max": 24,
        "step": 1,
        "label": "Withdrawal starts at month (-1 = never)",
    },
    "withdrawal_months": {
        "type": "SliderInt",
        "value": 12,
        "min": 0,
        "max": 24,
        "step": 1,
        "label": "Withdrawal lasts (months)",
    },
    "us_policy": {
        "type": "Select",
        "value": "proportional",
        "values": [p for p in policies_for("us") if p != "human"],
        "label": "US policy",
    },
    "militia_policy": {
        "type": "Select",
        "value": "hazard",
        "values": [p for p in policies_for("militia") if p != "human"],
        "label": "Militia policy",
    },
    "noise": {
        "type": "SliderFloat",
        "value": 0.05,
        "min": 0.0,
        "max": 0.3,
        "step": 0.01,
        "label": "Perception noise",
    },
    "iran_restraint": {
        "type": "SliderFloat",
        "value": 0.3,
        "min": 0.0,
        "max": 1.0,
        "step": 0.05,
        "label": "Iranian restraint",
    },
    "war_intensity": {
        "type": "SliderFloat",
        "value": 1.0,
        "min": 0.0,
        "max": 1.0,
        "step": 0.05,
        "label": "Regional war intensity",
    },
    "shock": {"type": "Checkbox", "value": False, "label": "Mass-casualty attack shock"},
    "shock_day": {
        "type": "SliderInt",
        "value": 100,
        "min": 0,
        "max": 364,
        "step": 1,
        "label": "Shock on day",
    },
    "seed": {"type": "InputText", "value": 0, "label": "Seed"},
    "replicas": {
        "type": "SliderInt",
        "value": 20,
        "min": 1,
        "max": 200,
        "step": 1,
        "label": "Replicas",
    },
}


def trajectory_figure(model: EscalationModel, size: tuple[float, float] = (5.0, 3.0)) -> Figure:
    """Escalation index so far: median and bands across replicas (a line when R = 1). Small
    in inches, large in type: the app shrinks figures to fit its grid, and a projector needs
    the text to stay readable."""
    fig = Figure(figsize=size)
    ax = fig.subplots()
    days = model.day
    index = model.series.data["escalation_index"][:days]
    x = np.arange(days)
    if days:
        if model.n_replicas > 1:
            q = np.quantile(index, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
            ax.fill_between(x, q[0], q[4], color="tab:red", alpha=0.18, label="90% of replicas")
            ax.fill_between(x, q[1], q[3], color="tab:red", alpha=0.35, label="50% of replicas")
            ax.plot(x, q[2], color="tab:red", lw=2.5, label="median")
        else:
            ax.plot(x, index[:, 0], color="tab:red", lw=2.5, label="escalation index")
    ax.set_xlim(0, max(model.horizon - 1, 1))
    ax.set_ylim(0, 10)
    ax.set_xlabel("day", fontsize=FONT)
    ax.set_ylabel("escalation index (0-10)", fontsize=FONT)
    ax.tick_params(labelsize=FONT - 1)
    ax.grid(alpha=0.3)
    if days:
        ax.legend(loc="upper right", fontsize=FONT - 2)
    fig.tight_layout()
    return fig


def totals_text(model: EscalationModel, hint: str = "press *Step* or *Play*") -> str:
    """Running totals (median over replicas), with **bold** numbers."""
    if model.day == 0:
        return f"**Day 0** — {hint}."
    d = model.series.data
    t = model.day - 1
    med = {
        k: int(np.median(d[k][t]))
        for k in ("cum_attacks", "cum_strikes", "cum_us_killed", "cum_militia_killed", "us_troops")
    }
    return (
        f"**Day {model.day}** ({model.date_of(t)}) — median over {model.n_replicas} "
        f"replica(s): militia attacks **{med['cum_attacks']}**, US strikes "
        f"**{med['cum_strikes']}**, US killed **{med['cum_us_killed']}**, militia killed "
        f"**{med['cum_militia_killed']}**, US troops in Iraq **{med['us_troops']}**"
    )


def settings_text(model: EscalationModel) -> str:
    """The scenario in words: the sliders show their values only while dragged, and the room
    needs to see what is being compared."""
    c = model.config
    w = c.withdrawal
    withdrawal = (
        "no scheduled withdrawal"
        if w.start_month is None
        else f"withdrawal from month **{w.start_month:g}** over **{w.duration_months:g}** months"
    )
    label = model.ladder.label_of
    shocks = "".join(f"; shock: {label[s.action]} on day **{s.day}**" for s in c.shocks)
    return (
        f"Scenario: {withdrawal}; US policy **{c.us.policy.name.replace('_', ' ')}**, militia "
        f"policy **{c.militia.policy.name.replace('_', ' ')}**; perception noise "
        f"**{c.perception.noise:g}**, Iranian restraint **{c.iran.restraint:g}**, regional war "
        f"**{c.regional_war.initial:g}**{shocks}; seed {c.seed}, {model.n_replicas} replica(s)."
    )


def timeline_lines(model: EscalationModel, last: int = 12) -> list[str]:
    """The latest events of replica 0 in plain words, newest last."""
    events = model.event_log()
    events = events[events.replica == model.replica_ids[0]].tail(last)
    return [event_sentence(row, model.ladder.label_of) for row in events.itertuples()]


def Rich(text: str, tag: str = "div", size: int = 18) -> None:
    """Text with **bold** runs, rendered as HTML (not Markdown: Solara's Markdown loads KaTeX
    from a CDN, which a classroom without internet does not have)."""
    body = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(text))
    body = re.sub(r"\*(.+?)\*", r"<i>\1</i>", body)
    solara.HTML(tag=tag, unsafe_innerHTML=body, style={"font-size": f"{size}px"})


@solara.component
def Trajectory(model):
    update_counter.get()
    solara.FigureMatplotlib(trajectory_figure(model), format="png")


@solara.component
def Totals(model):
    update_counter.get()
    Rich(settings_text(model), size=16)
    Rich(totals_text(model))


@solara.component
def Timeline(model):
    update_counter.get()
    with solara.Column(style={"font-size": "16px"}):
        Rich("**Events (replica 0)**")
        for line in timeline_lines(model):
            solara.Text(line)


@solara.component
def Explore():
    model = solara.use_memo(lambda: ClassroomModel(), [])
    SolaraViz(
        model,
        components=[Trajectory, Totals, Timeline],
        model_params=MODEL_PARAMS,
        name="Escalation: what if?",
    )


def comparison_figure(game: Game, replicas: int = 100) -> Figure:
    """The student's escalation index against the model's own play of the same role."""
    student, q = game.compare(replicas)
    fig = Figure(figsize=(9, 4.2))
    ax = fig.subplots()
    ax.fill_between(
        q.day,
        q.q05,
        q.q95,
        color="tab:gray",
        alpha=0.25,
        label=f"the model's {ROLE_NAMES[game.role]}: 90% of {replicas} games",
    )
    ax.plot(q.day, q.q50, color="tab:gray", lw=2, label="model: median")
    ax.plot(student.day, student.escalation_index, color="tab:blue", lw=3, label="your game")
    ax.set_ylim(0, 10)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("day", fontsize=FONT)
    ax.set_ylabel("escalation index (0-10)", fontsize=FONT)
    ax.legend(loc="upper right", fontsize=FONT - 2)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


@solara.component
def Play():
    role, set_role = solara.use_state("us")
    seed, set_seed = solara.use_state(0)
    weeks, set_weeks = solara.use_state(26)
    turn_days, set_turn_days = solara.use_state(7)
    game, set_game = solara.use_state(None)
    turn_log, set_turn_log = solara.use_state([])
    choice, set_choice = solara.use_state("none")
    version, set_version = solara.use_state(0)

    def new_game():
        days = max(int(turn_days), 1)
        g = Game({"seed": int(seed), "horizon_days": days * int(weeks)}, role=role, turn_days=days)
        set_game(g)
        set_turn_log([])
        set_choice("none")
        set_version(version + 1)

    def play_turn():
        lines = game.play(choice)
        set_turn_log([f"Turn {game.turn}: you chose {choice}", *lines])
        set_version(version + 1)

    with solara.Column(style={"font-size": "17px", "max-width": "1100px"}):
        Rich("Play the crisis, one turn at a time (a week by default)", tag="h2", size=26)
        with solara.Row():
            solara.Select("Your role", values=["us", "iraq"], value=role, on_value=set_role)
            solara.InputInt("Seed", value=seed, on_value=set_seed)
            solara.InputInt("Turns", value=weeks, on_value=set_weeks)
            solara.InputInt("Days per turn", value=turn_days, on_value=set_turn_days)
            solara.Button("New game", on_click=new_game, color="primary")
        if game is None:
            Rich("Choose a role and press **New game**.")
            return
        Rich(
            totals_text(game.model, hint="choose your response and press *Play turn*")
            + f" — turn {game.turn}"
        )
        if not game.finished:
            names = [n for n, _ in game.options]
            solara.Select(
                "Your response this turn", values=names, value=choice, on_value=set_choice
            )
            solara.Button("Play turn", on_click=play_turn, color="primary")
        solara.FigureMatplotlib(trajectory_figure(game.model), format="png")
        Rich("**What happened this turn (and how it was read)**")
        for line in turn_log:
            solara.Text(line)
        if game.finished:
            Rich("Game over: your game against the model's", tag="h3", size=22)
            Rich(game.verdict())
            solara.FigureMatplotlib(comparison_figure(game), format="png")
        events = game.model.event_log()
        buffer = io.StringIO()
        events.to_csv(buffer, index=False)
        solara.FileDownload(
            buffer.getvalue().encode(),
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


routes = [
    solara.Route(path="/", component=Explore, label="Explore"),
    solara.Route(path="play", component=Play, label="Play"),
]
