"""Regenerate the shipped posterior: ABC-SMC on the record of 17 Oct 2023 - 21 Apr 2024.

Usage: ``python experiments/calibrate_2023.py [OUT_DIR] [--population 500] [--generations 8]
[--workers 2] [--seed 0]``.

Method and patterns: sim/analysis/calibration.py (several patterns at once: the dated
cumulative attacks, the lull, the first US deaths, the US strike days). Writes the final
population to sim/data/posterior_2023.csv (one row per particle, parameters and weight: the
file the model draws from) and, into OUT_DIR, posterior_summary.csv (median and 5-95% per
parameter), generations.csv (epsilon, acceptance) and posterior.png (the marginals against
their priors). The calibrated parameters' defaults are the posterior's medians (the schema
reads them from the file), so nothing else needs editing. With ``--workers 1`` the run is
reproducible from ``--seed``; ``--summarize-only`` redoes the outputs from the shipped
posterior without fitting.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from sim.analysis.calibration import FREE, calibrate, posterior_summary
from sim.core.posterior import POSTERIOR_FILE, load_posterior
from sim.files import atomic_path, write_csv


def plot_posterior(posterior, path: Path) -> None:
    """One panel per parameter: the weighted posterior histogram over its uniform prior."""
    fig = Figure(figsize=(13, 8))
    axes = fig.subplots(3, 4).ravel()
    for ax, p in zip(axes, FREE, strict=False):
        ax.hist(
            posterior[p.key],
            bins=25,
            range=(p.low, p.high),
            weights=posterior.weight,
            density=True,
            color="tab:blue",
            alpha=0.75,
            label="posterior",
        )
        ax.axhline(1.0 / (p.high - p.low), color="grey", ls="--", label="prior")
        ax.set_title(p.key, fontsize=10)
    for ax in axes[len(FREE) :]:
        ax.set_axis_off()
    axes[0].legend(fontsize=8)
    fig.suptitle("Posterior of the calibrated parameters (ABC-SMC, 17 Oct 2023 - 21 Apr 2024)")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=130, format="png")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, nargs="?", default=Path("outputs/calibration"))
    parser.add_argument("--population", type=int, default=500)
    parser.add_argument("--generations", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--posterior", type=Path, default=POSTERIOR_FILE)
    parser.add_argument("--summarize-only", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.summarize_only:
        posterior = load_posterior(args.posterior)
    else:
        posterior, generations = calibrate(
            population=args.population,
            generations=args.generations,
            seed=args.seed,
            workers=args.workers,
        )
        write_csv(posterior, args.posterior)
        write_csv(
            generations.drop(columns=["population_end_time"]), args.out_dir / "generations.csv"
        )
        print(
            f"{int(generations.samples.sum())} simulations in "
            f"{time.perf_counter() - started:.0f} s; final epsilon "
            f"{generations.epsilon.iloc[-1]:.3g} -> {args.posterior}"
        )
    summary = posterior_summary(posterior)
    write_csv(summary, args.out_dir / "posterior_summary.csv")
    plot_posterior(posterior, args.out_dir / "posterior.png")
    ess = 1.0 / np.sum(posterior.weight**2)
    print(f"{len(posterior)} particles, effective sample size {ess:.0f}")
    print(summary.round(4).to_string(index=False))


if __name__ == "__main__":
    main()
