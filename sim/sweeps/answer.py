"""The withdrawal question answered in words a policy reader understands.

For each withdrawal timing of a sweep (and each US policy and militia posture swept with it):
militia attacks and US deaths over the run, the chance of a targeted killing and of a
regional-war spillover, each with its uncertainty, and the change against never withdrawing.

Why paired differences: every scenario point of a sweep runs the same seed, so replica ``r``
draws the same calibrated parameters from the posterior and starts from the same random
streams in every point (common random numbers). The difference "this timing minus never" is
taken replica by replica, which removes most of the noise two independent ensembles would
add, so a difference of a few attacks is visible with 200 replicas.

What the uncertainty means: for counts, the 5-95% range across replicas, i.e. across the
futures the model finds plausible given what the 2023-24 record could not pin down (the
posterior) and chance; for chances and for the mean differences, a 90% interval of the
estimate from the replicas (normal approximation; Wilson's interval for a single chance).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.actors.withdrawal import months_to_days
from sim.config.schema import NEVER, START_MONTH, never_starts
from sim.files import atomic_path

GROUPS = ("us.policy", "militia.policy.posture")
"""Levers swept with the timing: the answer is given for each of their combinations."""
REFERENCE = {"us.policy": "proportional", "militia.policy.posture": 1.0}
"""The combination the headline table shows: the US responding in proportion (the model's
default, closest to the 2023-24 record) and the militias' campaign as calibrated."""
AGREED = np.datetime64("2024-09-27")
"""The US-Iraq joint statement ending the coalition's mission in federal Iraq by September
2025 (sim/data/initial_states.yaml)."""
AS_CONFIGURED = "as configured"
Z90 = 1.6448536269514722  # two-sided 90% normal quantile

ANSWER_OUTCOMES = {
    "attacks": ("total_attacks", "militia attacks", "count"),
    "us_killed": ("us_killed", "US deaths", "count"),
    "targeted_killing": ("first_day_targeted_killing", "chance of a US targeted killing", "chance"),
    "spillover": ("spillover_day", "chance of a regional-war spillover", "chance"),
}
"""Outcome name -> (summary column, words, kind). A chance is the share of replicas in which
the column has a value (the day it first happened)."""


def per_replica(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per scenario point and replica: the timing as words, the grouping levers, and
    each outcome as a number (a chance as 0/1)."""
    start = _start_date(summary)
    labels: dict[object, str] = {}

    def label(months: object) -> str:  # once per distinct timing, not per replica
        key = NEVER if never_starts(months) else months
        if key not in labels:
            labels[key] = timing_label(months, start)
        return labels[key]

    out = pd.DataFrame(
        {
            "timing": summary[START_MONTH].map(label),
            "_order": summary[START_MONTH].map(_timing_order),
            "replica": summary["replica"],
            "seed": summary["seed"],
        }
    )
    for lever in GROUPS:  # a lever the sweep did not vary: as the scenario configured it
        out[lever] = summary.get(lever, AS_CONFIGURED)
    for name, (column, _, kind) in ANSWER_OUTCOMES.items():
        values = summary[column]
        out[name] = values.notna().astype(float) if kind == "chance" else values.astype(float)
    return out


def answer(summary: pd.DataFrame) -> pd.DataFrame | None:
    """The answer table: one row per timing x US policy x posture (None if the sweep did not
    vary the withdrawal timing or has no "never" level to compare against).

    Columns per outcome ``o``: ``o`` (median for counts, share for chances), ``o_low`` and
    ``o_high`` (its uncertainty, module docstring), ``o_change`` (mean paired difference
    against never), ``o_change_low``/``o_change_high`` (its 90% interval).
    """
    if START_MONTH not in summary or not summary[START_MONTH].map(never_starts).any():
        return None
    if summary[START_MONTH].map(_timing_order).nunique() < 2:
        return None
    rows = per_replica(summary)
    keys = ["seed", "replica", *GROUPS]
    never = rows.loc[rows["_order"] == -math.inf, [*keys, *ANSWER_OUTCOMES]]
    paired = rows.merge(never, on=keys, how="left", suffixes=("", "_never"))
    for name in ANSWER_OUTCOMES:  # each replica against itself without a withdrawal
        paired[f"{name}_change"] = paired[name] - paired[f"{name}_never"]
    groups = paired.groupby(["timing", "_order", *GROUPS], sort=False, dropna=False)
    table = groups.size().rename("replicas").to_frame()
    for name, (_, _, kind) in ANSWER_OUTCOMES.items():
        if kind == "chance":
            share = groups[name].mean()
            low, high = _wilson(share.to_numpy(), table["replicas"].to_numpy())
            table[name], table[f"{name}_low"], table[f"{name}_high"] = share, low, high
        else:
            table[name] = groups[name].median()
            table[f"{name}_low"] = groups[name].quantile(0.05)
            table[f"{name}_high"] = groups[name].quantile(0.95)
        change = groups[f"{name}_change"]
        mean, n = change.mean(), change.count()
        half = (Z90 * change.std(ddof=1) / np.sqrt(n)).where(n > 1, 0.0)
        table[f"{name}_change"] = mean
        table[f"{name}_change_low"], table[f"{name}_change_high"] = mean - half, mean + half
    table = table.reset_index()
    table = table.sort_values([*GROUPS, "_order"], ignore_index=True)
    return table.drop(columns="_order")


def headline(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of the reference combination (:data:`REFERENCE`), or of the first swept one
    where the sweep did not include it."""
    pick = np.ones(len(table), dtype=bool)
    for lever, value in REFERENCE.items():
        match = table[lever].astype(str) == str(value)
        if match.any():
            pick &= match.to_numpy()
    rows = table[pick]
    first = rows.iloc[0][list(GROUPS)]
    return rows[(rows[list(GROUPS)].astype(str) == first.astype(str)).all(axis=1)]


def in_words(table: pd.DataFrame, days: int | None = None) -> str:
    """The headline rows as a plain-text table with a sentence saying what it shows."""
    rows = headline(table)
    policy, posture = (rows.iloc[0][lever] for lever in GROUPS)
    span = f" over {days / 365.25:.1f} years" if days else ""
    lines = [
        f"Withdrawal timing and escalation{span} (US policy: {policy}; militia posture: "
        f"{_posture_words(posture)}; {int(rows.iloc[0]['replicas'])} replicas, each with its own "
        "draw of the calibrated parameters).",
        "Each cell: counts as median (the range holding 90% of simulated futures), chances "
        "with their 90% interval; then, after ';', the mean change against never withdrawing, "
        "paired replica by replica [90% interval].",
        "",
    ]
    header = ["withdrawal starts"] + [ANSWER_OUTCOMES[o][1] for o in ANSWER_OUTCOMES]
    cells = [header]
    for _, row in rows.iterrows():
        line = [row["timing"]]
        for name, (_, _, kind) in ANSWER_OUTCOMES.items():
            line.append(_cell(row, name, kind))
        cells.append(line)
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    for cell in cells:
        lines.append("  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip())
    return "\n".join(lines)


def plot_answer(table: pd.DataFrame, path: Path) -> Path:
    """Change against never withdrawing, per outcome (panels) and withdrawal timing (x), one
    colour per US policy, solid for the calibrated militia posture and dashed for others; bars
    are 90% intervals of the paired mean change."""
    timings = list(dict.fromkeys(t for t in table["timing"] if t != NEVER))
    x = {t: i for i, t in enumerate(timings)}
    policies = list(dict.fromkeys(table["us.policy"]))
    postures = sorted(  # the calibrated posture (1) first: drawn solid
        dict.fromkeys(table["militia.policy.posture"]),
        key=lambda p: (p == AS_CONFIGURED, abs(float(p) - 1.0) if p != AS_CONFIGURED else 0.0),
    )
    from matplotlib import colormaps

    colours = {p: colormaps["tab10"](i % 10) for i, p in enumerate(policies)}
    fig = Figure(figsize=(15.0, 8.0))
    axes = fig.subplots(2, 2).flat
    offsets = np.linspace(-0.25, 0.25, len(policies) * len(postures))
    for ax, (name, (_, words, kind)) in zip(axes, ANSWER_OUTCOMES.items(), strict=True):
        k = 0
        for posture in postures:
            for policy in policies:
                rows = table[
                    (table["us.policy"] == policy)
                    & (table["militia.policy.posture"] == posture)
                    & (table["timing"] != NEVER)
                ]
                xs = np.array([x[t] for t in rows["timing"]]) + offsets[k]
                k += 1
                scale = 100.0 if kind == "chance" else 1.0
                mid = rows[f"{name}_change"].to_numpy() * scale
                err = [
                    mid - rows[f"{name}_change_low"].to_numpy() * scale,
                    rows[f"{name}_change_high"].to_numpy() * scale - mid,
                ]
                ax.errorbar(
                    xs,
                    mid,
                    yerr=err,
                    color=colours[policy],
                    ls="-" if posture == postures[0] else "--",
                    marker="o" if posture == postures[0] else "s",
                    ms=4,
                    capsize=2,
                    lw=1.2,
                    label=f"{policy}, {_posture_words(posture)}",
                )
        ax.axhline(0.0, color="black", lw=0.8)
        ax.set_xticks(range(len(timings)), timings, fontsize=9)
        unit = " (percentage points)" if kind == "chance" else ""
        ax.set_ylabel(f"change in {words}{unit}", fontsize=9)
        ax.grid(alpha=0.3)
    axes[2].set_xlabel("withdrawal starts")
    axes[3].set_xlabel("withdrawal starts")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center right", fontsize=8, frameon=False)
    fig.suptitle(
        "What withdrawing changes, against never withdrawing (mean over paired replicas, "
        "90% intervals; below 0 = less escalation)",
        fontsize=12,
    )
    fig.tight_layout(rect=(0, 0, 1 - 3.6 / fig.get_figwidth(), 0.95))
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=150, format="png")
    return path


def timing_label(months: object, start: np.datetime64 | None) -> str:
    """A withdrawal start as a reader says it: 'never', or the month it starts ('Sep 2024 (as
    agreed)' for the date of the 2024 agreement); months after the start where the start date
    is unknown."""
    if never_starts(months):
        return NEVER
    if start is None:
        return f"month {float(months):g}"
    day = start + np.timedelta64(months_to_days(float(months)), "D")
    text = pd.Timestamp(day).strftime("%b %Y")
    if day == AGREED:
        text += " (as agreed)"
    elif float(months) == 0.0:
        text += " (at once)"
    return text


def _start_date(summary: pd.DataFrame) -> np.datetime64 | None:
    """The scenario's start date, read back from a replica's peak: its date less its day."""
    if not {"peak_date", "peak_day"} <= set(summary.columns) or summary.empty:
        return None
    first = summary.iloc[0]
    start = pd.Timestamp(first["peak_date"]) - pd.Timedelta(days=int(first["peak_day"]))
    return np.datetime64(start.date(), "D")


def _timing_order(months: object) -> float:
    """A withdrawal start as a number that sorts: "never" first (-inf), then by month."""
    return -math.inf if never_starts(months) else float(months)


def _wilson(p: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wilson's 90% interval of shares ``p`` of ``n`` draws each."""
    p, n = np.asarray(p, dtype=float), np.asarray(n, dtype=float)
    z2 = Z90 * Z90
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z90 * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return np.maximum(centre - half, 0.0), np.minimum(centre + half, 1.0)


def _cell(row: pd.Series, name: str, kind: str) -> str:
    value, low, high = row[name], row[f"{name}_low"], row[f"{name}_high"]
    change, c_low, c_high = (
        row[f"{name}_change"],
        row[f"{name}_change_low"],
        row[f"{name}_change_high"],
    )
    if kind == "chance":
        text = f"{value:.0%} ({low:.0%}-{high:.0%})"
        if row["timing"] != NEVER:
            text += f"; {100 * change:+.0f} pts [{100 * c_low:+.0f}, {100 * c_high:+.0f}]"
        return text
    text = f"{value:.0f} ({low:.0f}-{high:.0f})"
    if row["timing"] != NEVER:
        text += f"; {change:+.1f} [{c_low:+.1f}, {c_high:+.1f}]"
    return text


def _posture_words(posture: object) -> str:
    if posture == AS_CONFIGURED:
        return str(posture)
    value = float(posture)
    return "as calibrated" if value == 1.0 else f"{value:g} x the calibrated pace"
