"""EscalationModel: the United States, militia factions and the Iraqi government, day by day.

One model instance steps R replicas of one scenario together; every agent holds its state as
arrays over replicas (R = 1 is an ordinary single run). A day runs in three phases:

1. Iran sets its restraint signal from yesterday's US deaths; withdrawal steps are taken.
2. Every actor decides simultaneously on what it perceived ``reaction_lag_days`` ago.
3. The model resolves outcomes (casualties, damage), each adversary reads each action (with
   misperception and misattribution), and the agents absorb the effects.
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

from sim.actors.agents import IranPatron, IraqiGovernment, Militia, MilitiaForces, UnitedStates
from sim.actors.withdrawal import WithdrawalSchedule
from sim.config.schema import ScenarioConfig
from sim.config.validation import validate
from sim.core.casualties import PoissonTable
from sim.core.ladder import FORCE_LEVEL as FORCE
from sim.core.ladder import Ladder
from sim.core.perception import LagBuffer
from sim.core.streams import ReplicaStreams, SlotLayout
from sim.model import engine
from sim.model.outputs import EventLog, SeriesRecorder
from sim.model.resolve import DayOutcome, resolve_day

PER_FACTION_SLOTS = (
    "mil_policy",
    "mil_read",
    "mil_absorb",
    "mil_killed",
    "mil_wounded",
    "mil_blame",
    "mil_blame_pick",
    "us_jitter",
    "mil_truce",
)


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


class EscalationModel(mesa.Model):
    """The escalation model for R replicas of one scenario.

    Args:
        config: A :class:`ScenarioConfig`, a nested mapping of overrides to the defaults, or
            None for the default scenario. It is validated first.
        replica_ids: Global indices of the replicas to run (default ``range(config.replicas)``).
            Replica r of seed s is the same trajectory whatever else is run beside it.
        record_events: Keep the event log (one row per action); sweeps that only need
            summaries turn it off to save time.

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
        self.n_factions = nf = len(cfg.militia.factions)
        self.horizon = cfg.horizon_days
        self.start_date = np.datetime64(cfg.start_date, "D")
        self.day = 0
        self.running = True

        self.slots = SlotLayout()
        for name in ("us_policy", "us_read", "strike_killed", "iraq_policy"):
            self.slots.add(name)
        for name in PER_FACTION_SLOTS:
            self.slots.add(name, nf)
        self.streams = ReplicaStreams(stream_seed(cfg), self.replica_ids, self.slots.width)
        # First columns of the slots the day's resolution reads, in resolve_day's order.
        self._resolve_slots = tuple(
            self.slots[name].start
            for name in (
                "mil_absorb",
                "mil_killed",
                "mil_wounded",
                "mil_read",
                "mil_blame",
                "mil_blame_pick",
                "strike_killed",
                "us_read",
            )
        )

        lag = 1 + max(
            cfg.us.reaction_lag_days, cfg.militia.reaction_lag_days, cfg.iraq.reaction_lag_days
        )
        self.seen_by_us = LagBuffer(lag, (n, nf))
        self.blamed_by_us = LagBuffer(lag, (n, nf))
        self.seen_by_militia = LagBuffer(lag, (n,))
        self.us_target_log = LagBuffer(lag, (n,))
        self.us_level_log = LagBuffer(lag, (n,))
        self.militia_level_log = LagBuffer(lag, (n,))
        self._us_killed_yesterday = np.zeros(n, dtype=np.int64)

        self.killed = PoissonTable(self.ladder.killed_mean)
        self.wounded = PoissonTable(self.ladder.wounded_mean)
        self.truce_rung = self.ladder.rung_id("truce")
        self.withdrawal_rung = self.ladder.rung_id("withdrawal_step")
        self.none_rung = self.ladder.rung_id("none")

        self.us = UnitedStates(self)
        self.militia = MilitiaForces(self)
        self.militias = [
            Militia(self, self.militia, i, f) for i, f in enumerate(cfg.militia.factions)
        ]
        self.iraq = IraqiGovernment(self)
        self.iran = IranPatron(self)
        self.withdrawal = WithdrawalSchedule(cfg.withdrawal, cfg.us.troops_iraq, n)
        # Mesa 3.3 numbers agents with a class-level counter per model (mesa.Agent._ids) that
        # holds the model for the life of the process (mesa issue 3179, fixed after 3.3): a
        # sweep worker running one model after another grew by ~40 MB a run until joblib's
        # worker recycling restarted it. Every agent of this model exists by now, so the
        # counter is no longer needed.
        mesa.Agent._ids.pop(self, None)
        self.parties = [
            "United States",
            *(f.name for f in cfg.militia.factions),
            "Iraqi government",
            "all militia factions",
        ]
        self.party_actor = ["us", *(["militia"] * nf), "iraq", "militia"]
        self.iraq_party = nf + 1
        self.all_militias_party = nf + 2

        self._rows_rf = np.repeat(np.arange(n)[:, None], nf, axis=1)
        self._party_rf = np.broadcast_to(1 + np.arange(nf), (n, nf))
        self._exposed0 = max(cfg.us.troops_iraq + cfg.us.troops_syria, 1)
        self._index_decay = 0.5 ** (1.0 / cfg.index.half_life_days)
        self.escalation_index = np.zeros(n)
        # Running totals: attacks, strikes, US killed, US wounded, militia killed.
        self._cumulative = np.zeros((5, n), dtype=np.int64)
        self._no_forced_killed = np.full(nf + 1, -1, dtype=np.int64)
        self.first_day = np.full((n, len(self.ladder.names)), -1, dtype=np.int64)
        self.series = SeriesRecorder(self.horizon, n)
        self.events = EventLog() if record_events else None
        self._shocks = self._index_shocks()

    # ------------------------------------------------------------------ helpers
    def _index_shocks(self) -> dict[int, list[tuple[str, int, int, int | None]]]:
        """Shocks by day as (actor, faction index, rung id, forced deaths)."""
        names = [f.name for f in self.config.militia.factions]
        out: dict[int, list] = {}
        for s in self.config.shocks:
            faction = 0 if s.faction is None else names.index(s.faction)
            out.setdefault(s.day, []).append(
                (s.actor, faction, self.ladder.rung_id(s.action), s.killed)
            )
        return out

    def _apply_shock(self, t: int, actor: str, faction: int, rung: int) -> None:
        """The state a forced de-escalatory move sets, as if the actor had chosen it."""
        if actor == "militia" and rung == self.truce_rung:
            until = t + self.config.iran.pause_days
            self.militia.truce_until[:, faction] = np.maximum(
                self.militia.truce_until[:, faction], until
            )
        elif actor == "iraq" and self.ladder.level[rung] < 0:
            self.iraq.mediation_until[:] = t + 1 + self.config.iraq.mediation_days

    def exposure(self) -> np.ndarray:
        """US troops within the militias' reach (Iraq and Syria) relative to the start."""
        return (self.us.troops + self.config.us.troops_syria) / self._exposed0

    def regional_war(self, t: int) -> float:
        """Regional war intensity on day t: exponential decline from initial to floor."""
        w = self.config.regional_war
        return w.floor + (w.initial - w.floor) * 0.5 ** (t / w.half_life_days)

    def date_of(self, day: int) -> np.datetime64:
        """Calendar date of a model day."""
        return self.start_date + np.timedelta64(day, "D")

    # ------------------------------------------------------------------ the day
    def step(self) -> None:
        """Simulate one day for every replica."""
        if self.day >= self.horizon:
            self.running = False
            return
        t = self.day
        cfg = self.config
        ladder = self.ladder
        u = self.streams.next_day()
        war = self.regional_war(t)

        # Phase 1: patron signal and withdrawal.
        self.iran.signal(t, self._us_killed_yesterday)
        self.withdrawal.trigger(t, self.iraq.pressure)
        self.us.troops, stepping = self.withdrawal.advance(t)

        # Phase 2: simultaneous decisions.
        us_rung = self.us.decide(t, u)
        us_target = self.us.target.copy()
        mil_rung = self.militia.decide(t, u, war)  # (R, F)
        iraq_rung = self.iraq.decide(t, u)
        forced_killed: dict[int, int] = {}
        for actor, faction, rung, killed in self._shocks.get(t, ()):
            self._apply_shock(t, actor, faction, rung)
            if actor == "us":
                us_rung = np.full_like(us_rung, rung)
                us_target = np.full_like(us_target, faction)
                self.us.target = us_target.copy()
            elif actor == "militia":
                mil_rung[:, faction] = rung
            else:
                iraq_rung = np.full_like(iraq_rung, rung)
            if killed is not None:
                forced_killed[-1 if actor == "us" else faction] = killed

        # Phase 3: outcomes and perception (one compiled pass over replicas).
        forced = self._no_forced_killed
        if forced_killed:
            forced = forced.copy()
            for f, k in forced_killed.items():
                forced[f] = k  # faction index, or -1: the last entry, the US strike
        day = resolve_day(
            t,
            u,
            *self._resolve_slots,
            us_rung,
            mil_rung,
            iraq_rung,
            stepping,
            self.us.protection,
            float(cfg.us.protection_effect),
            self.killed.cdf,
            self.wounded.cdf,
            forced,
            ladder.level,
            ladder.min_level,
            ladder.max_level,
            ladder.iraq_sovereignty,
            ladder.goldstein,
            self.withdrawal_rung,
            self.none_rung,
            float(cfg.perception.noise),
            float(cfg.perception.misattribution),
            self.first_day,
            self.escalation_index,
            self._index_decay,
            self._cumulative,
        )
        self.escalation_index = day.escalation_index
        if self.events is not None:
            self._log_events(t, us_rung, us_target, mil_rung, iraq_rung, stepping, day)

        # Adversaries act on these readings after their reaction lags.
        self.seen_by_us.write(t, day.seen)
        self.blamed_by_us.write(t, day.blamed)
        self.seen_by_militia.write(t, day.us_seen)
        self.us_target_log.write(t, us_target)
        self.us_level_log.write(t, day.us_level)
        self.militia_level_log.write(t, day.militia_level)

        # Agents absorb the day.
        self.us.absorb(day.us_killed, day.us_wounded, day.attacks, day.used_force)
        self.militia.absorb(t, mil_rung, us_rung, us_target, self.iran.supply)
        self.iraq.absorb(day.sovereignty)
        self._us_killed_yesterday = day.us_killed

        cum = self._cumulative
        nf = self.n_factions
        self.series.record(
            t,
            {
                "escalation_index": day.escalation_index,
                "peak_level": day.peak,
                "goldstein": day.goldstein,
                "militia_attacks": day.attacks,
                "us_strikes": day.used_force,
                "us_killed": day.us_killed,
                "us_wounded": day.us_wounded,
                "militia_killed": day.militia_killed,
                "cum_attacks": cum[0],
                "cum_strikes": cum[1],
                "cum_us_killed": cum[2],
                "cum_us_wounded": cum[3],
                "cum_militia_killed": cum[4],
                "us_troops": self.us.troops,
                "us_pressure": self.us.pressure,
                "us_deterrence": self.us.deterrence,
                "us_force_protection": self.us.protection,
                "iraq_grievance": self.iraq.grievance,
                "iraq_pressure": self.iraq.pressure,
                # np.mean's arithmetic without its Python-level overhead (same bits)
                "militia_capability": np.add.reduce(self.militia.capability, axis=1) / nf,
                "militia_grievance": np.add.reduce(self.militia.grievance, axis=1) / nf,
                "iran_restraint": self.iran.restraint,
                "regional_war": war,
            },
        )
        self.day += 1
        self.running = self.day < self.horizon

    def _log_events(
        self,
        t: int,
        us_rung: np.ndarray,
        us_target: np.ndarray,
        mil_rung: np.ndarray,
        iraq_rung: np.ndarray,
        stepping: np.ndarray,
        day: DayOutcome,
    ) -> None:
        """Log the day's actions (one row each) with how their targets read them."""
        ladder = self.ladder
        rows = np.arange(self.n_replicas)
        self.events.log(
            mil_rung != self.none_rung,
            replica=self._rows_rf,
            day=t,
            party=self._party_rf,
            target_party=0,
            rung=mil_rung,
            perceived=ladder.rung_for("militia", day.seen),
            perceived_level=day.seen,
            attributed=np.where(ladder.level[mil_rung] >= FORCE, 1 + day.blamed, -1),
            killed=day.killed,
            wounded=day.wounded,
        )
        self.events.log(
            us_rung != self.none_rung,
            replica=rows,
            day=t,
            party=0,
            target_party=1 + us_target,
            rung=us_rung,
            perceived=ladder.rung_for("us", day.us_seen),
            perceived_level=day.us_seen,
            attributed=-1,
            killed=day.militia_killed,
            wounded=0,
        )
        self.events.log(
            stepping,
            replica=rows,
            day=t,
            party=0,
            target_party=self.iraq_party,
            rung=self.withdrawal_rung,
            perceived=self.withdrawal_rung,
            perceived_level=int(ladder.level[self.withdrawal_rung]),
            attributed=-1,
            killed=0,
            wounded=0,
        )
        iraq_level = ladder.level[iraq_rung]
        self.events.log(
            iraq_rung != self.none_rung,
            replica=rows,
            day=t,
            party=self.iraq_party,
            target_party=np.where(iraq_level < 0, self.all_militias_party, 0),
            rung=iraq_rung,
            perceived=iraq_rung,
            perceived_level=iraq_level,
            attributed=-1,
            killed=0,
            wounded=0,
        )

    def run(self, days: int | None = None) -> EscalationModel:
        """Run ``days`` days (default: to the horizon) and return the model.

        The days run in compiled stretches (:mod:`sim.model.engine`) where nothing needs Python on
        them (no event log, every policy compiled, no shock that day), else by :meth:`step`;
        either way to the same numbers.
        """
        end = self.horizon if days is None else min(self.horizon, self.day + days)
        compiled = engine.can_run(self)
        while self.day < end:
            shock = min((d for d in self._shocks if d >= self.day), default=end)
            stop = min(end, shock)
            if compiled and stop > self.day:
                before = self.day
                engine.run_days(self, stop)
                self.steps += self.day - before  # Mesa's step counter, as step() counts
            else:
                self.step()
        self.running = self.day < self.horizon
        return self

    # ------------------------------------------------------------------ results
    def timeseries(self) -> pd.DataFrame:
        """Daily series so far: one row per replica per day (:data:`sim.model.outputs.SERIES`)."""
        return self.series.frame(self.day, self.replica_ids, self.start_date)

    def event_log(self) -> pd.DataFrame:
        """Every action so far: one row per action."""
        if self.events is None:
            raise RuntimeError("this model was built with record_events=False: no event log")
        return self.events.frame(
            self.ladder, self.parties, self.party_actor, self.replica_ids, self.start_date
        )

    def withdrawal_days(self) -> tuple[np.ndarray, np.ndarray]:
        """Per replica: day withdrawal started and day it completed (NaN if not by now)."""
        start = self.withdrawal.start.astype(float)
        done = self.withdrawal.completed_day().astype(float)
        start = np.where(start < self.day, start, math.nan)
        done = np.where(done < self.day, done, math.nan)
        return start, done
