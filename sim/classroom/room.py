"""Class mode: one shared crisis in which student teams play actors and the model plays the rest.

A :class:`Room` is a game of one world (one replica). Teams take the US, a militia faction
(each faction of the scenario's ``militia.factions`` is a team of its own) or the Iraqi
government; an actor or faction nobody took is played by its configured policy. Each turn
every team chooses privately; the turn resolves when every team has chosen or its time is up,
and a team that did not choose is played by the model for that turn. Pure Python (no web
framework), so the turn loop, what each team may see, the debrief and the exported game are
tested on their own; the web app (:mod:`sim.classroom.app`) is a view of it.

How a team's choice is played: for the turn, the US's or Iraq's agent gets a ``human`` policy
with the choice scheduled on the turn's first day (the model reads each actor's policy every
day, so a swapped policy takes over from the next day); otherwise its own policy. The militias
always play a ``human`` policy whose ``fallback`` is the model's own militia policy: a faction
team's choice is scheduled for that faction (its level on the turn's first day, nothing on
the turn's other days), and every faction without a choice is played by the fallback. The
exported game holds every day's level of each actor and faction a team played
(:meth:`Room.choices_files`), which replays the game exactly through the ordinary command
line's ``<actor>.policy.log``.
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
from sim.config.schema import ScenarioConfig
from sim.model.escalation import EscalationModel
from sim.policies import POLICIES, PolicyParams, make_policy

logger = logging.getLogger("sim.classroom")


def team_names(scenario: ScenarioConfig) -> dict[str, str]:
    """The teams of a scenario's class game and how they are named: the US, each militia
    faction (its team is its name) and the Iraqi government."""
    factions = {f.name: f.name for f in scenario.militia.factions}
    if {"us", "iraq"} & set(factions):
        raise ValueError("a militia faction cannot be named 'us' or 'iraq' in class mode")
    return {"us": "United States", **factions, "iraq": "the Iraqi government"}


TEAMS = team_names(ScenarioConfig())
"""The teams of the default scenario."""

ACTORS = ("us", "militia", "iraq")

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
        self.ever_human: set[str] = set()
        self.paused_left: float | None = None
        self.deadline = clock() + turn_seconds
        self.version = 0  # bumped on every change, so views know when to redraw
        self.last_lines: list[str] = []
        self.team_names = team_names(self.scenario)
        self.factions = [f.name for f in self.scenario.militia.factions]
        self._auto = {actor: self._agent(actor).policy for actor in ACTORS}
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
        return {"us": self.model.us, "militia": self.model.militia, "iraq": self.model.iraq}[actor]

    def actor_of(self, team: str) -> str:
        """The actor a team plays: "us", "iraq", or "militia" for a faction's team."""
        return team if team in ("us", "iraq") else "militia"

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
        """(rung name, label) of the moves open to a team, least escalatory first."""
        return moves(self.model, self.actor_of(team))

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
        if action not in dict(self.options(team)):
            raise ValueError(f"{action!r} is not open to {self.team_names[team]}")
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
            for team in self.team_names:
                action = self.choices.get(team)
                actor = self.actor_of(team)
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
                    self.turns.append(
                        {
                            "turn": self.turn,
                            "day": day,
                            "team": team,
                            "action": action if action is not None else "(the model played)",
                        }
                    )
            self.model.run(self.turn_days)
            events = self.model.event_log()
            self.last_lines = [
                event_sentence(r, ladder.label_of) for r in events[events.day >= day].itertuples()
            ]
            self.choices = {}
            self.deadline = self.clock() + self.turn_seconds
            self.version += 1

    # ------------------------------------------------------------------ what each team sees
    def seen_by(self, team: str, days: int | None = None) -> list[str]:
        """The events a team would plausibly know of, in plain words: its own acts as done,
        the others' as their targets read them (misperception included) and attacks blamed on
        the faction the US blamed. Nothing of what the other teams chose but did not do."""
        events = self.model.event_log()
        if days is not None:
            events = events[events.day >= self.model.day - days]
        labels = self.model.ladder.label_of
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
        theirs = self.model_play(replicas).series.data["escalation_index"][:days]
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
            mine = events[(events.actor == team) | (events.actor_name == team)]
            levels = mine.rung[mine.action != "withdrawal_step"]
            acts = len(levels)
            top = self.model.ladder.label_of[mine.action.iloc[levels.argmax()]] if acts else "—"
            chose = [t for t in self.turns if t["team"] == team]
            missed = sum(t["action"] == "(the model played)" for t in chose)
            name = self.team_names[team][0].upper() + self.team_names[team][1:]
            lines.append(
                f"{name}: {acts} acts, the sharpest: {top}; chose in "
                f"{len(chose) - missed} of {len(chose)} turns."
            )
        return lines

    # ------------------------------------------------------------------ the exported game
    def choices_files(self) -> dict[str, bytes]:
        """The game as files: for the US and Iraq if a team played them, the level played on
        every day (``<actor>_choices.csv``, columns day and level, as the ``human`` policy's
        log reads); for the militia factions teams played, the level each played on every
        day (``militia_choices.csv``, columns day, faction and level; the factions nobody took
        are played by the replay's fallback, the model's militia policy, as in the game); the
        teams' turns (``turns.csv``) and the event log (``game_events.csv``).

        The levels are those the actor's policy decided (a team's choice, or the model's on a
        turn the team missed), so the game replays exactly through the command line
        (:meth:`replay_command`)."""
        days = range(self.model.day)
        files = {}
        for actor in ACTORS:
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
            files[f"{actor}_choices.csv"] = _csv(frame)
        turns = pd.DataFrame(self.turns, columns=["turn", "day", "team", "action"])
        files["turns.csv"] = _csv(turns)
        files["game_events.csv"] = _csv(self.model.event_log())
        return files

    def replays_exactly(self) -> bool:
        """Whether :meth:`choices_files` replays the game to the last event: always, now
        that each militia faction has its own rows (kept for the app and older callers)."""
        return True

    def replay_config(self, logs: dict[str, str]) -> dict[str, Any]:
        """The scenario that replays the game, with each actor's log (``logs``: actor ->
        path of its ``<actor>_choices.csv``), as a mapping :func:`validate` takes."""
        config = asdict(self.scenario)
        config["replicas"] = 1
        config["horizon_days"] = self.model.day
        for actor, path in logs.items():
            config[actor]["policy"] = {"name": "human", "log": str(path)}
            if actor == "militia":
                config[actor]["policy"]["fallback"] = asdict(self.scenario.militia.policy)
        return config

    def played_actors(self) -> list[str]:
        """The actors whose choices a replay reads from a log (a team played them)."""
        taken = set(self.ever_human)
        return [a for a in ACTORS if a in taken or (a == "militia" and taken & set(self.factions))]

    def replay_command(self) -> str:
        """The command line that replays the game from :meth:`choices_files`."""
        logs = []
        for actor in self.played_actors():
            logs.append(f"{actor}/policy=human {actor}.policy.log={actor}_choices.csv")
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
