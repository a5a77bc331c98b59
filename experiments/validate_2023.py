"""Out-of-sample check: what follows the first deadly attack, in the calibrated model and in
the record (Tower 22, 28 Jan 2024, and the weeks after it).

Usage: ``python experiments/validate_2023.py [OUT_DIR] [--replicas 1000] [--days 365]``.
Runs the historical scenario (configs/scenario/historical_2023.yaml, calibrated only on
17 Oct 2023 - 27 Jan 2024) and writes patterns.csv (one row per replica) and
patterns_vs_record.csv (median and quartiles beside the record) and patterns.png into OUT_DIR.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import yaml
from matplotlib.figure import Figure

from sim import EscalationModel
from sim.analysis.patterns import RECORD, compare_with_record, first_deadly_attack_patterns
from sim.files import atomic_path, write_csv
from sim.paths import CONFIG_DIR

LABELS = {
    "attacks_per_day_before": "attacks/day, 4 weeks before",
    "attacks_per_day_after": "attacks/day, weeks 2-9 after",
    "days_to_major_strike": "days to major US strike",
    "days_to_targeted_killing": "days to targeted killing",
    "days_to_truce": "days to militia truce",
    "lull_days": "lull length (days)",
}


def plot_patterns(patterns: pd.DataFrame, path: Path) -> None:
    """One panel per pattern: the model's distribution across replicas, the record in red."""
    fig = Figure(figsize=(13, 6.5))
    axes = fig.subplots(2, 3).flat
    for ax, (name, label) in zip(axes, LABELS.items(), strict=True):
        values = patterns[name].dropna()
        ax.hist(values, bins=30, color="tab:blue", alpha=0.7, label="model (replicas)")
        ax.axvline(values.median(), color="tab:blue", lw=2, ls="--", label="model median")
        ax.axvline(RECORD[name], color="crimson", lw=2.5, label="record")
        ax.set_title(label, fontsize=11)
        ax.grid(alpha=0.3)
    axes_list = fig.axes
    axes_list[0].legend(fontsize=9)
    fig.suptitle(
        "After the first deadly attack: calibrated model vs the record of 2024", fontsize=12
    )
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=150, format="png")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, nargs="?", default=Path("outputs/validation"))
    parser.add_argument("--replicas", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    cfg = yaml.safe_load((CONFIG_DIR / "scenario" / "historical_2023.yaml").read_text())
    cfg.update({"replicas": args.replicas, "horizon_days": args.days, "seed": args.seed})
    model = EscalationModel(cfg).run()
    patterns = first_deadly_attack_patterns(model)
    table = compare_with_record(patterns)
    write_csv(patterns, args.out_dir / "patterns.csv")
    write_csv(table, args.out_dir / "patterns_vs_record.csv")
    plot_patterns(patterns, args.out_dir / "patterns.png")
    print(
        f"{len(patterns)} of {args.replicas} replicas had a measurable first deadly attack "
        f"(median day {patterns.day.median():.0f}; Tower 22 was day 103)"
    )
    with pd.option_context("display.width", 120):
        print(table.round(2).to_string(index=False))


if __name__ == "__main__":
    main()
