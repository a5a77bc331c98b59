"""Validation on the whole record: the historical scenario against 17 Oct 2023 - 31 Aug 2024.

Usage: ``python experiments/validate_2023.py [OUT_DIR] [--replicas 1000] [--seed 0]``.

Runs the historical scenario (configs/scenario/historical_2023.yaml, calibrated on
17 Oct 2023 - 21 Apr 2024; May - Aug 2024 held out) twice with ``--replicas`` replicas:
over the posterior (each replica draws its calibrated parameters, the default) and at the
posterior's medians (``parameters=point``). Writes targets.csv (issue 12's targets,
sim/analysis/targets.py, for both), patterns.csv and patterns_vs_record.csv (what follows
the first deadly attack) and validation.png (cumulative attacks and US deaths against the
record) into OUT_DIR.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from matplotlib.figure import Figure

from sim import EscalationModel
from sim.analysis.calibration import START
from sim.analysis.patterns import compare_with_record, first_deadly_attack_patterns
from sim.analysis.targets import dated_counts, evaluate_targets
from sim.files import atomic_path, write_csv
from sim.paths import CONFIG_DIR


def plot_validation(runs: dict[str, dict[str, np.ndarray]], path: Path) -> None:
    """Cumulative attacks and US deaths: each run's 90% band and median, the record."""
    counts = dated_counts()
    fig = Figure(figsize=(13, 5))
    left, right = fig.subplots(1, 2)
    colors = {"point estimate": "tab:orange", "posterior": "tab:blue"}
    for name, data in runs.items():
        days = np.arange(data["cum_attacks"].shape[0])
        dates = np.datetime64(START.date()) + days.astype("timedelta64[D]")
        for ax, column in ((left, "cum_attacks"), (right, "cum_us_killed")):
            q = np.quantile(data[column], [0.05, 0.5, 0.95], axis=1)
            ax.fill_between(dates, q[0], q[2], color=colors[name], alpha=0.2, lw=0)
            ax.plot(dates, q[1], color=colors[name], lw=2, label=f"{name}: median, 90% band")
    left.plot(counts.date, counts.cumulative_attacks, "ko", label="record (DoD; monthly after)")
    left.axvspan(pd.Timestamp("2024-04-22"), pd.Timestamp("2024-08-31"), color="grey", alpha=0.1)
    left.set_title("Cumulative militia attacks (grey: held out)")
    right.step(
        [pd.Timestamp("2023-10-17"), pd.Timestamp("2024-01-28"), pd.Timestamp("2024-08-31")],
        [0, 3, 3],
        where="post",
        color="k",
        label="record (Tower 22)",
    )
    right.set_title("Cumulative US deaths")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=130, format="png")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, nargs="?", default=Path("outputs/validation"))
    parser.add_argument("--replicas", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    cfg = yaml.safe_load((CONFIG_DIR / "scenario" / "historical_2023.yaml").read_text())
    cfg.update({"replicas": args.replicas, "seed": args.seed})
    model = EscalationModel(cfg).run()
    point = EscalationModel({**cfg, "parameters": "point"}, record_events=False).run()
    runs = {"posterior": model.series.data, "point estimate": point.series.data}
    tables = []
    for name, data in runs.items():
        table = evaluate_targets(data["cum_attacks"], data["militia_attacks"], data["us_killed"])
        tables.append(table.assign(run=name))
    targets = pd.concat(tables, ignore_index=True)
    patterns = first_deadly_attack_patterns(model)
    write_csv(targets, args.out_dir / "targets.csv")
    write_csv(patterns, args.out_dir / "patterns.csv")
    write_csv(compare_with_record(patterns), args.out_dir / "patterns_vs_record.csv")
    plot_validation(runs, args.out_dir / "validation.png")
    with pd.option_context("display.width", 140, "display.max_colwidth", 60):
        print(targets.to_string(index=False))
        print(compare_with_record(patterns).round(2).to_string(index=False))


if __name__ == "__main__":
    main()
