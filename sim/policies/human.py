"""A policy whose choices come from a person (classroom play), or from a recorded game."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.ladder import ACTORS
from sim.core.params import param
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

    def __init__(self, params: Params, shape: int | tuple[int, ...], max_level: int) -> None:
        super().__init__(params, shape, max_level)
        self.schedule: dict[int, int] = {}
        if params.log:
            import pandas as pd  # only when replaying a game

            choices = pd.read_csv(params.log)
            self.schedule = {
                int(d): int(lv) for d, lv in zip(choices.day, choices.level, strict=True)
            }

    def choose(self, day: int, level: int) -> None:
        """Schedule the person's choice for a day."""
        self.schedule[day] = int(level)

    def decide(self, obs: Observation) -> np.ndarray:
        level = min(self.schedule.get(obs.day, 0), self.max_level)
        return np.full(np.shape(obs.opponent), level, dtype=np.int64)
