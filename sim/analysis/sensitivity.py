"""Global sensitivity analysis: Morris elementary-effects screening with SALib.

Which uncertain parameters move the outcomes most? Morris screening (Morris 1991,
*Technometrics* 33; Campolongo et al. 2007) varies one parameter at a time along random
trajectories through the parameter space and ranks parameters by mu* (the mean absolute
elementary effect, scaled to each parameter's range) with sigma showing interactions and
non-linearity. Every sample point runs the same replicas with the same seed (common random
numbers), so elementary effects are not swamped by sampling noise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from matplotlib.figure import Figure
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.analysis.metrics import OUTCOMES, summarize, with_outcomes
from sim.config.validation import validate
from sim.core.posterior import UNCERTAIN as CALIBRATED
from sim.core.posterior import posterior_interval
from sim.files import atomic_path, write_csv, write_parquet
from sim.model.escalation import EscalationModel


@dataclass(frozen=True)
class Uncertain:
    """An uncertain parameter: its config key (dotted), range and whether it is an integer."""

    key: str
    low: float
    high: float
    integer: bool = False


UNCERTAIN: tuple[Uncertain, ...] = (
    *(
        Uncertain(key, *interval)
        for key in CALIBRATED
        if (interval := posterior_interval(key)) is not None
    ),
    Uncertain("militia.policy.deterrence_weight", 0.0, 0.8),
    Uncertain("militia.policy.retaliation", 0.0, 3.0),
    Uncertain("militia.capability_regen", 0.005, 0.05),
    Uncertain("militia.grievance_half_life_days", 20.0, 120.0),
    Uncertain("us.policy.threshold", 20.0, 100.0),
    Uncertain("us.casualty_sensitivity", 0.05, 0.5),
    Uncertain("us.protection_effect", 0.3, 0.9),
    Uncertain("us.deterrence_gain", 0.01, 0.1),
    Uncertain("militia.coercion_half_life_days", 20.0, 90.0),
    Uncertain("iraq.talks_rate", 0.005, 0.05),
    Uncertain("perception.noise", 0.0, 0.2),
    Uncertain("iraq.pressure_rate", 0.01, 0.1),
)
"""The default screening set, around the calibrated model (``parameters: point``, the
posterior's medians): the calibrated parameters over their posterior's 90% intervals, and the
assumptions of docs/parameters.md over plausible spans around their defaults (assumption)."""


def _nested(flat: Mapping[str, Any]) -> dict:
    out: dict = {}
    for key, value in flat.items():
        node = out
        *parents, leaf = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return out


def _merge(base: dict, extra: Mapping[str, Any]) -> dict:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merge(out.get(k, {}), v) if isinstance(v, Mapping) else v
    return out


def evaluate(base: Mapping[str, Any], point: Mapping[str, Any]) -> dict[str, float]:
    """Run one sample point (all replicas) and return the outcomes (means over replicas)."""
    cfg = _merge({"parameters": "point", **base}, _nested(point))
    model = EscalationModel(cfg, record_events=False).run()
    s = with_outcomes(summarize(model))
    return {outcome: float(s[outcome].mean()) for outcome in OUTCOMES}


def morris(
    base: Mapping[str, Any] | None = None,
    params: Sequence[Uncertain] = UNCERTAIN,
    trajectories: int = 10,
    levels: int = 4,
    seed: int = 0,
    n_jobs: int = -1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Morris screening of ``params`` around the scenario ``base``.

    Returns (samples, indices): one row per sample point (parameters and outcomes), and one
    row per parameter x outcome with mu, mu_star, sigma, mu_star_conf and the rank by mu_star.
    """
    base = dict(base or {})
    validate(base)  # fail fast, before hundreds of runs
    problem = problem_of(params)
    x = morris_sample.sample(problem, N=trajectories, num_levels=levels, seed=seed)
    samples = _run_points(base, params, x, n_jobs)
    rows = []
    for outcome in OUTCOMES:
        y = samples[outcome].to_numpy(dtype=float)
        res = morris_analyze.analyze(problem, x, y, num_levels=levels, seed=seed)
        frame = pd.DataFrame(
            {
                "parameter": problem["names"],
                "outcome": outcome,
                "mu": res["mu"],
                "mu_star": res["mu_star"],
                "sigma": res["sigma"],
                "mu_star_conf": res["mu_star_conf"],
            }
        )
        frame["rank"] = frame["mu_star"].rank(ascending=False, method="min").astype(int)
        rows.append(frame.sort_values("rank"))
    return samples, pd.concat(rows, ignore_index=True)


def problem_of(params: Sequence[Uncertain]) -> dict:
    """SALib's problem definition for a list of uncertain parameters."""
    return {
        "num_vars": len(params),
        "names": [p.key for p in params],
        "bounds": [[p.low, p.high] for p in params],
    }


def sample_points(params: Sequence[Uncertain], x: np.ndarray) -> list[dict[str, float]]:
    """Rows of a sample matrix as {key: value} points (integer parameters rounded)."""
    return [
        {p.key: (round(v) if p.integer else float(v)) for p, v in zip(params, row, strict=True)}
        for row in x
    ]


def _run_points(
    base: Mapping[str, Any], params: Sequence[Uncertain], x: np.ndarray, n_jobs: int
) -> pd.DataFrame:
    points = sample_points(params, x)
    results = Parallel(n_jobs=n_jobs)(delayed(evaluate)(base, pt) for pt in points)
    return pd.concat([pd.DataFrame(points), pd.DataFrame(results)], axis=1)


def sobol(
    base: Mapping[str, Any] | None = None,
    params: Sequence[Uncertain] = UNCERTAIN,
    n: int = 64,
    seed: int = 0,
    n_jobs: int = -1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """First-order and total Sobol indices (Saltelli sampling, SALib), for the few parameters
    a Morris screening has kept: n x (k + 2) runs for k parameters (n a power of 2).

    Returns (samples, indices): indices has one row per parameter x outcome with S1, S1_conf,
    ST, ST_conf and the rank by ST.
    """
    base = dict(base or {})
    validate(base)
    problem = problem_of(params)
    x = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    samples = _run_points(base, params, x, n_jobs)
    rows = []
    for outcome in OUTCOMES:
        y = samples[outcome].to_numpy(dtype=float)
        if np.ptp(y) == 0:  # an outcome that never varies has no variance to apportion
            res = {k: np.zeros(len(params)) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            res = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
        frame = pd.DataFrame(
            {
                "parameter": problem["names"],
                "outcome": outcome,
                **{k: res[k] for k in ("S1", "S1_conf", "ST", "ST_conf")},
            }
        )
        frame["rank"] = frame["ST"].rank(ascending=False, method="min").astype(int)
        rows.append(frame.sort_values("rank"))
    return samples, pd.concat(rows, ignore_index=True)


def top_parameters(
    indices: pd.DataFrame,
    k: int,
    outcomes: Sequence[str] = ("peak_escalation", "p_targeted_killing"),
    params: Sequence[Uncertain] = UNCERTAIN,
) -> list[Uncertain]:
    """The k parameters with the largest Morris mu* (normalised per outcome, summed over
    ``outcomes``): the shortlist for a Sobol analysis."""
    d = indices[indices.outcome.isin(outcomes)].copy()
    d["scaled"] = d.mu_star / d.groupby("outcome").mu_star.transform("max").replace(0, 1)
    keys = d.groupby("parameter").scaled.sum().sort_values(ascending=False).index[:k]
    return [p for p in params if p.key in set(keys)]


def _mean_of(outcome: str) -> str:
    """An outcome's words as the screening reports it: its mean over replicas (a chance is
    one already)."""
    words = OUTCOMES.get(outcome, outcome)
    return words if outcome.startswith("p_") else f"mean {words}"


def plot_morris(indices: pd.DataFrame, path: str | Path, outcomes: Sequence[str]) -> Path:
    """Horizontal bars of mu* (with its 95% bootstrap interval) per outcome, ranked."""
    fig = Figure(figsize=(6.0 * len(outcomes), 0.38 * indices.parameter.nunique() + 1.8))
    axes = np.atleast_1d(fig.subplots(1, len(outcomes)))
    for ax, outcome in zip(axes, outcomes, strict=True):
        d = indices[indices.outcome == outcome].sort_values("mu_star")
        ax.barh(
            d.parameter,
            d.mu_star,
            xerr=d.mu_star_conf,
            color="tab:blue",
            alpha=0.8,
            ecolor="0.3",
            capsize=2,
        )
        ax.set_title(_mean_of(outcome), fontsize=11)
        ax.set_xlabel("mu* (mean |elementary effect|)")
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(axis="y", labelsize=9)
    fig.suptitle("Morris screening: which assumptions move the outcomes", fontsize=12)
    fig.tight_layout()
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=150, format="png")
    return path


def write_results(
    samples: pd.DataFrame,
    indices: pd.DataFrame,
    out_dir: str | Path,
    outcomes: Sequence[str] = ("peak_escalation", "p_targeted_killing"),
) -> list[Path]:
    """Write samples, the ranked index table and the plot into ``out_dir``."""
    out = Path(out_dir)
    return [
        write_parquet(samples, out / "morris_samples.parquet"),
        write_csv(indices, out / "morris_indices.csv"),
        plot_morris(indices, out / "morris.png", outcomes),
    ]
