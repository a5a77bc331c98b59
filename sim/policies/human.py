"""A policy whose choices come from a person (classroom play), or from a recorded game."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.core.ladder import ACTORS
from sim.core.params import ConfigError, param
from sim.policies.base import Observation, Policy, PolicyParams, register


@register
class Human(Policy):
    """Play the level a person chose for the day; do nothing on days without a choice.

    In class the game (:mod:`sim.classroom.game`) schedules each turn's choice before stepping. A
    finished game's log (its ``choices.csv``: columns ``day`` and ``level``) replays the same
    choices, which is how a game is reproduced in tests or from the command line
    (``us/policy=human us.policy.log=choices.csv``).
    """

    name = "human"
    actors = ACTORS
    classifier = {"memory_depth": 0, "stochastic": False}

    @dataclass
    class Params(PolicyParams):
        name: str = "human"
        log: str | None = param(
            None, doc="A game's choices.csv (columns day, level) to replay; null = none."
        )

    @classmethod
    def check(cls, params: Params, key: str) -> None:
        if params.log:
            try:
                read_choices(params.log)
            except ValueError as ex:
                raise ConfigError(f"{key}.log", str(ex)) from None

    def __init__(self, params: Params, shape: int | tuple[int, ...], max_level: int) -> None:
        super().__init__(params, shape, max_level)
        self.schedule: dict[int, int] = read_choices(params.log) if params.log else {}

    def choose(self, day: int, level: int) -> None:
        """Schedule the person's choice for a day."""
        self.schedule[day] = int(level)

    def decide(self, obs: Observation) -> np.ndarray:
        level = min(self.schedule.get(obs.day, 0), self.max_level)
        return np.full(np.shape(obs.opponent), level, dtype=np.int64)


def read_choices(path: str | Path) -> dict[int, int]:
    """A game's choices (a CSV with columns ``day`` and ``level``; others are ignored) as
    {day: level}. Raises ValueError with a one-line reason for a file that cannot be used."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as ex:
        raise ValueError(f"cannot read {path}: {ex.__class__.__name__}: {ex}") from None
    if rows and not {"day", "level"} <= set(rows[0]):
        raise ValueError(f"{path} needs the columns day and level; it has {', '.join(rows[0])}")
    schedule = {}
    for line, row in enumerate(rows, start=2):
        try:
            day, level = int(row["day"]), int(row["level"])
        except (TypeError, ValueError):
            raise ValueError(
                f"{path}, line {line}: day and level must be whole numbers, got "
                f"{row['day']!r} and {row['level']!r}"
            ) from None
        if day < 0:
            raise ValueError(f"{path}, line {line}: day must be >= 0, got {day}")
        schedule[day] = level
    return schedule
