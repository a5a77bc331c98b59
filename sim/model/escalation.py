"""EscalationModel: the United States, militia factions and the Iraqi government, day by day.

One model instance steps R replicas of one scenario together; every actor holds its state as
arrays over replicas (R = 1 is an ordinary single run). The day is defined once, in
:mod:`sim.model.day`; this class builds the actors and the world they share, runs days, and
turns what was recorded into tables.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.actors import ACTORS
from sim.config.initial_states import state_at
from sim.config.schema import ScenarioConfig
from sim.config.validation import validate
from sim.core.ladder import ACTING_ACTORS, Ladder
from sim.core.streams import ReplicaStreams
from sim.model.day import Rule, end_of_day, run_days, start_of_day
from sim.model.events import EventLog
from sim.model.memory import check_memory
from sim.model.outputs import SeriesRecorder
from sim.model.uncertainty import replica_parameters
from sim.model.world import build_world, slot_layout
from sim.policies import Observation, Policy
from sim.policies.dispatch import code_of


def stream_seed(cfg: ScenarioConfig) -> int | list[int]:
    """Entropy of the random streams: the seed alone under common random numbers, else the
    seed mixed with a fingerprint of every other setting of the scenario."""
    if cfg.common_random_numbers:
        return cfg.seed
    levers = dataclasses.asdict(cfg)
    for key in ("seed", "replicas", "output", "common_random_numbers"):
        levers.pop(key)
    digest = hashlib.sha256(json.dumps(levers, sort_keys=True, default=str).encode())
    return [cfg.seed, int.from_bytes(digest.digest()[:8], "little")]


def decide(policy: Policy, obs: Observation) -> np.ndarray:
    """A policy's levels for the day in the shape of its observation (as the day takes them)."""
    levels = np.asarray(policy.decide(obs), dtype=np.int64)
    return np.ascontiguousarray(levels.reshape(np.shape(obs.opponent)))


class EscalationModel(mesa.Model):
    """The escalation model for R replicas of one scenario.

    Args:
        config: A :class:`ScenarioConfig`, a nested mapping of overrides to the defaults, or
            None for the default scenario. It is validated first.
        replica_ids: Global indices of the replicas to run (default ``range(config.replicas)``).
            Replica r of seed s is the same trajectory whatever else is run beside it.
        record_events: Keep the event log (one row per action); sweeps that only need
            summaries turn it off to save memory.

    Example:
        >>> model = EscalationModel({"seed": 7, "replicas": 10, "horizon_days": 90})
        >>> model.run()
        >>> model.timeseries().shape[0]
        900
    """

    def __init__(
        self,
        config: ScenarioConfig | Mapping[str, Any] | None = None,
        *,
        replica_ids: Sequence[int] | None = None,
        record_events: bool = True,
    ) -> None:
        cfg = validate(config)
        super().__init__(seed=cfg.seed)
        self.config = cfg
        self.ladder = Ladder(cfg.ladder)
        ids = range(cfg.replicas) if replica_ids is None else replica_ids
        self.replica_ids = np.asarray(ids, dtype=np.int64)
        self.n_replicas = n = len(self.replica_ids)
        self.n_factions = len(cfg.militia.factions)
        self.horizon = cfg.horizon_days
        check_memory(  # before anything large is allocated
            self.horizon, n, events=record_events, table=cfg.output.timeseries
        )
        self.start_date = np.datetime64(cfg.start_date, "D")
        self.day = 0
        self.running = True

        self.draws = replica_parameters(cfg, self.replica_ids)
        """Each replica's posterior draw of the calibrated parameters it draws, by key."""
        self.slots, width = slot_layout(self.n_factions)
        self.streams = ReplicaStreams(stream_seed(cfg), self.replica_ids, width)
        # every actor's agent, in their order (sim.actors.ACTORS): self.us, self.militia (and
        # self.militias, its factions), self.iraq, self.iran, self.withdrawal
        for actor in ACTORS:
            setattr(self, actor.name, actor.build(self))
        # Mesa 3.3 numbers agents with a class-level counter per model (mesa.Agent._ids) that
        # holds the model for the life of the process (mesa issue 3179, fixed after 3.3): a
        # sweep worker running one model after another grew by ~40 MB a run until joblib's
        # worker recycling restarted it. Every agent of this model exists by now, so the
        # counter is no longer needed.
        mesa.Agent._ids.pop(self, None)

        for key, value in state_at(cfg.start_date).items():
            actor, name = key.split(".")
            getattr(getattr(self, actor).state, name)[...] = value

        self.series = SeriesRecorder(self.horizon, n)
        self.events = EventLog(cfg, self.streams.chunk_days, n) if record_events else None
        self.world = build_world(self)

    def draws_of(self, actor: str) -> dict[str, np.ndarray]:
        """The replicas' draws of an actor's policy parameters, by parameter name."""
        prefix = f"{actor}.policy."
        return {k.removeprefix(prefix): v for k, v in self.draws.items() if k.startswith(prefix)}

    @property
    def deciders(self) -> tuple[Policy, ...]:
        """The policies that decide each day, one per acting actor in the order of
        :data:`sim.core.ladder.ACTING_ACTORS` (the US, the militias, Iraq), read each day: a policy
        swapped on an agent takes over from the next day."""
        return tuple(getattr(self, actor).policy for actor in ACTING_ACTORS)

    def _compiled_rules(self) -> tuple[Rule, ...] | None:
        """Each actor's policy as the compiled day calls it; None if one needs Python."""
        rules = []
        for policy in self.deciders:
            code = code_of(policy)
            if code is None:
                return None
            rules.append(Rule(code, policy.rule_args(), policy.max_level))
        return tuple(rules)

    @property
    def compiled(self) -> bool:
        """Whether :meth:`run` runs stretches of days compiled (every policy has a kernel)."""
        return self._compiled_rules() is not None

    @property
    def first_day(self) -> np.ndarray:
        """(R, rungs): first day each rung was played, -1 if never."""
        return self.world.tallies.first_day

    @property
    def escalation_index(self) -> np.ndarray:
        """The escalation index after the latest day (per replica; a copy)."""
        return self.world.tallies.index.copy()

    def date_of(self, day: int) -> np.datetime64:
        """Calendar date of a model day."""
        return self.start_date + np.timedelta64(day, "D")

    # ------------------------------------------------------------------ the day
    def step(self) -> None:
        """Simulate one day for every replica, the decisions taken in Python."""
        if self.day >= self.horizon:
            self.running = False
            return
        t, u = self.day, self.streams.next_day()
        observations = start_of_day(t, u, self.world)
        levels = [decide(p, obs) for p, obs in zip(self.deciders, observations, strict=True)]
        end_of_day(t, u, self.world, *levels)
        self._advance(1)

    def run(self, days: int | None = None) -> EscalationModel:
        """Run ``days`` days (default: to the horizon) and return the model.

        When every policy is compiled the days run in compiled stretches of as many days as
        the drawn random numbers hold, else one by one through :meth:`step`: the same day
        either way (:mod:`sim.model.day`), to the same numbers.
        """
        end = self.horizon if days is None else min(self.horizon, self.day + days)
        rules = self._compiled_rules()
        while self.day < end:
            if rules is None:
                self.step()
                continue
            chunk, first, n = self.streams.next_days(end - self.day)
            run_days(self.day, n, chunk, first, self.world, *rules)
            self.steps += n  # Mesa's step counter, as step() counts
            self._advance(n)
        self.running = self.day < self.horizon
        return self

    def _advance(self, days: int) -> None:
        self.day += days
        self.running = self.day < self.horizon
        if self.events is not None:
            self.events.collect()

    # ------------------------------------------------------------------ results
    def timeseries(self) -> pd.DataFrame:
        """Daily series so far: one row per replica per day (:data:`sim.model.outputs.SERIES`)."""
        return self.series.frame(self.day, self.replica_ids, self.start_date)

    def event_log(self) -> pd.DataFrame:
        """Every action so far: one row per action."""
        if self.events is None:
            raise RuntimeError("this model was built with record_events=False: no event log")
        return self.events.frame(self.ladder, self.replica_ids, self.start_date)

    def withdrawal_days(self) -> tuple[np.ndarray, np.ndarray]:
        """Per replica: day withdrawal started and day it completed (NaN if not by now)."""
        start = self.withdrawal.start.astype(float)
        done = self.withdrawal.completed_day().astype(float)
        start = np.where(start < self.day, start, math.nan)
        done = np.where(done < self.day, done, math.nan)
        return start, done
