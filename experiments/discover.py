"""Scenario discovery: which levers and drawn parameters lead to high escalation (PRIM box,
feature scores; the EMA Workbench's implementations).

Usage: ``python experiments/discover.py [SWEEP_DIR] [--outcome peak_escalation]
[--threshold X | --quantile 0.8] [--min-coverage 0.5] [--out DIR]``

With a sweep folder, its cases are the rows of its sweep_summary.parquet (one per scenario
point x replica; the levers it swept and, where the sweep recorded them, the parameters each
replica drew). Without one, it runs its own design: a Latin hypercube of ``--points`` points
over US policy, withdrawal start and militia posture, each with ``--replicas`` replicas
drawing their calibrated parameters from the posterior (sim/analysis/lever_design.py),
and keeps the cases as OUT/sweep_summary.parquet, so ``discover.py OUT`` re-reads them.
Prints the chosen box in plain words with its coverage and density, and the feature ranking;
writes discovery_box.csv, feature_scores.csv, peeling_trajectory.csv and discovery.png into
OUT (default SWEEP_DIR/discovery, or outputs/discovery). Bad input: one line, exit 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from sim.analysis.discovery import (
    Target,
    check_rule,
    discover,
    high_cases,
    inputs,
    label,
    outcomes,
    write_results,
)
from sim.analysis.lever_design import Design, probe_summary, run_design
from sim.core.params import ConfigError
from sim.files import write_parquet

SWEEP_TABLE = "sweep_summary.parquet"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path, nargs="?", help="a sweep folder (optional)")
    parser.add_argument("--out", type=Path, help="output folder")
    parser.add_argument("--outcome", default="peak_escalation", help="summary column to judge")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--threshold", type=float, help="high: outcome >= this value")
    group.add_argument(
        "--quantile", type=float, default=0.8, help="high: outcome >= its quantile (0.8)"
    )
    parser.add_argument("--min-coverage", type=float, default=0.5, help="of the chosen box")
    parser.add_argument(
        "--max-qp", type=float, default=0.05, help="drop restrictions less significant (1: keep)"
    )
    parser.add_argument("--seed", type=int, default=0, help="of the design and the trees")
    parser.add_argument(
        "--points", type=int, default=Design.points, help="design points (no SWEEP_DIR)"
    )
    parser.add_argument(
        "--replicas", type=int, default=Design.replicas, help="replicas per design point"
    )
    parser.add_argument("--days", type=int, default=Design.days, help="horizon of each run")
    parser.add_argument("--jobs", type=int, default=-1, help="processes for the design")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except ConfigError as err:
        print(f"discover: error: {err}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    target = Target(args.outcome, args.threshold, args.quantile)
    check_rule(args.min_coverage, args.max_qp)
    started = time.perf_counter()
    if args.sweep_dir is not None:
        table = _sweep_table(args.sweep_dir)
        out = args.out or args.sweep_dir / "discovery"
        print(f"{len(table)} cases from {args.sweep_dir / SWEEP_TABLE}")
    else:
        if args.points < 2:
            raise ConfigError("points", f"must be at least 2, not {args.points}")
        design = Design(args.points, args.replicas, args.days, args.seed)
        out = args.out or Path("outputs/discovery")
        target.check(outcomes(probe_summary(design)))
        print(
            f"Design: Latin hypercube of {design.points} points x {design.replicas} replicas "
            f"x {design.days} days over US policy, withdrawal start and militia posture"
        )
        table = run_design(design, n_jobs=args.jobs)
        path = write_parquet(table, out / SWEEP_TABLE)
        print(f"{len(table)} cases in {time.perf_counter() - started:.1f} s -> {path}")
    y, rule = high_cases(table, target)
    result = discover(
        inputs(table),
        y,
        rule,
        min_coverage=args.min_coverage,
        max_qp=args.max_qp,
        seed=args.seed,
    )
    print(f"High escalation: {rule}: {result.high} of {result.cases} cases")
    print(
        f"Box {result.peeled} on the peeling trajectory (the densest with coverage >= "
        f"{result.min_coverage:g})"
        + (
            f", less {len(result.dropped)} restriction(s) chance could explain (quasi-p > "
            f"{args.max_qp:g}: {', '.join(label(f) for f in result.dropped)}):"
            if result.dropped
            else ":"
        )
    )
    print(f"  {result.words()}")
    print(
        f"  coverage {result.coverage:.2f} (of the high cases, the share inside the box), "
        f"density {result.density:.2f} (of the cases inside, the share that are high), "
        f"mass {result.mass:.2f}"
    )
    print("Feature scores (extra trees):")
    for rank, (feature, score) in enumerate(result.scores.items(), start=1):
        print(f"  {rank:2d}. {label(feature):45s} {score:.3f}")
    for path in write_results(result, out):
        print(f"wrote {path}")
    return 0


def _sweep_table(sweep_dir: Path) -> pd.DataFrame:
    if not sweep_dir.is_dir():
        raise ConfigError("SWEEP_DIR", f"{sweep_dir} is not a folder")
    path = sweep_dir / SWEEP_TABLE
    if not path.is_file():
        raise ConfigError(
            "SWEEP_DIR",
            f"{sweep_dir} has no {SWEEP_TABLE}; gather it with python -m sim.sweeps.collect "
            f"{sweep_dir}",
        )
    try:
        table = pd.read_parquet(path)
    except (OSError, ValueError) as err:
        raise ConfigError("SWEEP_DIR", f"{path} cannot be read: {err}") from None
    if table.empty:
        raise ConfigError("SWEEP_DIR", f"{path} holds no cases")
    return table


if __name__ == "__main__":
    sys.exit(main())
