"""Figures and tables of a finished (or interrupted) sweep, from its folder.

Usage: ``python experiments/report.py multirun/withdrawal_timing``

Gathers the per-job results into sweep_summary.parquet/.csv and sweep_timeseries.parquet (as
the sweep's end-of-run hook does), draws the figures into ``DIR/figures/``, and prints a short
table of the main outcomes per scenario point. Where the sweep varied the withdrawal timing
against "never" (the flagship), it answers the withdrawal question in words
(:mod:`sim.sweeps.answer`): ``withdrawal_answer.txt`` (the headline table),
``withdrawal_answer.csv`` (every US policy and posture) and ``figures/withdrawal_answer.png``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.analysis.metrics import OUTCOMES, with_outcomes
from sim.files import write_csv, write_text
from sim.sweeps.answer import answer, in_words
from sim.sweeps.collect import collect_and_report
from sim.sweeps.report import level_label


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path, help="the sweep folder (hydra.sweep.dir)")
    args = parser.parse_args(argv)
    if not (args.sweep_dir / "jobs").is_dir():
        print(
            f"report: error: {args.sweep_dir} is not a sweep folder (no jobs/ inside)",
            file=sys.stderr,
        )
        return 2
    tables = collect_and_report(args.sweep_dir)
    if tables.summary.empty:
        return 1
    summary = with_outcomes(tables.summary)
    swept = [p for p in tables.parameters if summary[p].astype(str).nunique() > 1]
    levels = summary[swept].map(level_label) if swept else summary[["point"]]
    table = summary[list(OUTCOMES)].groupby([levels[c] for c in levels.columns]).mean()
    print("\nMean outcomes per scenario point:")
    print(table.round(2).to_string())
    withdrawal = answer(tables.summary)
    # A sweep with missing points answers only in clearly named partial files (as its tables).
    tag = "" if tables.complete else ".PARTIAL"
    for stale in ("withdrawal_answer.csv", "withdrawal_answer.txt"):
        if tag:
            (args.sweep_dir / stale).unlink(missing_ok=True)
    if withdrawal is not None:
        words = in_words(withdrawal)
        if tag:
            words = "PARTIAL: some scenario points are missing (see above).\n" + words
        write_csv(withdrawal, args.sweep_dir / f"withdrawal_answer{tag}.csv")
        write_text(words + "\n", args.sweep_dir / f"withdrawal_answer{tag}.txt")
        print(f"\n{words}")
        print(
            f"\nEvery US policy and militia posture: withdrawal_answer{tag}.csv; the figure: "
            f"figures{tag}/withdrawal_answer.png"
        )
    return 0 if tables.complete else 1


if __name__ == "__main__":
    sys.exit(main())
