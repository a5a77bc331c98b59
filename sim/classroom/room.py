"""Class mode: one shared crisis in which student teams play actors and the model plays the rest.

A :class:`Room` is a game of one world (one replica). Teams take the US, a militia faction
(each faction of the scenario's ``militia.factions`` is a team of its own), the Iraqi
government or Iran (the patron); an actor or faction nobody took is played by the model. Each turn
every team chooses privately; the turn resolves when every team has chosen or its time is up,
and a team that did not choose is played by the model for that turn. Pure Python (no web
framework), so the turn loop, what each team may see, the debrief and the exported game are
tested on their own; the web app (:mod:`sim.classroom.app`) is a view of it.

How a team's choice is played: for the turn, the US's or Iraq's agent gets a ``human`` policy
with the choice scheduled on the turn's first day (the model reads each actor's policy every
day, so a swapped policy takes over from the next day); otherwise its own policy. The militias
always play a ``human`` policy whose ``fallback`` is the model's own militia policy: a faction
team's choice is scheduled for that faction (its level on the turn's first day, nothing on
the turn's other days), and every faction without a choice is played by the fallback. Iran
takes no rungs: its team gives one of Iran's orders (halt every faction, restrain, back the
campaign; :data:`~sim.config.schema.IRAN_ORDERS`) for the whole turn, written into the order
table the compiled day reads (``iran.orders``); a turn without an order is the model's Iran.
The exported game holds every day's level of each actor and faction a team played, and Iran's
orders (:meth:`Room.choices_files`), which replay the game exactly through the ordinary
command line's ``<actor>.policy.log`` and ``iran.orders``.
"""

from __future__ import annotations

import io
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd

from sim.classroom.game import event_sentence, moves
from sim.classroom.words import IRAN_ORDER_WORDS, move_note
from sim.config.schema import IRAN_ORDERS, ScenarioConfig
from sim.core.ladder import ACTING_ACTORS, FORCE_LEVEL
from sim.model.escalation import EscalationModel
from sim.policies import POLICIES, PolicyParams, make_policy

logger = logging.getLogger("sim.classroom")


def team_names(scenario: ScenarioConfig) -> dict[str, str]:
    """The teams of a scenario's class game and how they are named: the US, each militia
    faction (its team is its name), the Iraqi government and Iran (unless the scenario
    switches Iran off)."""
    factions = {f.name: f.name for f in scenario.militia.factions}
    if {"us", "iraq", "iran"} & set(factions):
        raise ValueError("a militia faction cannot be named 'us', 'iraq' or 'iran' in class mode")
    iran = {"iran": "Iran"} if scenario.iran.enabled else {}
    return {"us": "United States", **factions, "iraq": "the Iraqi government", **iran}


TEAMS = team_names(ScenarioConfig())
"""The teams of the default scenario."""


LOG_FILES = {
    "us": "us_choices.csv",
    "militia": "militia_choices.csv",
    "iraq": "iraq_choices.csv",
    "iran": "iran_orders.csv",
}
"""The exported file a replay reads for each actor a team played."""

MODEL_PLAYED = "(the model played)"

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""Room codes avoid letters and digits that read alike (I/1, O/0, L)."""

CODE_LENGTH = 5


def new_code(taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A short random room code not in ``taken`` (31^5, about 29 million codes)."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            return code


class Room:
    """One class game.

    Args:
        scenario: A checked scenario (its seed and horizon; it runs with one replica).
        turn_days: Days per turn.
        turn_seconds: Time a turn stays open for choices.
        code: The room code (default: a new random one).
        clock: Seconds, monotonic (tests pass a fake one).
    """

    def __init__(
        self,
        scenario: ScenarioConfig,
        turn_days: int = 7,
        turn_seconds: float = 60.0,
        code: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        played = asdict(scenario)
        played["replicas"] = 1
        self.model = EscalationModel(played)
        self.scenario = self.model.config
        self.code = code or new_code()
        self.turn_days = turn_days
        self.turn_seconds = turn_seconds
        self.clock = clock
        self.lock = threading.RLock()
        self.members: dict[str, str] = {}  # member id (a browser session) -> team
        self.choices: dict[str, str] = {}  # team -> action chosen this turn (private)
        self.turns: list[dict[str, Any]] = []  # one row per team per turn
        # Iran's orders (day, days, order): the scenario's, then its team's, as the model has them
        self.iran_orders: list[dict[str, Any]] = [asdict(o) for o in self.scenario.iran.orders]
        self.ever_human: set[str] = set()
        self.paused_left: float | None = None
        self.deadline = clock() + turn_seconds
        self.version = 0  # bumped on every change, so views know when to redraw
        self.last_lines: list[str] = []
        self.team_names = team_names(self.scenario)
        self.factions = [f.name for f in self.scenario.militia.factions]
        self._auto = {actor: self._agent(actor).policy for actor in ACTING_ACTORS}
        self._human = {
            actor: make_policy(POLICIES["human"].Params(), p.shape, p.max_level, {}, p.factions)
            for actor, p in self._auto.items()
        }
        self._human["militia"].fallback = self._auto["militia"]
        self._played = {actor: Recorded(policy) for actor, policy in self._auto.items()}
        self._played["militia"].inner = self._human["militia"]
        for actor, recorded in self._played.items():
            self._agent(actor).policy = recorded

    def _agent(self, actor: str) -> Any:
        return getattr(self.model, actor)

    def actor_of(self, team: str) -> str:
        """The actor a team plays: "us", "iraq", "iran", or "militia" for a faction's team."""
        return team if team in ("us", "iraq", "iran") else "militia"

    # ------------------------------------------------------------------ who plays
    def join(self, member: str, team: str) -> None:
        """Put a member (a browser session) in a team; a member who comes back (a laptop that
        dropped) keeps the team it had."""
        if team not in self.team_names:
            raise ValueError(f"no team {team!r}; teams: {', '.join(self.team_names)}")
        with self.lock:
            self.members.setdefault(member, team)
            self.version += 1

    def team_of(self, member: str) -> str | None:
        """The member's team, if it joined."""
        return self.members.get(member)

    @property
    def teams(self) -> list[str]:
        """Teams with at least one member, in the order of :attr:`team_names`."""
        taken = set(self.members.values())
        return [t for t in self.team_names if t in taken]

    def options(self, team: str) -> list[tuple[str, str]]:
        """(name, label) of the moves open to a team, least escalatory first: rungs of the
        ladder, or Iran's orders for Iran's team."""
        if team == "iran":
            return [(o, IRAN_ORDER_WORDS[o][0]) for o in IRAN_ORDERS]
        return moves(self.model, self.actor_of(team))

    def note(self, team: str, name: str) -> str:
        """The one-line note of a move open to a team ('' if it has none)."""
        return move_note(self.actor_of(team), name)

    # ------------------------------------------------------------------ a turn
    @property
    def finished(self) -> bool:
        """Whether the horizon has been reached."""
        return self.model.day >= self.model.horizon

    @property
    def turn(self) -> int:
        """The turn being chosen (1 for the first)."""
        return self.model.day // self.turn_days + 1

    def choose(self, member: str, action: str, turn: int | None = None) -> None:
        """Record the member's team's choice for this turn (it may change it until the turn
        resolves; the turn is played as soon as every team has chosen). ``turn`` is the turn
        the member saw when choosing: a choice that arrives after that turn was played is
        refused rather than counted for the next one. Raises ValueError for a member in no
        team, a move not open to it, or a turn already played."""
        team = self.members.get(member)
        if team is None:
            raise ValueError("join a team first")
        open_moves = dict(self.options(team))
        if action not in open_moves:
            raise ValueError(
                f"{action!r} is not open to {self.team_names[team]}; choose from: "
                f"{', '.join(open_moves)}"
            )
        with self.lock:
            if self.finished:
                raise ValueError("the game is over")
            if turn is not None and turn != self.turn:
                raise ValueError(f"turn {turn} has been played: choose again for turn {self.turn}")
            self.choices[team] = action
            self.version += 1
            self.tick()  # the last team to choose plays the turn at once

    def chosen(self) -> dict[str, bool]:
        """For each team playing, whether it has chosen this turn (not what it chose)."""
        return {team: team in self.choices for team in self.teams}

    def seconds_left(self) -> float:
        """Time left to choose this turn."""
        if self.paused_left is not None:
            return self.paused_left
        return max(self.deadline - self.clock(), 0.0)

    def pause(self) -> None:
        """Stop the countdown (the instructor's pause)."""
        with self.lock:
            if self.paused_left is None:
                self.paused_left = self.seconds_left()
                self.version += 1

    def resume(self) -> None:
        """Restart the countdown where it stopped."""
        with self.lock:
            if self.paused_left is not None:
                self.deadline = self.clock() + self.paused_left
                self.paused_left = None
                self.version += 1

    @property
    def paused(self) -> bool:
        """Whether the countdown is stopped."""
        return self.paused_left is not None

    def tick(self) -> bool:
        """Resolve the turn if it is ready: every team has chosen, or time is up (and the
        game is not paused, and at least one team plays). Returns whether it resolved."""
        with self.lock:
            if self.finished or self.paused or not self.teams:
                return False
            if self.seconds_left() > 0 and set(self.choices) < set(self.teams):
                return False
            self.resolve()
            return True

    def resolve(self) -> None:
        """Play the turn: each team's choice on the turn's first day, the model for every
        actor or faction no team took and for every team that did not choose."""
        with self.lock:
            if self.finished:
                return
            day = self.model.day
            ladder = self.model.ladder
            days = min(self.turn_days, self.model.horizon - day)
            for team in self.team_names:
                action = self.choices.get(team)
                actor = self.actor_of(team)
                if actor == "iran":
                    if action is not None:
                        self._order(day, days, action)
                        self.ever_human.add(team)
                    if team in self.teams:
                        self.turns.append(self._turn_row(team, day, action))
                    continue
                level = None if action is None else int(ladder.level[ladder.rung_id(action)])
                if actor == "militia":  # the faction's choice, then nothing, for the turn
                    if level is not None:
                        for d in range(day, day + self.turn_days):
                            self._human[actor].choose(d, level if d == day else 0, team)
                        self.ever_human.add(team)
                elif level is None:
                    self._played[actor].inner = self._auto[actor]
                else:
                    self._human[actor].choose(day, level)
                    self._played[actor].inner = self._human[actor]
                    self.ever_human.add(team)
                if team in self.teams:
                    self.turns.append(self._turn_row(team, day, action))
            self.model.run(self.turn_days)
            events = self.model.event_log()
            self.last_lines = self._iran_lines(day) + [
                event_sentence(r, ladder.label_of) for r in events[events.day >= day].itertuples()
            ]
            self.choices = {}
            self.deadline = self.clock() + self.turn_seconds
            self.version += 1

    def _turn_row(self, team: str, day: int, action: str | None) -> dict[str, Any]:
        return {
            "turn": self.turn,
            "day": day,
            "team": team,
            "action": action if action is not None else MODEL_PLAYED,
        }

    def _order(self, day: int, days: int, order: str) -> None:
        """Iran's team's order for the turn's days, written into the order table the compiled
        day reads (as ``iran.orders`` would have set it), and kept for the exported game."""
        self.model.iran.params.orders[day : day + days] = IRAN_ORDERS.index(order)
        self.iran_orders.append({"day": day, "days": days, "order": order})

    def _iran_lines(self, day: int) -> list[str]:
        """What Iran did over the turn from ``day``, for the projector, when a team plays Iran:
        its team's order, or whether the model's Iran held a halt."""
        if "iran" not in self.teams:
            return []
        order = [o["order"] for o in self.iran_orders if o["day"] == day]
        if order:
            return [f"Day {day}: Iran: {IRAN_ORDER_WORDS[order[-1]][0]}"]
        halt = self.model.series.data["iran_halt"][day : self.model.day, 0]
        state = f"a halt held on {int(halt.sum())} of {len(halt)} days" if halt.any() else "no halt"
        return [f"Day {day}: Iran (played by the model): {state}"]

    # ------------------------------------------------------------------ what each team sees
    def seen_by(self, team: str, days: int | None = None) -> list[str]:
        """The events a team would plausibly know of, in plain words: its own acts as done,
        the others' as their targets read them (misperception included) and attacks blamed on
        the faction the US blamed. Nothing of what the other teams chose but did not do.

        Iran's team sees what its patron would know: its own perceived risk of a US strike on
        Iran and whether a halt is in force, the attacks of each faction as they were reported
        (the US's reading, as every other side gets them), and the US's acts as its factions
        read them, those at Iran-linked targets marked."""
        events = self.model.event_log()
        if days is not None:
            events = events[events.day >= self.model.day - days]
        labels = self.model.ladder.label_of
        if team == "iran":
            return self._seen_by_iran(events)
        lines = []
        for row in events.itertuples():
            if row.actor == team or (row.actor == "militia" and row.actor_name == team):
                lines.append(f"Day {row.day}: you: {labels[row.action]}")
                continue
            seen = labels[row.perceived_as]
            who = row.actor_name
            if team == "us" and row.actor == "militia" and row.attributed_to:
                who = row.attributed_to  # who the US thinks did it
            harm = f", {row.killed} killed" if row.killed else ""
            lines.append(f"Day {row.day}: {who}: {seen}{harm}")
        return lines

    def _seen_by_iran(self, events: pd.DataFrame) -> list[str]:
        ladder, iran = self.model.ladder, self.model.iran
        linked = ladder.iran_risk > 0
        lines = []
        for row in events.itertuples():
            mark = ""
            if row.actor == "us" and linked[ladder.rung_id(row.action)]:
                mark = " (at an Iran-linked target)"
            harm = f", {row.killed} killed" if row.killed else ""
            lines.append(
                f"Day {row.day}: {row.actor_name}: {ladder.label_of[row.perceived_as]}{mark}{harm}"
            )
        attacks = events[events.actor == "militia"]
        level = ladder.level[[ladder.rung_id(a) for a in attacks.perceived_as]]
        counts = attacks[level >= FORCE_LEVEL].actor_name.value_counts()
        lines.append(
            "Attacks reported: " + ", ".join(f"{f} {counts.get(f, 0)}" for f in self.factions) + "."
        )
        trigger = float(iran.params.halt_trigger[0])
        at = f" (the model's Iran orders a halt at {trigger:.2f})" if trigger > 0 else ""
        halt = "a halt is in force" if iran.halt_on[0] else "no halt is in force"
        lines.append(
            f"Now: your perceived risk of a US strike on Iran is {iran.risk[0]:.2f}{at}; {halt}."
        )
        return lines

    # ------------------------------------------------------------------ the debrief
    def model_play(self, replicas: int = 100) -> EscalationModel:
        """The same start played by the model alone (every actor by its policy) over the
        days played, sharing the class game's random streams (replica 0 is its world)."""
        auto = asdict(self.scenario)
        auto.update({"replicas": replicas, "horizon_days": max(self.model.day, 1)})
        return EscalationModel(auto, record_events=False).run()

    def debrief(self, replicas: int = 100) -> list[str]:
        """How the class's game compares with the model's games from the same start: how
        escalatory each team was (its mean level against the model's play of that actor),
        and when the crisis began (the index first at the crisis threshold)."""
        days = self.model.day
        if days == 0:
            return ["No turn played yet."]
        threshold = self.scenario.index.crisis_threshold
        index = self.model.series.data["escalation_index"][:days, 0]
        model = self.model_play(replicas)
        theirs = model.series.data["escalation_index"][:days]
        lines = [
            f"Mean escalation index: the class {index.mean():.1f}; the model's {replicas} games "
            f"{np.median(theirs.mean(axis=0)):.1f} (median); the class game was more escalatory "
            f"than {np.mean(theirs.mean(axis=0) < index.mean()):.0%} of them."
        ]
        began = np.flatnonzero(index >= threshold)
        model_began = [np.flatnonzero(theirs[:, r] >= threshold) for r in range(replicas)]
        model_days = [b[0] for b in model_began if len(b)]
        when = "never reached a crisis" if not len(began) else f"reached a crisis on day {began[0]}"
        median = (
            f"the model's games on day {int(np.median(model_days))} (median of the "
            f"{len(model_days)} that did)"
            if model_days
            else "none of the model's games did"
        )
        lines.append(f"The class game {when}; {median}.")
        events = self.model.event_log()
        for team in self.teams:
            if team == "iran":
                lines.append(self._iran_debrief(model.series.data["iran_halt"][:days]))
                continue
            mine = events[(events.actor == team) | (events.actor_name == team)]
            levels = mine.rung[mine.action != "withdrawal_step"]
            acts = len(levels)
            top = self.model.ladder.label_of[mine.action.iloc[levels.argmax()]] if acts else "—"
            chose = [t for t in self.turns if t["team"] == team]
            missed = sum(t["action"] == MODEL_PLAYED for t in chose)
            name = self.team_names[team][0].upper() + self.team_names[team][1:]
            lines.append(
                f"{name}: {acts} acts, the sharpest: {top}; chose in "
                f"{len(chose) - missed} of {len(chose)} turns."
            )
        return lines

    def _iran_debrief(self, model_halt: np.ndarray) -> str:
        """How escalatory Iran's team was: the share of its turns it backed the campaign,
        restrained or ordered a halt, and the days under a halt against the model's games."""
        chose = [t["action"] for t in self.turns if t["team"] == "iran"]
        n = len(chose)
        shares = ", ".join(
            f"{IRAN_ORDER_WORDS[o][1]} in {chose.count(o)}" for o in reversed(IRAN_ORDERS)
        )
        halted = self.model.series.data["iran_halt"][: self.model.day, 0].mean()
        return (
            f"Iran: {shares} of {n} turns (the model played {chose.count(MODEL_PLAYED)}); a halt "
            f"held on {halted:.0%} of days, in the model's games on "
            f"{np.median(model_halt.mean(axis=0)):.0%} (median)."
        )

    # ------------------------------------------------------------------ the exported game
    def choices_files(self) -> dict[str, bytes]:
        """The game as files: for the US and Iraq if a team played them, the level played on
        every day (``<actor>_choices.csv``, columns day and level, as the ``human`` policy's
        log reads); for the militia factions teams played, the level each played on every
        day (``militia_choices.csv``, columns day, faction and level; the factions nobody took
        are played by the replay's fallback, the model's militia policy, as in the game); the
        teams' turns (``turns.csv``) and the event log (``game_events.csv``); if a team played
        Iran, its orders (``iran_orders.csv``: columns day, days and order, as ``iran.orders``
        reads them; the turns it missed are the model's Iran, as in the game).

        The levels are those the actor's policy decided (a team's choice, or the model's on a
        turn the team missed), so the game replays exactly through the command line
        (:meth:`replay_command`)."""
        days = range(self.model.day)
        files = {}
        for actor in ACTING_ACTORS:
            levels = self._played[actor].levels
            if actor == "militia":
                taken = [f for f in self.factions if f in self.ever_human]
                if not taken:
                    continue
                rows = [
                    {"day": d, "faction": f, "level": int(levels[d][0, self.factions.index(f)])}
                    for d in days
                    for f in taken
                ]
                frame = pd.DataFrame(rows, columns=["day", "faction", "level"])
            elif actor in self.ever_human:
                frame = pd.DataFrame(
                    {"day": list(days), "level": [int(np.max(levels[d])) for d in days]}
                )
            else:
                continue
            files[LOG_FILES[actor]] = _csv(frame)
        if "iran" in self.ever_human:
            given = [o for o in self.iran_orders if o["day"] < self.model.day]  # days played
            orders = pd.DataFrame(given, columns=["day", "days", "order"])
            files[LOG_FILES["iran"]] = _csv(orders)
        turns = pd.DataFrame(self.turns, columns=["turn", "day", "team", "action"])
        files["turns.csv"] = _csv(turns)
        files["game_events.csv"] = _csv(self.model.event_log())
        return files

    def replay_config(self, logs: dict[str, str]) -> dict[str, Any]:
        """The scenario that replays the game, with each actor's log (``logs``: actor ->
        path of its file, :data:`LOG_FILES`), as a mapping :func:`validate` takes."""
        config = asdict(self.scenario)
        config["replicas"] = 1
        config["horizon_days"] = self.model.day
        for actor, path in logs.items():
            if actor == "iran":
                config["iran"]["orders"] = str(path)
                continue
            config[actor]["policy"] = {"name": "human", "log": str(path)}
            if actor == "militia":
                config[actor]["policy"]["fallback"] = asdict(self.scenario.militia.policy)
        return config

    def played_actors(self) -> list[str]:
        """The actors whose choices a replay reads from a log (a team played them)."""
        taken = set(self.ever_human)
        return [
            a
            for a in (*ACTING_ACTORS, "iran")
            if a in taken or (a == "militia" and taken & set(self.factions))
        ]

    def replay_command(self) -> str:
        """The command line that replays the game from :meth:`choices_files`."""
        logs = []
        for actor in self.played_actors():
            if actor == "iran":
                logs.append(f"iran.orders={LOG_FILES['iran']}")
                continue
            logs.append(f"{actor}/policy=human {actor}.policy.log={LOG_FILES[actor]}")
            if actor == "militia":
                fallback = _hydra(self.scenario.militia.policy)
                quote = "'" if "{" in fallback else ""
                logs.append(f"{quote}militia.policy.fallback={fallback}{quote}")
        return (
            f"escalation-sim seed={self.scenario.seed} replicas=1 "
            f"horizon_days={self.model.day} {' '.join(logs)}"
        )


def _hydra(policy: PolicyParams) -> str:
    """A policy as a command-line value: its name when its parameters are its defaults, else
    a mapping of them."""
    if policy == type(policy)(name=policy.name):
        return policy.name
    fields = ",".join(f"{k}:{v}" for k, v in asdict(policy).items() if v is not None)
    return f"{{{fields}}}"


class Recorded:
    """An actor's policy for the room: whichever policy plays the turn (``inner``: a team's
    ``human`` policy or the model's own), with every day's decided levels kept."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.levels: dict[int, np.ndarray] = {}

    def decide(self, obs: Any) -> np.ndarray:
        """The inner policy's levels, recorded for the day."""
        levels = np.asarray(self.inner.decide(obs), dtype=np.int64)
        self.levels[int(obs.day)] = levels.copy()
        return levels


def _csv(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


class Rooms:
    """The rooms a server holds: at most ``limit``, each found by its code; a room untouched
    for ``idle_seconds`` is dropped. One thread ticks every room (resolves turns whose time is
    up), so a turn resolves even when nobody's page is open."""

    def __init__(self, limit: int = 20, idle_seconds: float = 3 * 3600, tick: float = 0.5) -> None:
        self.limit = limit
        self.idle_seconds = idle_seconds
        self.tick_seconds = tick
        self.rooms: dict[str, Room] = {}
        self.owners: dict[str, str] = {}  # room code -> the instructor's session
        self.touched: dict[str, float] = {}
        self.lock = threading.Lock()
        self._ticker: threading.Thread | None = None

    def open(
        self, owner: str, scenario: ScenarioConfig, turn_days: int, turn_seconds: float
    ) -> Room:
        """A new room run by ``owner`` (a session); ValueError when the server is full."""
        with self.lock:
            self._drop_idle()
            if len(self.rooms) >= self.limit:
                raise ValueError(f"this server already runs {self.limit} rooms; close one first")
            room = Room(scenario, turn_days, turn_seconds, code=new_code(set(self.rooms)))
            self.rooms[room.code] = room
            self.owners[room.code] = owner
            self.touched[room.code] = time.monotonic()
            if self._ticker is None or not self._ticker.is_alive():
                self._ticker = threading.Thread(target=self._tick_forever, daemon=True)
                self._ticker.start()
            return room

    def get(self, code: str) -> Room | None:
        """The room with this code, if it is open."""
        with self.lock:
            room = self.rooms.get(code)
            if room is not None:
                self.touched[code] = time.monotonic()
            return room

    def owned_by(self, owner: str) -> Room | None:
        """The room a session opened (an instructor who reloads gets it back)."""
        with self.lock:
            codes = [c for c, o in self.owners.items() if o == owner]
        return self.get(codes[-1]) if codes else None

    def joined_by(self, member: str) -> Room | None:
        """The room a session joined as a team member (a laptop that reconnects)."""
        with self.lock:
            rooms = [r for r in self.rooms.values() if member in r.members]
        return rooms[-1] if rooms else None

    def close(self, code: str) -> None:
        """Drop a room."""
        with self.lock:
            for table in (self.rooms, self.owners, self.touched):
                table.pop(code, None)

    def _drop_idle(self) -> None:
        now = time.monotonic()
        for code, when in list(self.touched.items()):
            if now - when > self.idle_seconds:
                for table in (self.rooms, self.owners, self.touched):
                    table.pop(code, None)

    def _tick_forever(self) -> None:
        while True:
            time.sleep(self.tick_seconds)
            with self.lock:
                rooms = list(self.rooms.values())
            for room in rooms:
                try:
                    room.tick()
                except Exception:
                    logger.exception("class room %s: a turn failed", room.code)


ROOMS = Rooms()
"""The server's rooms."""
