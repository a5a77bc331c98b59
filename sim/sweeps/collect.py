"""Gather a sweep's per-job results into one tidy table set (``python -m sim.sweeps.collect DIR``).

Runs at the end of every sweep (Hydra callback) and on its own, because Hydra skips its
end-of-sweep hook when any job fails. Failed or unfinished jobs are named, and the others'
results are kept.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sim.files import write_csv, write_parquet
from sim.sweeps.bookkeeping import DONE, FAILED, JOBS_DIR, POINT


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
    failed: dict[str, str] = {}
    unfinished: list[str] = []
    finished: list[Path] = []
    for job in job_dirs(sweep_dir):
        if (job / DONE).exists():
            finished.append(job)
        elif (job / FAILED).exists():
            lines = (job / FAILED).read_text().strip().splitlines() or ["failed"]
            failed[job.name] = lines[-1]
        else:
            unfinished.append(job.name)
    points = [json.loads(p.read_text()) if (p := job / POINT).exists() else {} for job in finished]
    names = sorted({k for point in points for k in point})
    if not finished:
        return SweepTables(pd.DataFrame(), pd.DataFrame(), names, failed, unfinished)
    with ThreadPoolExecutor(max_workers=4) as pool:  # the readers release the GIL
        parts = list(pool.map(_read_job, finished))
    # jobs written by another version of the code may differ in a column's type or set
    summary = _summaries(finished, [s for s, _ in parts])
    timeseries = pa.concat_tables([q for _, q in parts], promote_options="permissive").to_pandas()
    labels = [job.name for job in finished]
    summary = _with_point(summary, [s.num_rows for s, _ in parts], labels, points, names)
    timeseries = _with_point(timeseries, [q.num_rows for _, q in parts], labels, points, names)
    summary = summary.sort_values(["point", "replica"], ignore_index=True)
    timeseries["series"] = timeseries["series"].astype(str)
    return SweepTables(summary, timeseries, names, failed, unfinished)


def _read_job(job: Path) -> tuple[pa.Table, pa.Table]:
    """A job's summary and its daily quantiles, the latter ordered by series and day (the
    jobs come in the order of their names, so the whole table needs no sort of its own) and
    with the series as plain names (however a version of the code stored them)."""
    quantiles = pq.read_table(job / "quantiles.parquet")
    series = quantiles.column("series").combine_chunks()
    quantiles = quantiles.take(_series_day_order(series, quantiles.column("day").to_numpy()))
    index = quantiles.schema.get_field_index("series")
    quantiles = quantiles.set_column(index, "series", pc.cast(quantiles["series"], pa.string()))
    return pacsv.read_csv(job / "summary.csv"), quantiles


def _series_day_order(series: pa.Array, day: np.ndarray) -> np.ndarray:
    """Row order by series name, then day. Series stored as a dictionary with its names in
    order (as jobs write them) are ordered by their codes; any others by their names."""
    if pa.types.is_dictionary(series.type):
        names = series.dictionary.to_numpy(zero_copy_only=False)
        if (names[:-1] < names[1:]).all():
            return np.lexsort((day, series.indices.to_numpy(zero_copy_only=False)))
    return np.lexsort((day, pc.cast(series, pa.string()).to_numpy(zero_copy_only=False)))


def _summaries(jobs: list[Path], tables: list[pa.Table]) -> pd.DataFrame:
    """The jobs' summaries as one frame, as ``pd.concat`` of ``pd.read_csv(engine="pyarrow")``
    of each would give it. Converted to pandas once, as one table, where that gives the same
    frame: every column holds numbers, booleans or dates, of one type in every job that has
    values in it, and a column some jobs lack or leave empty holds numbers (it becomes float,
    NaN where empty, as pandas makes it). Other mixes (text columns, hand-edited files) are
    read again, job by job, by pandas."""
    types: dict[str, set[pa.DataType]] = {}
    gaps: set[str] = set()
    for table in tables:
        for column in table.schema:
            if pa.types.is_null(column.type):
                gaps.add(column.name)
            else:
                types.setdefault(column.name, set()).add(column.type)
    names = {name for table in tables for name in table.column_names}
    gaps |= {name for name in names for table in tables if name not in table.column_names}
    joinable = all(
        len(kinds) == 1
        and (_numeric(kind := next(iter(kinds))) or (name not in gaps and _plain(kind)))
        for name, kinds in types.items()
    )
    if not joinable:
        frames = [pd.read_csv(job / "summary.csv", engine="pyarrow") for job in jobs]
        return pd.concat(frames, ignore_index=True)
    table = pa.concat_tables(tables, promote_options="permissive")
    for i, name in enumerate(table.column_names):
        if name in gaps:
            table = table.set_column(i, name, pc.cast(table[name], pa.float64()))
    return table.to_pandas()


def _numeric(kind: pa.DataType) -> bool:
    return pa.types.is_integer(kind) or pa.types.is_floating(kind)


def _plain(kind: pa.DataType) -> bool:
    return _numeric(kind) or pa.types.is_boolean(kind) or pa.types.is_temporal(kind)


def _with_point(
    frame: pd.DataFrame,
    lengths: list[int],
    labels: list[str],
    points: list[dict[str, Any]],
    names: list[str],
) -> pd.DataFrame:
    """The rows of consecutive jobs labelled with their point and swept parameters, as the
    first columns (a swept column the table already has, e.g. seed, is left as it is)."""
    # One row per job, combined by the same rules as whole per-job tables, then repeated.
    keys = pd.concat(
        [
            pd.DataFrame(
                {"point": label, **{k: _cell(v) for k, v in point.items() if k not in frame}},
                index=range(1),
            )
            for label, point in zip(labels, points, strict=True)
        ],
        ignore_index=True,
    )
    keys = keys.take(np.repeat(np.arange(len(labels)), lengths)).reset_index(drop=True)
    order = [*names, "point"]
    front = keys.assign(**{c: frame[c] for c in order if c in frame})[order]
    return pd.concat([front, frame.drop(columns=[c for c in order if c in frame])], axis=1)


def _cell(value: Any) -> Any:
    """A swept value as one table cell: a list or mapping (e.g. ``shocks=[...]``) as JSON."""
    return json.dumps(value, sort_keys=True) if isinstance(value, list | dict) else value


def write_tables(sweep_dir: str | Path, tables: SweepTables) -> list[Path]:
    """Write sweep_summary.parquet/.csv and sweep_timeseries.parquet at the sweep's root
    (concurrently: the writers spend most of their time outside the GIL)."""
    sweep_dir = Path(sweep_dir)
    if tables.summary.empty:
        return []
    with ThreadPoolExecutor(max_workers=3) as pool:
        files = [
            pool.submit(write_parquet, tables.summary, sweep_dir / "sweep_summary.parquet"),
            pool.submit(write_csv, tables.summary, sweep_dir / "sweep_summary.csv"),
            pool.submit(write_parquet, tables.timeseries, sweep_dir / "sweep_timeseries.parquet"),
        ]
        return [f.result() for f in files]


def collect_and_report(
    sweep_dir: str | Path, *, figures: bool = True, workers: Mapping[str, Any] | None = None
) -> SweepTables:
    """Collect, write the tables and (optionally) the figures, and print what happened
    (``workers``: see :func:`sim.sweeps.report.draw_figures`; with workers, the figures are drawn
    while this process writes the tables)."""
    sweep_dir = Path(sweep_dir)
    tables = collect(sweep_dir)
    drawing: Iterator[Path | None] = iter(())
    if figures and not tables.summary.empty:
        from sim.sweeps.report import draw_figures

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
    """``python -m sim.sweeps.collect DIR``: exit 0 if every job finished, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="python -m sim.sweeps.collect", description=__doc__)
    parser.add_argument("sweep_dir", type=Path, help="the sweep folder (hydra.sweep.dir)")
    parser.add_argument("--no-figures", action="store_true", help="tables only")
    args = parser.parse_args(argv)
    if not (args.sweep_dir / JOBS_DIR).is_dir():
        print(
            f"sim.sweeps.collect: error: {args.sweep_dir} has no {JOBS_DIR}/ folder; is it a sweep "
            "folder (hydra.sweep.dir)?",
            file=sys.stderr,
        )
        return 2
    tables = collect_and_report(args.sweep_dir, figures=not args.no_figures)
    return 1 if tables.failed or tables.unfinished else 0


if __name__ == "__main__":
    sys.exit(main())
