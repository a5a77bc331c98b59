"""Scenario discovery: which levers and drawn parameters lead to high escalation.

Why: a sweep (or :mod:`sim.analysis.lever_design`) gives thousands of cases, each one replica
at one scenario point with the parameters it drew from the posterior, and their outcomes.
Scenario discovery (Bryant and Lempert 2010, *Technological Forecasting and Social Change* 77)
looks for a simple region of those inputs, a box, inside which the cases of interest
concentrate, and ranks the inputs by how much they tell about the outcome. The algorithms are
the EMA Workbench's (Kwakkel 2017, *Environmental Modelling & Software* 96): PRIM (Friedman
and Fisher 1999, *Statistics and Computing* 9) for the box and extra-trees feature scoring
(Jaxa-Rozen and Kwakkel 2018) for the ranking. This module only builds their inputs, picks a
box on PRIM's peeling trajectory by a stated rule, and says the box in plain words.

- **coverage**: the share of all high-escalation cases that fall inside the box;
- **density**: the share of the cases inside the box that are high-escalation;
- **mass**: the share of all cases inside the box.

The EMA Workbench is an optional extra (``pip install -e '.[discovery]'``); it is imported when
an analysis runs, not with this module.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.metrics import DRAWN_PREFIX
from sim.config.schema import START_MONTH
from sim.core.params import ConfigError
from sim.files import atomic_path, write_csv

NEVER_CODE = 999.0
"""How a withdrawal that never starts (null) is coded: 999 months, later than any start the
schema allows (600), so that "never" stays at the far end of the start month's axis and PRIM
can bound the start from either side ("within 6 months", "after 12 months, or never"). PRIM
peels by quantiles of the cases, so the number itself moves no limit; the plain words print it
as never."""

EVENT_DAYS = ("spillover_day",)
"""Summary columns, besides ``first_day_<rung>``, that hold the day an event first happened."""

NOT_INPUTS = ("seed", "replica")
"""Columns of a sweep table that label cases rather than describe them."""

LABELS = {
    "us.policy": "US policy",
    START_MONTH: "withdrawal start (months)",
    "militia.policy.posture": "militia posture",
    "militia.policy.base_rate": "militia base_rate",
}
"""Plain names of the flagship's levers; any other input is named by its config key."""


@dataclass(frozen=True)
class Target:
    """What counts as high escalation: a case whose ``outcome`` is at least ``threshold``, or,
    without a threshold, in the top ``1 - quantile`` of the cases (default: the top fifth).
    For an event's day (``first_day_<rung>``, ``spillover_day``), high means the event
    happened at all within the horizon: its day is not empty."""

    outcome: str = "peak_escalation"
    threshold: float | None = None
    quantile: float = 0.8

    def __post_init__(self) -> None:
        if not 0 < self.quantile < 1:
            raise ConfigError("quantile", f"must be between 0 and 1, not {self.quantile}")
        if is_event_day(self.outcome) and self.threshold is not None:
            raise ConfigError(
                "threshold", f"{self.outcome} takes no threshold: high means the event happened"
            )

    def check(self, known: list[str]) -> None:
        """Raise a one-line ConfigError unless the outcome is one of ``known``."""
        if self.outcome not in known:
            raise ConfigError(
                "outcome", f"unknown outcome {self.outcome!r}; choose from: {', '.join(known)}"
            )


@dataclass(frozen=True)
class Restriction:
    """One limit of a box: a range of a numeric input (``lower`` / ``upper``, None where the box
    leaves that side open) or a set of categories; with PRIM's quasi-p values (the chance of
    so dense a restriction arising by chance; NaN where PRIM gives none)."""

    feature: str
    lower: float | None
    upper: float | None
    categories: tuple[str, ...] | None
    qp_lower: float
    qp_upper: float

    def words(self) -> str:
        """The limit in plain words, e.g. 'withdrawal starting within 6 months'."""
        name = label(self.feature)
        if self.categories is not None:
            return f"{name} in {{{', '.join(self.categories)}}}"
        lo, hi = self.lower, self.upper
        if self.feature == START_MONTH:
            return _withdrawal_words(lo, hi)
        if lo is not None and hi is not None:
            return f"{_num(lo)} <= {name} <= {_num(hi)}"
        return f"{name} >= {_num(lo)}" if lo is not None else f"{name} <= {_num(hi)}"


@dataclass(frozen=True)
class Discovery:
    """The result: the chosen box, the peeling trajectory it was chosen from, feature scores.

    ``trajectory`` has one row per box PRIM visited (coverage, density, mass, res_dim: the
    number of restricted inputs): the peeling and pasting, then one box per restriction
    dropped. ``peeled`` indexes the box chosen by peeling, ``chosen`` the box reported (the
    same unless restrictions were dropped, ``dropped`` names them). ``scores`` is the
    extra-trees score of every input, highest first (they sum to 1)."""

    target: str
    cases: int
    high: int
    min_coverage: float
    peeled: int
    chosen: int
    dropped: tuple[str, ...]
    restrictions: tuple[Restriction, ...]
    trajectory: pd.DataFrame
    scores: pd.Series

    @property
    def coverage(self) -> float:
        return float(self.trajectory["coverage"].iloc[self.chosen])

    @property
    def density(self) -> float:
        return float(self.trajectory["density"].iloc[self.chosen])

    @property
    def mass(self) -> float:
        return float(self.trajectory["mass"].iloc[self.chosen])

    def words(self) -> str:
        """The box in plain words: its limits joined by 'and'."""
        if not self.restrictions:
            return "every case (no box restricts the inputs at this coverage)"
        return " and ".join(r.words() for r in self.restrictions)

    def box_table(self) -> pd.DataFrame:
        """One row per limit of the box, with the box's statistics on every row."""
        rows = [
            {
                "feature": r.feature,
                "lower": r.lower,
                "upper": r.upper,
                "categories": "|".join(r.categories) if r.categories is not None else None,
                "qp_lower": r.qp_lower,
                "qp_upper": r.qp_upper,
                "words": r.words(),
            }
            for r in self.restrictions
        ] or [{"feature": None, "words": self.words()}]
        stats = {
            "target": self.target,
            "coverage": self.coverage,
            "density": self.density,
            "mass": self.mass,
            "cases": self.cases,
            "high_cases": self.high,
            "box": self.chosen,
            "peeled_box": self.peeled,
            "dropped": "|".join(self.dropped),
        }
        return pd.DataFrame(rows).assign(**stats)

    def score_table(self) -> pd.DataFrame:
        """The feature scores as a table: feature, score, rank."""
        return pd.DataFrame(
            {
                "feature": self.scores.index,
                "score": self.scores.to_numpy(),
                "rank": np.arange(1, len(self.scores) + 1),
            }
        )


def is_event_day(outcome: str) -> bool:
    """Whether an outcome is the day an event first happened (empty if it never did)."""
    return outcome.startswith("first_day_") or outcome in EVENT_DAYS


def label(feature: str) -> str:
    """A plain name for an input: the flagship's levers by name, a drawn parameter by its key
    and '(drawn)', anything else by its key."""
    if feature.startswith(DRAWN_PREFIX):
        return f"{feature.removeprefix(DRAWN_PREFIX)} (drawn)"
    return LABELS.get(feature, feature)


def inputs(table: pd.DataFrame) -> pd.DataFrame:
    """The inputs of every case of a sweep table: the levers the sweep varied (the columns
    before ``point``, as sweep_summary.parquet lays them out, less seed and replica) and the
    parameters each replica drew (``drawn.<key>``). Numbers stay numbers (floats), a null
    withdrawal start becomes :data:`NEVER_CODE`, anything else is a category. Inputs that never vary
    are left out (they cannot bound a box), and so is a drawn parameter some cases lack (a
    sweep point that set it itself)."""
    if "point" not in table.columns:
        raise ConfigError("table", "not a sweep table: it has no 'point' column")
    columns = list(table.columns)
    levers = [c for c in columns[: columns.index("point")] if c not in NOT_INPUTS]
    drawn = [c for c in columns if c.startswith(DRAWN_PREFIX) and table[c].notna().all()]
    x = pd.DataFrame({c: _coded(c, table[c]) for c in levers + drawn})
    x = x[[c for c in x.columns if x[c].nunique() > 1]].reset_index(drop=True)
    if x.empty or not len(x.columns):
        raise ConfigError(
            "table", "no input varies across the cases: nothing to discover (sweep a lever)"
        )
    return x


def _coded(name: str, values: pd.Series) -> pd.Series:
    if name == START_MONTH:
        return pd.to_numeric(values).astype(float).fillna(NEVER_CODE)
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().all() and not pd.api.types.is_bool_dtype(values):
        return numbers.astype(float)
    return values.map(lambda v: "null" if v is None or v != v else str(v)).astype(object)


def outcomes(table: pd.DataFrame) -> list[str]:
    """The outcome columns a target may name: the summary's numeric columns after ``point``,
    less the labels and the drawn parameters."""
    columns = list(table.columns)
    after = columns[columns.index("point") + 1 :] if "point" in columns else columns
    return [
        c
        for c in after
        if c not in NOT_INPUTS
        and not c.startswith(DRAWN_PREFIX)
        and pd.api.types.is_numeric_dtype(table[c])
    ]


def high_cases(table: pd.DataFrame, target: Target) -> tuple[np.ndarray, str]:
    """Which cases are high escalation (a 0/1 vector) and the rule in words. Bad targets (an
    unknown outcome, a threshold no case or every case reaches) raise a one-line ConfigError."""
    target.check(outcomes(table))
    values = table[target.outcome]
    span = ""
    if is_event_day(target.outcome):
        y = values.notna().to_numpy()
        rule = f"{target.outcome.removeprefix('first_day_').removesuffix('_day')} reached"
    else:
        numbers = pd.to_numeric(values).astype(float).to_numpy()
        span = f" (the cases range from {_num(np.nanmin(numbers))} to {_num(np.nanmax(numbers))})"
        if target.threshold is None:
            cut = float(np.nanquantile(numbers, target.quantile))
            rule = f"{target.outcome} >= {_num(cut)} (its {target.quantile:.0%} quantile)"
        else:
            cut = float(target.threshold)
            rule = f"{target.outcome} >= {_num(cut)}"
        y = numbers >= cut
    if not y.any() or y.all():
        which = "no case" if not y.any() else "every case"
        raise ConfigError("threshold", f"{which} is high by the rule {rule}{span}")
    return y.astype(int), rule


def discover(
    x: pd.DataFrame,
    y: np.ndarray,
    target: str = "high escalation",
    *,
    min_coverage: float = 0.5,
    max_qp: float = 0.05,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    trees: int = 100,
    seed: int = 0,
) -> Discovery:
    """PRIM's box and the extra-trees feature scores for the cases ``x`` (inputs) and ``y``
    (1 for a case of interest).

    The box is chosen on PRIM's peeling trajectory: the densest box whose coverage is at least
    ``min_coverage`` (ties: the one of higher coverage). Peeling trades coverage for density;
    a minimum coverage keeps the box about most of the high-escalation cases instead of a
    dense corner of a few. PRIM's own threshold is the share of high cases overall, so PRIM
    keeps any box denser than the data as a whole.

    Then the restrictions that chance alone could explain are dropped, one at a time, the
    least significant first, with the Workbench's ``drop_restriction``: those whose quasi-p
    values (Bryant and Lempert 2010: a one-sided binomial test of the box's density with and
    without the restriction) all exceed ``max_qp``. Peeling takes any slice that raises the
    density a little, and with a dozen inputs some of those slices are noise; a box that
    names only what matters is the point of scenario discovery. ``max_qp=1`` keeps them all.
    """
    check_rule(min_coverage, max_qp)
    prim, feature_scoring = _workbench()
    y = np.asarray(y, dtype=int)
    with warnings.catch_warnings():
        # the Workbench's PRIM drops a column in place, which pandas 3.1 deprecates
        warnings.filterwarnings("ignore", message="The inplace keyword", module="ema_workbench")
        prim_run = prim.Prim(
            x, y, threshold=float(y.mean()), peel_alpha=peel_alpha, mass_min=mass_min
        )
    box = prim_run.find_box()
    peeled = _choose(box.peeling_trajectory, min_coverage)
    dropped = _drop_insignificant(box, peeled, max_qp)
    chosen = len(box.peeling_trajectory) - 1 if dropped else peeled
    trajectory = box.peeling_trajectory[["coverage", "density", "mass", "res_dim"]]
    trajectory = trajectory.astype({"res_dim": int}).reset_index(drop=True)
    scores, _ = feature_scoring.get_ex_feature_scores(
        x,
        y,
        mode=feature_scoring.RuleInductionType.CLASSIFICATION,
        nr_trees=trees,
        random_state=seed,
    )
    scores = scores.iloc[:, 0].rename("score").rename_axis("feature")
    return Discovery(
        target=target,
        cases=len(y),
        high=int(y.sum()),
        min_coverage=min_coverage,
        peeled=peeled,
        chosen=chosen,
        dropped=dropped,
        restrictions=_restrictions(box.box_lims[chosen], box.box_lims[0], box.qp[chosen]),
        trajectory=trajectory,
        scores=scores.astype(float),
    )


def check_rule(min_coverage: float, max_qp: float) -> None:
    """Raise a one-line ConfigError unless the box rule's minimum coverage is in (0, 1] and
    its largest quasi-p value in [0, 1]."""
    if not 0 < min_coverage <= 1:
        raise ConfigError("min_coverage", f"must be in (0, 1], not {min_coverage}")
    if not 0 <= max_qp <= 1:
        raise ConfigError("max_qp", f"must be in [0, 1], not {max_qp}")


def _workbench() -> tuple[Any, Any]:
    """The EMA Workbench's PRIM and feature-scoring modules. Its import warns that the
    optional ipyparallel is missing, which matters only to its parallel evaluators: that one
    warning is silenced."""
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="ipyparallel not installed")
            from ema_workbench.analysis import feature_scoring, prim
    except ImportError:
        raise ConfigError(
            "discovery",
            "needs the EMA Workbench: pip install -e '.[discovery]'",
        ) from None
    return prim, feature_scoring


def _drop_insignificant(box: Any, start: int, max_qp: float) -> tuple[str, ...]:
    """Drop, least significant first, each restriction of box ``start`` of the trajectory
    whose quasi-p values all exceed ``max_qp``; each drop appends the wider box to the
    trajectory and recomputes the others' quasi-p values. The dropped inputs, in order."""
    dropped: list[str] = []
    while True:
        i = len(box.peeling_trajectory) - 1 if dropped else start
        qp = {k: [v for v in pair if v >= 0] for k, pair in box.qp[i].items()}
        weak = {k: min(vs) for k, vs in qp.items() if vs and min(vs) > max_qp}
        if not weak:
            return tuple(dropped)
        feature = max(weak, key=lambda k: (weak[k], k))
        box.drop_restriction(feature, i=i)
        dropped.append(feature)


def _choose(trajectory: pd.DataFrame, min_coverage: float) -> int:
    """The densest box with coverage >= min_coverage; ties go to the higher coverage."""
    ok = trajectory[trajectory["coverage"] >= min_coverage - 1e-12]
    best = ok.sort_values(["density", "coverage"], ascending=False, kind="stable")
    return int(best.index[0])  # the first box (everything) always has coverage 1


def _restrictions(
    limits: pd.DataFrame, initial: pd.DataFrame, qp: dict[str, list[float]]
) -> tuple[Restriction, ...]:
    """The inputs a box restricts, compared with the box around every case."""
    out = []
    for feature in limits.columns:
        lo, hi = limits[feature].iloc[0], limits[feature].iloc[1]
        lo0, hi0 = initial[feature].iloc[0], initial[feature].iloc[1]
        qp_lo, qp_hi = (_qp(v) for v in qp.get(feature, [-1, -1]))
        if isinstance(lo, set):
            if lo != lo0:
                out.append(
                    Restriction(feature, None, None, tuple(sorted(map(str, lo))), qp_lo, qp_hi)
                )
        elif lo > lo0 or hi < hi0:
            lower = float(lo) if lo > lo0 else None
            upper = float(hi) if hi < hi0 else None
            out.append(Restriction(feature, lower, upper, None, qp_lo, qp_hi))
    return tuple(out)


def _qp(value: float) -> float:
    return math.nan if value is None or value < 0 else float(value)


def _num(value: float) -> str:
    return f"{value:.3g}"


def _withdrawal_words(lo: float | None, hi: float | None) -> str:
    if lo is not None and lo >= NEVER_CODE:
        return "no withdrawal"
    if hi is not None and hi < NEVER_CODE:
        if lo is None:
            return f"withdrawal starting within {_num(hi)} months"
        return f"withdrawal starting between {_num(lo)} and {_num(hi)} months"
    return f"withdrawal starting at {_num(lo)} months or later, or never"


def figure(result: Discovery) -> Figure:
    """PRIM's trade-off curve (coverage against density of every box on the peeling
    trajectory, coloured by how many inputs it restricts; the box chosen by peeling circled,
    the steps that dropped chance restrictions dotted, the reported box starred) beside the
    feature scores (the box's inputs highlighted)."""
    fig = Figure(figsize=(12, 4.8), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1.15, 1])
    t = result.trajectory
    peel = t.iloc[: len(t) - len(result.dropped)]
    left.plot(peel["coverage"], peel["density"], color="0.75", lw=1, zorder=1)
    dots = left.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=22, zorder=2)
    if result.dropped:
        steps = t.iloc[[result.peeled, *range(len(peel), len(t))]]
        left.plot(
            steps["coverage"],
            steps["density"],
            ls=":",
            lw=1.8,
            color="crimson",
            zorder=1,
            label=f"dropping {len(result.dropped)} chance restriction(s) from box {result.peeled}",
        )
    left.scatter(
        [result.coverage],
        [result.density],
        marker="*",
        s=280,
        color="crimson",
        edgecolor="black",
        zorder=3,
        label=f"chosen box {result.chosen}: coverage {result.coverage:.2f}, "
        f"density {result.density:.2f}",
    )
    left.axvline(
        result.min_coverage, ls="--", color="0.5", label=f"minimum coverage {result.min_coverage:g}"
    )
    left.set_xlabel("coverage: share of the high cases inside the box")
    left.set_ylabel("density: share of the box's cases that are high")
    left.set_title("PRIM peeling trajectory")
    left.set_xlim(-0.02, 1.02)
    left.legend(loc="lower left", fontsize=8)
    fig.colorbar(dots, ax=left, label="restricted inputs")
    top = result.scores.head(15).iloc[::-1]
    boxed = {r.feature for r in result.restrictions}
    colors = ["crimson" if f in boxed else "steelblue" for f in top.index]
    right.barh([label(f) for f in top.index], top.to_numpy(), color=colors)
    right.set_xlabel("extra-trees feature score (red: restricted by the box)")
    right.set_title("Which inputs tell most about high escalation")
    right.tick_params(axis="y", labelsize=8)
    fig.suptitle(
        f"High escalation: {result.target}; {result.high} of {result.cases} cases", fontsize=10
    )
    return fig


def write_results(result: Discovery, out_dir: str | Path) -> list[Path]:
    """Write discovery_box.csv, feature_scores.csv, peeling_trajectory.csv and discovery.png
    into ``out_dir``, each atomically."""
    out = Path(out_dir)
    paths = [
        write_csv(result.box_table(), out / "discovery_box.csv"),
        write_csv(result.score_table(), out / "feature_scores.csv"),
        write_csv(
            result.trajectory.rename_axis("box").reset_index(), out / "peeling_trajectory.csv"
        ),
    ]
    with atomic_path(out / "discovery.png") as tmp:
        figure(result).savefig(tmp, format="png", dpi=120)
    return [*paths, out / "discovery.png"]
