"""The calibrated posterior: the parameters the record could not pin down, as data.

Why here, in the core: the calibrated parameters' defaults *are* the
posterior's weighted medians (the schema reads them from this file, so no calibrated number
is written twice), and by default every replica draws its own parameter set from the
posterior (``parameters: posterior``), so the bands a user sees carry what the record could
not decide. ``experiments/calibrate_2023.py`` regenerates the file (docs/validation.md).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.params import ConfigError, param
from sim.paths import DATA_DIR

POSTERIOR_FILE = DATA_DIR / "posterior_2023.csv"
"""One row per accepted parameter set of the ABC fit: its parameters and ``weight``."""

UNCERTAIN = (
    "militia.policy.base_rate",
    "militia.policy.war_weight",
    "militia.policy.casualty_intent",
    "militia.policy.mass_casualty_intent",
    "militia.policy.lethal_escalation",
    "militia.coercion",
    "iran.restraint",
    "iran.halt_trigger",
    "iran.halt_release",
    "iran.risk_half_life_days",
    "iran.risk_per_us_death",
    "iraq.offramp",
)
"""The calibrated parameters, in the file's column order (the priors are in
:data:`sim.analysis.calibration.FREE`)."""

DRAW_STREAM = 0x5EED_D4A3
"""Spawn key that separates a replica's posterior draw from its random streams."""


def load_posterior(path: str | Path = POSTERIOR_FILE) -> pd.DataFrame:
    """The posterior, checked: the calibrated parameters as columns, then positive weights
    summing to 1. A missing, corrupt or mismatched file raises a one-line ConfigError."""
    return _load(str(path), _stamp(path)).copy()  # the cached table stays unchanged


def _stamp(path: str | Path) -> tuple[int, int]:
    try:
        st = Path(path).stat()
    except OSError:
        raise ConfigError(
            "posterior",
            f"the posterior file {path} is missing; regenerate it with "
            "experiments/calibrate_2023.py",
        ) from None
    return st.st_mtime_ns, st.st_size


@functools.lru_cache(maxsize=4)
def _load(path: str, stamp: tuple[int, int]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path)
    except (ValueError, OSError, pd.errors.ParserError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ConfigError("posterior", f"the posterior file {path} is corrupt: {reason}") from None
    expected = [*UNCERTAIN, "weight"]
    if list(frame.columns) != expected:
        raise ConfigError(
            "posterior",
            f"the posterior file {path} has columns {list(frame.columns)}, not the calibrated "
            f"parameters {expected}; regenerate it with experiments/calibrate_2023.py",
        )
    values = frame.to_numpy(dtype=float, na_value=np.nan) if not frame.empty else None
    if values is None or not np.isfinite(values).all():
        raise ConfigError("posterior", f"the posterior file {path} is empty or has gaps")
    if (frame.weight <= 0).any() or not np.isclose(frame.weight.sum(), 1.0):
        raise ConfigError(
            "posterior", f"the posterior file {path}: weights must be positive and sum to 1"
        )
    return frame


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of weighted values (the smallest value whose cumulative weight
    reaches q)."""
    order = np.argsort(values, kind="stable")
    cdf = np.cumsum(weights[order])
    return float(values[order][min(np.searchsorted(cdf, q * cdf[-1]), len(values) - 1)])


@functools.cache
def _shipped_quantiles() -> dict[str, tuple[float, float, float]]:
    """Weighted 5%, 50% and 95% points of each parameter of the shipped posterior; read
    leniently (a parameter the file lacks is simply absent), so that a new calibrated
    parameter can be added before the file is regenerated (tests check the shipped file)."""
    try:
        frame = pd.read_csv(POSTERIOR_FILE)
        weights = frame.pop("weight").to_numpy(dtype=float)
    except (OSError, ValueError, KeyError, pd.errors.ParserError):
        return {}
    return {
        key: tuple(
            weighted_quantile(frame[key].to_numpy(float), weights, q) for q in (0.05, 0.5, 0.95)
        )
        for key in frame.columns
    }


def posterior_interval(key: str) -> tuple[float, float] | None:
    """The shipped posterior's weighted 5-95% interval of a calibrated parameter (None while
    the shipped file lacks it)."""
    q = _shipped_quantiles().get(key)
    return None if q is None else (q[0], q[2])


def calibrated_param(key: str, fallback: float, what: str, **bounds: Any) -> Any:
    """The field of a calibrated parameter: its default is the shipped posterior's weighted
    median and its documentation says so (``what`` it is, its 90% interval); ``fallback``
    (an assumption) serves only until the posterior is regenerated with the parameter."""
    q = _shipped_quantiles().get(key)
    if q is None:
        doc = f"{what} Not calibrated yet (assumption; experiments/calibrate_2023.py fits it)."
        return param(fallback, doc=doc, **bounds)
    doc = (
        f"{what} Calibrated: the posterior's weighted median (rejection ABC on the record of "
        f"17 Oct 2023 - 21 Apr 2024, experiments/calibrate_2023.py; 90% interval "
        f"[{q[0]:.3g}, {q[2]:.3g}]); by default each replica draws its own value from the "
        "posterior (`parameters`)."
    )
    return param(q[1], doc=doc, **bounds)


def replica_draws(
    seed: int, replica_ids: Sequence[int], path: str | Path = POSTERIOR_FILE
) -> dict[str, np.ndarray]:
    """Each replica's parameter set drawn by weight from the posterior: one array over the
    replicas per calibrated parameter. Replica r of seed s draws the same set however it is
    run (its own generator, apart from its random streams), and scenarios that share a seed
    share their draws, so their differences are not parameter noise."""
    post = load_posterior(path)
    weights = post.weight.to_numpy()
    rows = np.array(
        [
            np.random.default_rng(
                np.random.SeedSequence(seed, spawn_key=(int(r), DRAW_STREAM))
            ).choice(len(post), p=weights)
            for r in replica_ids
        ],
        dtype=np.int64,
    )
    return {key: post[key].to_numpy(dtype=float)[rows] for key in UNCERTAIN}


def posterior_path(name: str) -> Path:
    """A posterior by name: a shipped one (``sim/data/NAME.csv``), else a path."""
    shipped = DATA_DIR / f"{name}.csv"
    return shipped if "/" not in name and shipped.exists() else Path(name)
