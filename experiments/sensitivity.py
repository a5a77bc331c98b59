"""Morris screening of the model's uncertain parameters (SALib), for several outcomes.

Usage: ``python experiments/sensitivity.py [OUT_DIR] [--trajectories 10] [--replicas 100]
[--days 730]``. Writes morris_indices.csv (one row per parameter x outcome, ranked by mu*),
morris_samples.parquet and morris.png into OUT_DIR (default outputs/sensitivity), and prints
the top parameters per outcome. The parameters, their ranges and sources:
sim/analysis/sensitivity.py.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sim.analysis.metrics import OUTCOMES
from sim.analysis.sensitivity import (
    UNCERTAIN,
    morris,
    sobol,
    top_parameters,
    write_results,
)
from sim.files import write_csv


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, nargs="?", default=Path("outputs/sensitivity"))
    parser.add_argument("--trajectories", type=int, default=10, help="Morris trajectories")
    parser.add_argument("--replicas", type=int, default=100, help="replicas per sample point")
    parser.add_argument("--days", type=int, default=730, help="horizon of each run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--sobol",
        type=int,
        default=4,
        metavar="K",
        help="then Sobol indices for the K top parameters (0: skip)",
    )
    parser.add_argument("--sobol-n", type=int, default=64, help="Saltelli base sample size")
    args = parser.parse_args(argv)
    base = {"replicas": args.replicas, "horizon_days": args.days, "seed": args.seed}
    runs = args.trajectories * (len(UNCERTAIN) + 1)
    print(
        f"Morris screening: {len(UNCERTAIN)} parameters, {args.trajectories} trajectories "
        f"= {runs} sample points x {args.replicas} replicas x {args.days} days"
    )
    started = time.perf_counter()
    samples, indices = morris(base, trajectories=args.trajectories, seed=args.seed)
    for path in write_results(samples, indices, args.out_dir):
        print(f"  wrote {path}")
    print(f"done in {time.perf_counter() - started:.0f} s")
    for outcome in OUTCOMES:
        top = indices[indices.outcome == outcome].head(5)
        ranked = ", ".join(f"{r.parameter} ({r.mu_star:.3g})" for r in top.itertuples())
        print(f"{outcome}: {ranked}")
    if args.sobol:
        shortlist = top_parameters(indices, args.sobol)
        runs = args.sobol_n * (len(shortlist) + 2)
        print(f"Sobol indices for {', '.join(p.key for p in shortlist)}: {runs} runs")
        _, sob = sobol(base, shortlist, n=args.sobol_n, seed=args.seed)
        print(f"  wrote {write_csv(sob, args.out_dir / 'sobol_indices.csv')}")
        for outcome in ("peak_escalation", "p_targeted_killing"):
            d = sob[sob.outcome == outcome]
            print(
                f"{outcome}: "
                + ", ".join(f"{r.parameter} (S1 {r.S1:.2f}, ST {r.ST:.2f})" for r in d.itertuples())
            )


if __name__ == "__main__":
    main()
