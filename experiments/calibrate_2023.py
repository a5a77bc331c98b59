"""Regenerate the shipped posterior: rejection ABC on the record of 17 Oct 2023 - 21 Apr 2024.

Usage: ``python experiments/calibrate_2023.py [OUT_DIR] [--samples 131072] [--keep 400]
[--replicas-per-particle 16] [--workers 2] [--seed 1] [--save-sample FILE]
[--from-sample FILE] [--summarize-only]``.

Method and patterns: sim/analysis/calibration.py (a Sobol sample of the priors, each point
judged by the median of its replicas on several patterns at once: the dated cumulative
attacks, the lull, the first US deaths, the US strike days; the closest ``--keep`` points
are the posterior). Writes the posterior to sim/data/posterior_2023.csv (one row per
particle, parameters and weight: the file the model draws from) and, into OUT_DIR,
posterior_summary.csv (median and 5-95% per parameter), stability.csv (the posterior of each
half of the sample) and posterior.png (the marginals against their priors, and each half's).
The calibrated parameters' defaults are the posterior's medians (the schema reads them from
the file), so nothing else needs editing. The result is bit-identical for a given ``--seed``
whatever ``--workers``; ``--save-sample`` keeps every simulated point (Parquet) and
``--from-sample`` redoes the acceptance from it without simulating (the distances
recomputed from its patterns with the current tolerances, so a changed tolerance never selects
on stale distances); ``--summarize-only``
redoes the summary and figure from the shipped posterior.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.calibration import (
    FREE,
    accept,
    calibrate,
    distance,
    halves,
    posterior_summary,
    record_patterns,
    stability,
)
from sim.core.posterior import POSTERIOR_FILE, load_posterior
from sim.files import atomic_path, write_csv


def plot_posterior(posterior: pd.DataFrame, path: Path, sample: pd.DataFrame | None) -> None:
    """One panel per parameter: the posterior histogram over its uniform prior and, with the
    simulated sample, the posterior of each half of it (stability)."""
    parts = [] if sample is None else halves(sample, len(posterior))
    fig = Figure(figsize=(13, 8))
    axes = fig.subplots(3, 4).ravel()
    for ax, p in zip(axes, FREE, strict=False):
        bins = np.linspace(p.low, p.high, 26)
        ax.hist(
            posterior[p.key],
            bins=bins,
            weights=posterior.weight,
            density=True,
            color="tab:blue",
            alpha=0.6,
            label="posterior",
        )
        for i, part in enumerate(parts):
            ax.hist(
                part[p.key],
                bins=bins,
                density=True,
                histtype="step",
                color=("tab:red", "k")[i],
                lw=1,
                label=f"half {i + 1} of the sample",
            )
        ax.axhline(1.0 / (p.high - p.low), color="grey", ls="--", label="prior")
        ax.set_title(p.key, fontsize=10)
    axes[0].legend(fontsize=7)
    fig.suptitle(
        "Posterior of the calibrated parameters (rejection ABC, 17 Oct 2023 - 21 Apr 2024)"
    )
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=130, format="png")


def read_sample(path: Path, keep: int, parser: argparse.ArgumentParser) -> pd.DataFrame:
    """A sample saved by ``--save-sample``, checked: one line naming the problem if it is
    missing, unreadable, not a sample of the calibrated parameters and patterns, drawn from
    other priors than today's, or too small for ``keep``. Its distances are recomputed from
    its patterns with today's tolerances: a stored distance may be stale."""
    try:
        sample = pd.read_parquet(path)
    except (OSError, ValueError) as err:
        parser.error(f"--from-sample {path}: cannot be read ({type(err).__name__})")
    needed = [*(p.key for p in FREE), *record_patterns()]
    missing = [c for c in needed if c not in sample.columns]
    if missing:
        parser.error(f"--from-sample {path}: not a calibration sample (lacks {missing[0]})")
    for column in needed:
        if not pd.api.types.is_numeric_dtype(sample[column]):
            parser.error(f"--from-sample {path}: column {column} is not numeric")
    for p in FREE:
        if not sample[p.key].between(p.low, p.high).all():
            parser.error(
                f"--from-sample {path}: {p.key} lies outside its prior [{p.low:g}, {p.high:g}]"
                " (a sample of other priors)"
            )
    if keep * 2 > len(sample):
        parser.error(f"--keep {keep} must be at most half of the sample's {len(sample)} points")
    sample["distance"] = distance(sample)
    return sample


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, nargs="?", default=Path("outputs/calibration"))
    parser.add_argument("--samples", type=int, default=2**17)
    parser.add_argument("--keep", type=int, default=400)
    parser.add_argument("--replicas-per-particle", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--posterior", type=Path, default=POSTERIOR_FILE)
    parser.add_argument("--save-sample", type=Path)
    parser.add_argument("--from-sample", type=Path)
    parser.add_argument("--summarize-only", action="store_true")
    args = parser.parse_args(argv)
    if min(args.samples, args.keep, args.replicas_per_particle, args.workers) < 1:
        parser.error("--samples, --keep, --replicas-per-particle and --workers must be >= 1")
    if args.keep * 2 > args.samples:
        parser.error(f"--keep {args.keep} must be at most half of --samples {args.samples}")
    started = time.perf_counter()
    sample = None
    if args.summarize_only:
        posterior = load_posterior(args.posterior)
    else:
        if args.from_sample:
            sample = read_sample(args.from_sample, args.keep, parser)
            posterior = accept(sample, args.keep)
        else:
            posterior, sample = calibrate(
                samples=args.samples,
                keep=args.keep,
                replicas_per_particle=args.replicas_per_particle,
                seed=args.seed,
                workers=args.workers,
                progress=True,
            )
        if args.save_sample:
            with atomic_path(args.save_sample) as tmp:
                sample.to_parquet(tmp)
        write_csv(posterior, args.posterior)
        table = stability(sample, args.keep)
        write_csv(table, args.out_dir / "stability.csv")
        eps = sample.distance.nsmallest(args.keep).max()
        print(
            f"{len(sample)} points simulated, {len(posterior)} kept (distance <= {eps:.3g}) "
            f"in {time.perf_counter() - started:.0f} s -> {args.posterior}"
        )
        print("largest difference between the halves' posteriors, as a share of the prior:")
        print(table.set_index("parameter").largest_difference_share_of_prior.round(3).to_string())
    summary = posterior_summary(posterior)
    write_csv(summary, args.out_dir / "posterior_summary.csv")
    plot_posterior(posterior, args.out_dir / "posterior.png", sample)
    print(summary.round(4).to_string(index=False))


if __name__ == "__main__":
    main()
