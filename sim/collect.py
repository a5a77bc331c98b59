"""Gather a sweep's per-job results into one tidy table set (``python -m sim.collect DIR``).

Runs at the end of every sweep (Hydra callback) and on its own, because Hydra skips its
end-of-sweep hook when any job fails. Failed or unfinished jobs are named, and the others'
results are kept.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.results import write_csv, write_parquet
from sim.sweep import DONE, FAILED, JOBS_DIR, POINT


@dataclass
class SweepTables:
    """What a sweep produced: one row per point x replica, and per point x day x series."""

    summary: pd.DataFrame
    timeseries: pd.DataFrame
    parameters: list[str]
    failed: dict[str, str] = field(default_factory=dict)
    unfinished: list[str] = field(default_factory=list)


def job_dirs(sweep_dir: Path) -> list[Path]:
    """Every job folder of a sweep (those Hydra created), sorted by name."""
    return sorted(p.parent.parent for p in (sweep_dir / JOBS_DIR).glob("*/.hydra/config.yaml"))


def collect(sweep_dir: str | Path) -> SweepTables:
    """Read every finished job of a sweep into two tables (see :class:`SweepTables`)."""
    sweep_dir = Path(sweep_dir)
    summaries, series, params = [], [], set()
    failed: dict[str, str] = {}
    unfinished: list[str] = []
    for job in job_dirs(sweep_dir):
        if not (job / DONE).exists():
            if (job / FAILED).exists():
                lines = (job / FAILED).read_text().strip().splitlines() or ["failed"]
                failed[job.name] = lines[-1]
            else:
                unfinished.append(job.name)
            continue
        point = json.loads((job / POINT).read_text()) if (job / POINT).exists() else {}
        params.update(point)
        summary = pd.read_csv(job / "summary.csv", engine="pyarrow")
        quantiles = pd.read_parquet(job / "quantiles.parquet")
        for frame, out in ((summary, summaries), (quantiles, series)):
            frame.insert(0, "point", job.name)
            for i, (k, v) in enumerate(sorted(point.items())):
                if k not in frame:  # e.g. a swept seed is already the summary's own column
                    frame.insert(i, k, v)
            out.append(frame)
    names = sorted(params)
    if not summaries:
        return SweepTables(pd.DataFrame(), pd.DataFrame(), names, failed, unfinished)
    summary = pd.concat(summaries, ignore_index=True)
    timeseries = pd.concat(series, ignore_index=True)
    for frame in (summary, timeseries):
        for name in names:
            if name not in frame:
                frame[name] = None
    order = [*names, "point"]
    summary = summary[order + [c for c in summary.columns if c not in order]]
    timeseries = timeseries[order + [c for c in timeseries.columns if c not in order]]
    summary = summary.sort_values(["point", "replica"], ignore_index=True)
    timeseries = timeseries.sort_values(["point", "series", "day"], ignore_index=True)
    timeseries["series"] = timeseries["series"].astype(str)
    return SweepTables(summary, timeseries, names, failed, unfinished)


def write_tables(sweep_dir: str | Path, tables: SweepTables) -> list[Path]:
    """Write sweep_summary.parquet/.csv and sweep_timeseries.parquet at the sweep's root."""
    sweep_dir = Path(sweep_dir)
    if tables.summary.empty:
        return []
    return [
        write_parquet(tables.summary, sweep_dir / "sweep_summary.parquet"),
        write_csv(tables.summary, sweep_dir / "sweep_summary.csv"),
        write_parquet(tables.timeseries, sweep_dir / "sweep_timeseries.parquet"),
    ]


def collect_and_report(
    sweep_dir: str | Path, *, figures: bool = True, workers: Mapping[str, Any] | None = None
) -> SweepTables:
    """Collect, write the tables and (optionally) the figures, and print what happened
    (``workers``: see :func:`sim.report.draw_figures`; with workers, the figures are drawn
    while this process writes the tables)."""
    sweep_dir = Path(sweep_dir)
    tables = collect(sweep_dir)
    drawing: Iterator[Path | None] = iter(())
    if figures and not tables.summary.empty:
        from sim.report import draw_figures

        drawing = draw_figures(tables, sweep_dir / "figures", workers)
    written = write_tables(sweep_dir, tables)
    written += [p for p in drawing if p is not None]
    points = tables.summary["point"].nunique() if not tables.summary.empty else 0
    print(
        f"Collected {points} scenario point(s), {len(tables.summary)} replica rows, "
        f"into {sweep_dir}:"
    )
    for path in written:
        print(f"  {path.relative_to(sweep_dir)}")
    for name, reason in tables.failed.items():
        print(f"FAILED job {name}: {reason}", file=sys.stderr)
    for name in tables.unfinished:
        print(f"UNFINISHED job {name} (interrupted? re-run the sweep to resume)", file=sys.stderr)
    return tables


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.collect DIR``: exit 0 if every job finished, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="python -m sim.collect", description=__doc__)
    parser.add_argument("sweep_dir", type=Path, help="the sweep folder (hydra.sweep.dir)")
    parser.add_argument("--no-figures", action="store_true", help="tables only")
    args = parser.parse_args(argv)
    if not (args.sweep_dir / JOBS_DIR).is_dir():
        print(
            f"sim.collect: error: {args.sweep_dir} has no {JOBS_DIR}/ folder; is it a sweep "
            "folder (hydra.sweep.dir)?",
            file=sys.stderr,
        )
        return 2
    tables = collect_and_report(args.sweep_dir, figures=not args.no_figures)
    return 1 if tables.failed or tables.unfinished else 0


if __name__ == "__main__":
    sys.exit(main())
