"""Figures of a sweep, drawn from its tables (never from the jobs' folders).

- ``trajectories.png``: escalation index over time, median and 50% band, one panel per
  combination of the other swept parameters and one colour per value of the main lever.
- ``heatmap_<outcome>.png``: an outcome over two swept parameters (averaged over the rest).
- ``outcome_vs_withdrawal.png``: outcomes against withdrawal start month, one line per US
  policy, with 95% confidence intervals of the mean across replicas.
- ``withdrawal_answer.png``: what each withdrawal timing changes against never withdrawing,
  paired replica by replica (:mod:`sim.sweeps.answer`), where "never" was swept.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from matplotlib.dates import date2num
from matplotlib.figure import Figure

from sim.analysis.metrics import OUTCOMES, with_outcomes
from sim.config.schema import NEVER, START_MONTH, never_starts
from sim.files import atomic_path

LEVER_PRIORITY = (START_MONTH, "us.policy", "militia.policy", "perception.noise")
MAX_PLOTTED_DAYS = 400
"""Days drawn per trajectory at most (about one per pixel column of a panel at 150 dpi)."""


def level_label(value: object) -> str:
    """A parameter level as the report writes it: 'never' for a missing value (a withdrawal
    that never starts), whole numbers without a decimal point."""
    if never_starts(value):
        return NEVER
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _ordered_levels(series: pd.Series) -> list[str]:
    """Levels of a parameter as labels, numbers in numeric order, 'never' last."""
    values = series.drop_duplicates().tolist()
    numeric = [v for v in values if isinstance(v, int | float) and not pd.isna(v)]
    other = [v for v in values if v not in numeric]
    ordered = sorted(numeric) + sorted(other, key=lambda v: level_label(v))
    return list(dict.fromkeys(level_label(v) for v in ordered))


def _varying(params: list[str], df: pd.DataFrame) -> list[str]:
    swept = [p for p in params if df[p].drop_duplicates().map(level_label).nunique() > 1]
    return sorted(
        swept,
        key=lambda p: (LEVER_PRIORITY.index(p) if p in LEVER_PRIORITY else len(LEVER_PRIORITY), p),
    )


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=150, format="png")  # layouts are fixed by tight_layout
    return path


def plot_trajectories(
    timeseries: pd.DataFrame, params: list[str], path: Path, max_panels: int = 12
) -> Path:
    """Escalation index, median and 50% band per scenario point, in small multiples."""
    ts = timeseries[timeseries["series"] == "escalation_index"]
    dates = ts["date"].drop_duplicates().sort_values()
    step = math.ceil(len(dates) / MAX_PLOTTED_DAYS)
    if step > 1:  # a multi-year run: every step-th day draws the same picture, faster
        ts = ts[ts["date"].isin(dates.iloc[::step])]
    varying = _varying(params, ts)
    colour = varying[0] if varying else None
    facets = varying[1:]
    # Label the scenario points once each, then attach the labels to their rows.
    points = ts.drop_duplicates("point")[["point", *varying]].copy()
    points["_colour"] = points[colour].map(level_label) if colour else "all"
    points["_panel"] = (
        [
            ", ".join(f"{name} = {level_label(v)}" for name, v in zip(facets, row, strict=True))
            for row in points[facets].itertuples(index=False)
        ]
        if facets
        else ""
    )
    points = points.sort_values(facets or ["point"])
    lines = (
        ts[["point", "date", "q25", "q50", "q75"]]
        .merge(points[["point", "_colour", "_panel"]], on="point")
        .groupby(["_panel", "_colour", "date"])[["q25", "q50", "q75"]]
        .mean()
    )
    panels = list(dict.fromkeys(points["_panel"]))[:max_panels]
    ncols = min(3, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    fig = Figure(figsize=(5.2 * ncols + 2.2, 3.4 * nrows + 0.6))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False))
    levels = _ordered_levels(points[colour]) if colour else ["all"]
    colours = _palette(len(levels))
    drawn = set(lines.index.droplevel("date"))
    dates = date2num(lines.index.get_level_values("date"))
    for ax in axes.flat:  # fixed limits: no autoscaling of 12 linked axes after every band
        ax.set_autoscale_on(False)
    pad = max(0.01 * (dates.max() - dates.min()), 1.0)  # a day at least
    axes.flat[0].set_xlim(dates.min() - pad, dates.max() + pad)
    axes.flat[0].set_ylim(0, 10)
    for ax, panel in zip(axes.flat, panels, strict=False):
        for level, c in zip(levels, colours, strict=True):
            if (panel, level) not in drawn:
                continue
            line = lines.loc[(panel, level)]
            x = date2num(line.index)  # plain numbers: no date conversion in every call
            ax.fill_between(x, line.q25.to_numpy(), line.q75.to_numpy(), color=c, alpha=0.15, lw=0)
            ax.plot(x, line.q50.to_numpy(), color=c, lw=1.6, label=level)
        ax.set_title(panel, fontsize=9, y=1.0)  # a fixed place: no layout pass per panel
        ax.xaxis_date()
        ax.grid(alpha=0.3)
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    for ax in axes.flat[len(panels) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("escalation index")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        title=colour or "",
        loc="center right",
        fontsize=9,
        title_fontsize=9,
        frameon=False,
    )
    fig.suptitle("Escalation trajectories: median and 50% band across replicas", fontsize=12)
    # Fixed margins in inches (tight_layout measures every tick label: ~1 s for 12 panels).
    width, height = fig.get_size_inches()
    fig.subplots_adjust(
        left=0.75 / width,
        right=1 - 2.2 / width,
        bottom=0.8 / height,
        top=1 - 0.75 / height,
        wspace=0.08,
        hspace=0.3,
    )
    return _save(fig, path)


def text_color(background: tuple[float, ...]) -> str:
    """Black or white, whichever reads on a cell of this colour (its relative luminance, ITU-R
    BT.709 weights): numbers must be readable on pale and dark cells alike."""
    r, g, b = background[:3]
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 else "white"


def _palette(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["viridis" if n > 10 else "tab10"]
    return [cmap(i / max(n - 1, 1)) if n > 10 else cmap(i) for i in range(n)]


def plot_heatmap(summary: pd.DataFrame, params: list[str], outcome: str, path: Path) -> Path | None:
    """Mean of a per-replica outcome over two swept parameters (averaged over the others)."""
    varying = _varying(params, summary)
    if len(varying) < 2 or outcome not in summary:
        return None
    rows, cols = varying[1], varying[0]
    df = summary.assign(_r=summary[rows].map(level_label), _c=summary[cols].map(level_label))
    table = df.pivot_table(index="_r", columns="_c", values=outcome, aggfunc="mean")
    table = table.reindex(
        index=_ordered_levels(summary[rows]), columns=_ordered_levels(summary[cols])
    )
    fig = Figure(figsize=(1.0 * len(table.columns) + 3.5, 0.6 * len(table.index) + 2.0))
    ax = fig.subplots()
    im = ax.imshow(table.to_numpy(dtype=float), cmap="magma_r", aspect="auto")
    ax.set_xticks(range(len(table.columns)), table.columns)
    ax.set_yticks(range(len(table.index)), table.index)
    ax.set_xlabel(cols)
    ax.set_ylabel(rows)
    for (i, j), v in np.ndenumerate(table.to_numpy(dtype=float)):
        if not np.isnan(v):
            ax.text(
                j,
                i,
                f"{v:.2f}" if abs(v) < 10 else f"{v:.0f}",
                ha="center",
                va="center",
                fontsize=8,
                color=text_color(im.cmap(im.norm(v))),
            )
    fig.colorbar(im, ax=ax, label=OUTCOMES.get(outcome, outcome))
    ax.set_title(
        f"{OUTCOMES.get(outcome, outcome)} (mean over replicas"
        f"{' and other parameters' if len(varying) > 2 else ''})",
        fontsize=11,
    )
    fig.tight_layout()
    return _save(fig, path)


def plot_outcome_vs_withdrawal(summary: pd.DataFrame, params: list[str], path: Path) -> Path | None:
    """Outcomes against withdrawal start month, one line per US policy, 95% CI of the mean."""
    if START_MONTH not in params:
        return None
    group = "us.policy" if "us.policy" in params else None
    outcomes = [
        o for o in ("p_targeted_killing", "days_in_crisis", "total_attacks") if o in summary
    ]
    months = _ordered_levels(summary[START_MONTH])
    x = {m: i for i, m in enumerate(months)}
    fig = Figure(figsize=(5.0 * len(outcomes) + 2.0, 4.2))
    axes = np.atleast_1d(fig.subplots(1, len(outcomes)))
    df = summary.assign(
        _m=summary[START_MONTH].map(level_label),
        _g=summary[group].map(level_label) if group else "all",
    )
    groups = sorted(df["_g"].unique())
    colours = _palette(len(groups))
    for ax, outcome in zip(axes, outcomes, strict=True):
        for g, c in zip(groups, colours, strict=True):
            stats = df[df["_g"] == g].groupby("_m")[outcome].agg(["mean", "std", "count"])
            stats = stats.reindex([m for m in months if m in stats.index])
            half = 1.96 * stats["std"].fillna(0) / np.sqrt(stats["count"])
            xs = [x[m] for m in stats.index]
            ax.errorbar(
                xs, stats["mean"], yerr=half, color=c, marker="o", ms=4, capsize=3, lw=1.5, label=g
            )
        ax.set_xticks(range(len(months)), months)
        ax.set_xlabel("withdrawal start (months after 17 Oct 2023)")
        ax.set_ylabel(OUTCOMES.get(outcome, outcome))
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, title=group or "", loc="center right", fontsize=9, frameon=False)
    fig.suptitle(
        "Outcomes by withdrawal timing (mean across replicas and other parameters, 95% CI)",
        fontsize=12,
    )
    fig.tight_layout(rect=(0, 0, 1 - 2.0 / fig.get_figwidth(), 0.95))
    return _save(fig, path)


def plot_withdrawal_answer(summary: pd.DataFrame, path: Path) -> Path | None:
    """The withdrawal answer's figure (:func:`sim.sweeps.answer.plot_answer`), where the sweep
    varied the withdrawal timing against "never"."""
    from sim.sweeps.answer import answer, plot_answer

    table = answer(summary)
    return None if table is None else plot_answer(table, path)


def draw_figures(
    tables, out_dir: str | Path, workers: Mapping[str, Any] | None = None
) -> Iterator[Path | None]:
    """Start drawing every figure the tables allow into ``out_dir``; the returned iterator
    yields their paths in a fixed order (None where the tables do not allow a figure), each
    once it is drawn.

    ``workers``: keyword arguments of a ``joblib.Parallel`` whose workers draw the figures
    (the largest first), so that the caller can go on, e.g. writing the tables, meanwhile;
    None draws them here, one by one, as the iterator is consumed. At the end of a joblib
    sweep they are the launcher's own settings: the same arguments reuse its warm, idle
    workers (other arguments would start new ones, costing seconds).
    """
    out_dir = Path(out_dir)
    summary = with_outcomes(tables.summary)
    params = tables.parameters
    ts = tables.timeseries
    trajectories = ts[ts["series"] == "escalation_index"]  # only what it draws crosses over
    # Largest first (the flagship's, drawn alone: answer ~1.0 s, trajectories ~0.8, outcomes
    # ~0.4, each heatmap ~0.3), so that two workers finish together: ~0.3 s sooner than the
    # trajectories first and the answer last.
    return Parallel(**(workers or {"n_jobs": 1}), return_as="generator")(
        [
            delayed(plot_withdrawal_answer)(summary, out_dir / "withdrawal_answer.png"),
            delayed(plot_trajectories)(trajectories, params, out_dir / "trajectories.png"),
            delayed(plot_outcome_vs_withdrawal)(
                summary, params, out_dir / "outcome_vs_withdrawal.png"
            ),
            *(
                delayed(plot_heatmap)(summary, params, outcome, out_dir / f"heatmap_{outcome}.png")
                for outcome in ("p_targeted_killing", "peak_escalation")
            ),
        ]
    )
