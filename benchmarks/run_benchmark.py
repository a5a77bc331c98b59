"""Benchmark: cost per replica-run of the default scenario at R = 1 and R = 200.

Both are measured in the same process, one after the other, so their ratio is meaningful on a
shared, noisy machine even when the absolute times are not. Run: ``make bench`` or
``python benchmarks/run_benchmark.py [--repeats N]``. The last lines are the figures.
"""

from __future__ import annotations

import argparse
import statistics
import time

from sim import EscalationModel
from sim.metrics import summarize


def time_run(replicas: int, repeats: int) -> float:
    """Median wall time (s) of building, running and summarising the default scenario."""
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        model = EscalationModel({"replicas": replicas, "seed": i}).run()
        model.timeseries()
        summarize(model)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per size (median taken)")
    parser.add_argument("--replicas", type=int, default=200, help="the batched size")
    args = parser.parse_args()

    time_run(1, 1)  # warm-up: imports, caches
    single = time_run(1, args.repeats)
    batched = time_run(args.replicas, args.repeats)
    per_single = 1000 * single
    per_batched = 1000 * batched / args.replicas
    print(f"default scenario, 730 days, median of {args.repeats} runs each")
    print(f"R = 1:   {per_single:8.2f} ms per replica-run ({single:.3f} s per run)")
    print(f"R = {args.replicas}: {per_batched:8.2f} ms per replica-run ({batched:.3f} s per run)")
    print(
        f"ratio (R = 1 cost / R = {args.replicas} cost per replica): "
        f"{per_single / per_batched:.1f}x (target >= 20x)"
    )


if __name__ == "__main__":
    main()
