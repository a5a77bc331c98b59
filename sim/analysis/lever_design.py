"""A Latin hypercube over the flagship's levers, each point run with replicas that draw their
calibrated parameters from the posterior: cases for scenario discovery when no sweep is at hand.

Why a design of its own rather than the flagship's grid: PRIM's box limits can only fall
between values the cases take, and a grid gives each numeric lever a handful of them. A Latin
hypercube (McKay, Beckman and Conover 1979, *Technometrics* 21) cuts each lever's range into
as many strata as there are points and puts one point in each, so N points give N distinct
values of every numeric lever. Each point runs with its own seed, so its replicas draw their
own parameter sets (the same seed would hand every point the same draws) and the cases spread
over the posterior too.

The result has the layout of a sweep's ``sweep_summary.parquet`` (the levers, then ``point``,
then the summary columns, ``drawn.<key>`` included), so discovery reads both the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from sim.analysis.metrics import summarize
from sim.config.schema import START_MONTH
from sim.config.validation import validate
from sim.model.escalation import EscalationModel

FLAGSHIP_US_POLICIES = (
    "proportional",
    "tit_for_tat",
    "generous_tit_for_tat",
    "red_line",
    "restraint",
    "escalate",
)
"""The US retaliation rules of the flagship experiment (configs/experiment/withdrawal_timing)."""

LEVERS = ("us.policy", START_MONTH, "militia.policy.posture")
"""The levers the design varies, as config keys (the sweep tables' column names)."""

DESIGN_STREAM = 0xD15C_0DE5
"""Spawn key that separates the design's own random numbers from the model's streams."""


@dataclass(frozen=True)
class Design:
    """A Latin hypercube over the flagship's three levers.

    ``withdrawal.start_month`` is drawn uniformly over ``[0, latest_start / (1 - never_share))``
    and rounded to whole months, as the flagship's starts are; a draw past ``latest_start``
    means no withdrawal (null), so about ``never_share`` of the points never withdraw.
    ``militia.policy.posture``, the multiplier on each replica's drawn base rate, is drawn
    uniformly over ``posture`` (default 0.5 to 1.5: from the flagship's half-pace campaign to
    half again above the calibrated one). The replicas draw every calibrated parameter, base
    rate included, from the posterior.
    """

    points: int = 60
    replicas: int = 50
    days: int = 1826
    seed: int = 0
    us_policies: tuple[str, ...] = FLAGSHIP_US_POLICIES
    latest_start: float = 24.0
    never_share: float = 0.2
    posture: tuple[float, float] = (0.5, 1.5)

    def levers(self) -> pd.DataFrame:
        """One row per point: the levers' values (the same for the same design)."""
        rng = np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=(DESIGN_STREAM,)))
        )
        n = self.points
        # one point in each of n strata of every lever, the strata paired at random
        u = (np.stack([rng.permutation(n) for _ in LEVERS], axis=1) + rng.random((n, 3))) / n
        policy = np.asarray(self.us_policies)[(u[:, 0] * len(self.us_policies)).astype(int)]
        start = np.floor(u[:, 1] * self.latest_start / (1 - self.never_share))
        low, high = self.posture
        return pd.DataFrame(
            {
                "us.policy": policy,
                START_MONTH: [None if s >= self.latest_start else s for s in start],
                "militia.policy.posture": low + u[:, 2] * (high - low),
            }
        )

    def seeds(self) -> list[int]:
        """Each point's model seed, derived from the design's seed."""
        return [
            int(
                np.random.SeedSequence(self.seed, spawn_key=(DESIGN_STREAM, i)).generate_state(1)[0]
            )
            for i in range(self.points)
        ]

    def scenario(self, levers: dict[str, Any], seed: int) -> dict[str, Any]:
        """The scenario of one point, as a mapping for :class:`EscalationModel`."""
        start = levers[START_MONTH]
        return {
            "replicas": self.replicas,
            "horizon_days": self.days,
            "seed": seed,
            "us": {"policy": str(levers["us.policy"])},
            "withdrawal": {"start_month": None if pd.isna(start) else float(start)},
            "militia": {"policy": {"posture": float(levers["militia.policy.posture"])}},
        }


def probe_summary(design: Design) -> pd.DataFrame:
    """The summary of a one-day run of one replica of the design's first point: it has the
    columns every case will have, so a caller can check an outcome's name before the design
    runs."""
    scenario = design.scenario(design.levers().iloc[0].to_dict(), design.seeds()[0])
    model = EscalationModel({**scenario, "replicas": 1, "horizon_days": 1}, record_events=False)
    return summarize(model.run())


def run_design(design: Design, n_jobs: int = -1) -> pd.DataFrame:
    """Run every point of the design; one row per point x replica, in the sweep table's layout.

    The first point's scenario is validated here, before any run, so a bad setting (replicas,
    days) fails at once in one line (:class:`sim.core.params.ConfigError`).
    """
    levers = design.levers()
    seeds = design.seeds()
    rows = levers.to_dict("records")
    validate(design.scenario(rows[0], seeds[0]))
    parts = Parallel(n_jobs=n_jobs)(
        delayed(_run_point)(design.scenario(row, seed))
        for row, seed in zip(rows, seeds, strict=True)
    )
    return _as_sweep_table(levers, parts)


def _run_point(scenario: dict[str, Any]) -> pd.DataFrame:
    model = EscalationModel(scenario, record_events=False).run()
    return summarize(model)


def _as_sweep_table(levers: pd.DataFrame, parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The points' summaries as one table: the levers, then ``point``, then the summaries."""
    front = levers.take(np.repeat(np.arange(len(parts)), [len(p) for p in parts]))
    front = front.reset_index(drop=True).assign(
        point=np.repeat([f"point_{i:04d}" for i in range(len(parts))], [len(p) for p in parts])
    )
    return pd.concat([front, pd.concat(parts, ignore_index=True)], axis=1)
