"""A policy whose choices come from a person (classroom play), or from a recorded game."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.core.ladder import ACTING_ACTORS
from sim.core.params import ConfigError, param
from sim.files import read_rows
from sim.policies.base import Draws, Observation, Policy, PolicyParams, make_policy, register

Schedule = dict[int, dict[str | None, int]]
"""Choices by day: {day: {faction name, or None for every faction: level}}."""


@register
class Human(Policy):
    """Play the level a person chose for the day; without a choice, the fallback's (or none).

    On a day without a choice the actor does nothing, or the ``fallback`` policy decides.
    In class the game (:mod:`sim.classroom.room`) schedules each turn's choices before
    stepping. A finished game's log (``<actor>_choices.csv``: columns ``day`` and ``level``,
    and for the militias optionally ``faction``) replays the same choices, which is how a game
    is reproduced in tests or from the command line (``us/policy=human
    us.policy.log=us_choices.csv``). A militia row without a faction is every faction's
    choice; a row naming a faction is that faction's (it wins over a row for all factions).
    A faction without a row for a day is played by the ``fallback`` policy (e.g. ``hazard``,
    the model's own militia policy), or does nothing if there is none. The fallback decides
    every day for every faction (its state and its reading of the day's random numbers are
    those of a game it played alone); the people's rows replace its levels.
    """

    name = "human"
    actors = ACTING_ACTORS
    classifier = {"memory_depth": 0, "stochastic": False}

    @dataclass
    class Params(PolicyParams):
        name: str = "human"
        log: str | None = param(
            None,
            doc="A game's choices (a CSV with columns day, level and, for the militias, "
            "optionally faction) to replay; null = none.",
        )
        fallback: Any = param(
            None,
            doc="The policy (a name, or a mapping with its name and parameters) that plays "
            "on days without a choice, for each faction without one; null = do nothing.",
        )

    @classmethod
    def check(cls, params: Params, key: str, factions: Sequence[str] = ()) -> None:
        if params.log:
            try:
                read_choices(params.log, factions)
            except ValueError as ex:
                raise ConfigError(f"{key}.log", str(ex)) from None
        if isinstance(params.fallback, PolicyParams) and params.fallback.name == cls.name:
            raise ConfigError(f"{key}.fallback.name", "the fallback cannot be a person")

    def __init__(
        self,
        params: Params,
        shape: int | tuple[int, ...],
        max_level: int,
        draws: Draws = None,
    ) -> None:
        super().__init__(params, shape, max_level, draws)
        self.schedule: Schedule = {}
        self._read = False
        self.fallback: Policy | None = (
            make_policy(params.fallback, shape, max_level, draws)
            if isinstance(params.fallback, PolicyParams)
            else None
        )

    def choose(self, day: int, level: int, faction: str | None = None) -> None:
        """Schedule a person's choice for a day: for one faction, or (None) for all."""
        self._load()
        self.schedule.setdefault(day, {})[faction] = int(level)

    def _load(self) -> None:
        # The log is read once the faction names are known (make_policy sets them).
        if not self._read:
            self._read = True
            if self.params.log:
                for day, rows in read_choices(self.params.log, self.factions).items():
                    self.schedule.setdefault(day, {}).update(rows)

    def decide(self, obs: Observation) -> np.ndarray:
        self._load()
        shape = np.shape(obs.opponent)
        if self.fallback is None:
            levels = np.zeros(shape, dtype=np.int64)
        else:
            levels = np.array(self.fallback.decide(obs), dtype=np.int64).reshape(shape)
        for faction, level in sorted(
            self.schedule.get(obs.day, {}).items(), key=lambda kv: kv[0] is not None
        ):
            column = slice(None) if faction is None else self.factions.index(faction)
            levels[..., column] = min(level, self.max_level)
        return levels


def read_choices(path: str | Path, factions: Sequence[str] = ()) -> Schedule:
    """A game's choices (a CSV with columns ``day`` and ``level`` and optionally ``faction``;
    others are ignored) as {day: {faction or None: level}}; ``factions`` are the names a row
    may give (the militia factions; none for another actor). Raises ValueError with a
    one-line reason for a file that cannot be used."""
    rows = read_rows(path, ("day", "level"))
    schedule: Schedule = {}
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
        faction = (row.get("faction") or "").strip() or None
        if faction is not None and not factions:
            raise ValueError(
                f"{path}, line {line}: faction {faction!r} given, but only the militias' "
                "choices name factions"
            )
        if faction is not None and faction not in factions:
            raise ValueError(
                f"{path}, line {line}: unknown faction {faction!r}; the factions are "
                f"{', '.join(factions)}"
            )
        schedule.setdefault(day, {})[faction] = level
    return schedule
