"""Classroom play: a person takes one actor's decisions, turn by turn, against the model.

Pure Python (no web framework), so the turn loop and the plain-words event log are tested on
their own and the web app (:mod:`sim.classroom.app`) is a thin view of them. The person's choices go
through the ordinary ``human`` policy; a finished game's ``choices.csv`` replays it exactly.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.metrics import daily_quantiles
from sim.config.schema import ScenarioConfig
from sim.config.validation import validate
from sim.files import write_csv
from sim.model.escalation import EscalationModel

ROLES = ("us", "iraq")
"""Actors a student can play."""

ROLE_NAMES = {"us": "US", "iraq": "Iraqi government"}
"""How the app and the verdict name each role."""


def event_sentence(row: Any, labels: Mapping[str, str]) -> str:
    """One event-log row in plain words, e.g. 'Day 103, 2024-01-28: Kataib Hezbollah:
    mass-casualty attack on US forces, 3 US killed, 30 US wounded'.

    Args:
        row: An event-log row (attribute access: day, date, actor, actor_name, target_name,
            action, perceived_as, attributed_to, killed, wounded).
        labels: Plain-words label of each rung name (the ladder's ``label`` field).
    """
    date = pd.Timestamp(row.date).strftime("%Y-%m-%d")
    text = f"Day {row.day}, {date}: {row.actor_name}: {labels.get(row.action, row.action)}"
    if row.actor != "militia" and row.action != "withdrawal_step":
        text += f" (target: {row.target_name})"
    harm = []
    victims = "US" if row.actor == "militia" else "militia"
    if row.killed:
        harm.append(f"{row.killed} {victims} killed")
    if row.wounded:
        harm.append(f"{row.wounded} {victims} wounded")
    if harm:
        text += ", " + ", ".join(harm)
    notes = []
    if row.perceived_as != row.action:
        notes.append(f"read as: {labels.get(row.perceived_as, row.perceived_as)}")
    if (
        isinstance(row.attributed_to, str)
        and row.attributed_to
        and row.attributed_to != row.actor_name
    ):
        notes.append(f"the US blamed {row.attributed_to}")
    if notes:
        text += f" ({'; '.join(notes)})"
    return text


def moves(model: EscalationModel, actor: str) -> list[tuple[str, str]]:
    """(rung name, label) of every move a person playing ``actor`` may choose, least
    escalatory first (a withdrawal step follows the schedule, it is not chosen)."""
    rungs = [
        r for r in model.config.ladder.rungs if actor in r.actors and r.name != "withdrawal_step"
    ]
    return [(r.name, model.ladder.label_of[r.name]) for r in sorted(rungs, key=lambda r: r.level)]


class Game:
    """One classroom game: the student plays ``role``; every other actor follows its policy.

    Args:
        config: The scenario (mapping or ScenarioConfig); it runs with one replica.
        role: "us" or "iraq".
        turn_days: Days per turn; the student's choice is played on a turn's first day.
    """

    def __init__(
        self,
        config: ScenarioConfig | Mapping[str, Any] | None = None,
        role: str = "us",
        turn_days: int = 7,
    ) -> None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        if turn_days < 1:
            raise ValueError(f"turn_days must be >= 1, got {turn_days}")
        self.scenario = validate(config)
        self.role = role
        self.turn_days = turn_days
        played = asdict(self.scenario)
        played["replicas"] = 1
        played[role]["policy"] = {"name": "human"}
        self.model = EscalationModel(played)
        self.choices: list[dict[str, Any]] = []
        self._model_play: dict[tuple[int, int], EscalationModel] = {}

    @property
    def options(self) -> list[tuple[str, str]]:
        """(rung name, label) of every move open to the student, least escalatory first."""
        return moves(self.model, self.role)

    @property
    def finished(self) -> bool:
        """Whether the horizon has been reached."""
        return self.model.day >= self.model.horizon

    @property
    def turn(self) -> int:
        """Number of turns played so far."""
        return len(self.choices)

    def play(self, action: str) -> list[str]:
        """Play one turn: the student's action on its first day, then the model to the turn's
        end. Returns the turn's events in plain words (all actors, with how each was read)."""
        if self.finished:
            raise RuntimeError("the game is over")
        names = [name for name, _ in self.options]
        if action not in names:
            raise ValueError(
                f"{action!r} is not open to {self.role}; choose from: {', '.join(names)}"
            )
        day = self.model.day
        level = int(self.model.ladder.level[self.model.ladder.rung_id(action)])
        self._policy().choose(day, level)
        self.choices.append(
            {
                "turn": self.turn + 1,
                "day": day,
                "date": self.model.date_of(day),
                "level": level,
                "action": action,
            }
        )
        self.model.run(self.turn_days)
        events = self.model.event_log()
        turn_events = events[events.day >= day]
        return [event_sentence(row, self.model.ladder.label_of) for row in turn_events.itertuples()]

    def replay(self, choices: list[tuple[int, str]]) -> None:
        """Play recorded turns again: (day, action) pairs as a game's ``choices.csv`` holds
        them. Raises ValueError if a turn does not start on its recorded day (the file was
        recorded with other settings) or an action is not open to the role."""
        for turn, (day, action) in enumerate(choices, start=1):
            if self.finished:
                raise ValueError(f"the game is over before turn {turn} of the file")
            if day != self.model.day:
                raise ValueError(
                    f"turn {turn} of the file was played on day {day}, but with these settings "
                    f"turn {turn} starts on day {self.model.day}: use the game's own number of "
                    "days per turn"
                )
            self.play(action)

    def _policy(self):
        return self.model.us.policy if self.role == "us" else self.model.iraq.policy

    def totals(self) -> dict[str, int]:
        """Running totals of the game so far."""
        if self.model.day == 0:
            return {"attacks": 0, "strikes": 0, "us_killed": 0, "militia_killed": 0}
        d = self.model.series.data
        t = self.model.day - 1
        return {
            "attacks": int(d["cum_attacks"][t, 0]),
            "strikes": int(d["cum_strikes"][t, 0]),
            "us_killed": int(d["cum_us_killed"][t, 0]),
            "militia_killed": int(d["cum_militia_killed"][t, 0]),
        }

    def choices_frame(self) -> pd.DataFrame:
        """The student's choices: one row per turn."""
        return pd.DataFrame(self.choices, columns=["turn", "day", "date", "level", "action"])

    def save(self, folder: str | Path) -> dict[str, Path]:
        """Write the game's event log and its choices (which replay the game) as CSV."""
        folder = Path(folder)
        return {
            "events": write_csv(self.model.event_log(), folder / "game_events.csv"),
            "choices": write_csv(self.choices_frame(), folder / "choices.csv"),
        }

    def model_play(self, replicas: int = 100) -> EscalationModel:
        """The same scenario played by the role's configured policy over ``replicas``
        replicas, over the days played so far (run once per game length and size).

        It shares the game's random streams (replica 0 is the game's world), so differences
        from the student's game are the student's choices, not luck.
        """
        days = max(self.model.day, 1)
        key = (replicas, days)
        if key not in self._model_play:
            auto = copy.deepcopy(asdict(self.scenario))
            auto.update({"replicas": replicas, "horizon_days": days})
            self._model_play[key] = EscalationModel(auto, record_events=False).run()
        return self._model_play[key]

    def compare(self, replicas: int = 100) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The student's escalation index per day, and daily quantiles of the model's own
        play of the role (:meth:`model_play`) over the days played."""
        days = self.model.day
        student = pd.DataFrame(
            {
                "day": np.arange(days),
                "date": [self.model.date_of(d) for d in range(days)],
                "escalation_index": self.model.series.data["escalation_index"][:days, 0],
            }
        )
        q = daily_quantiles(self.model_play(replicas), ("escalation_index",))
        return student, q

    def verdict(self, replicas: int = 100) -> str:
        """Was the student more or less escalatory than the model's own play? One sentence
        comparing the student's mean escalation index with those of the model's games."""
        days = self.model.day
        if days == 0:
            return "No turn played yet."
        mine = float(self.model.series.data["escalation_index"][:days, 0].mean())
        theirs = self.model_play(replicas).series.data["escalation_index"][:days].mean(axis=0)
        below = float(np.mean(theirs < mine))
        above = float(np.mean(theirs > mine))
        if below >= 0.6:
            words = f"more escalatory than {below:.0%} of"
        elif above >= 0.6:
            words = f"less escalatory than {above:.0%} of"
        else:
            words = "about as escalatory as the typical one of"
        return (
            f"Your game was {words} the model's {replicas} games as the "
            f"{ROLE_NAMES[self.role]} (mean escalation index {mine:.1f}; the model's median "
            f"{float(np.median(theirs)):.1f})."
        )


def replay(
    config: ScenarioConfig | Mapping[str, Any] | None,
    choices_csv: str | Path,
    role: str = "us",
    days: int | None = None,
) -> EscalationModel:
    """Re-run a recorded game from its choices.csv (through the ``human`` policy's log)."""
    played = asdict(validate(config))
    played["replicas"] = 1
    played[role]["policy"] = {"name": "human", "log": str(choices_csv)}
    return EscalationModel(played).run(days)
