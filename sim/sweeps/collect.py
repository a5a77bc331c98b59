"""Gather a sweep's per-job results into one tidy table set (``python -m sim.sweeps.collect DIR``).

Runs at the end of every sweep (Hydra callback), after a job that died outright (Hydra then
skips its end-of-sweep hook) and on its own. Only the points of the current sweep (its list in the
sweep state) whose completion record matches this sweep and whose files match their
fingerprints are gathered; every other point is named in one line and left out:

- failed (a ``_FAILED.txt`` note) or unfinished (no marker: never started, interrupted);
- stale: finished under an earlier, different base config of the sweep (e.g. another
  ``horizon_days``), so that points of different configs never share a table;
- damaged: a result file cut, emptied, replaced or unreadable since the job wrote it.

Job folders of an earlier, different sweep in the same folder (points not in the current
sweep's list) are left out and reported in one line. Leaving them out, rather than refusing
to run, is deliberate: re-running a narrower sweep into a named experiment's folder is a
normal thing to do, and the folders are kept, so widening the sweep again resumes them.

If any point of the current sweep is missing from the tables, they are published as clearly
partial ones (see sim.sweeps.publish) and the command exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sim.sweeps.bookkeeping import (
    DONE,
    FAILED,
    JOBS_DIR,
    NotASweep,
    clean_temporaries,
    job_dirs,
    of_sweep,
    read_marker,
    read_state,
)
from sim.sweeps.lock import SweepBusy, lock_sweep
from sim.sweeps.point_reader import one_line, read_checked
from sim.sweeps.publish import figures_dir, prepare, publish_tables

if TYPE_CHECKING:
    from sim.sweeps.prefetch import Prefetch

EXIT_INCOMPLETE = 1
EXIT_NOT_A_SWEEP = 2
EXIT_INTERRUPTED = 130  # the shell's code for a process stopped by Ctrl-C (128 + SIGINT)


@dataclass
class SweepTables:
    """What a sweep produced: one row per point x replica, and per point x day x series; and
    the current sweep's points that are not in them, by reason."""

    summary: pd.DataFrame
    timeseries: pd.DataFrame
    parameters: list[str]
    failed: dict[str, str] = field(default_factory=dict)
    unfinished: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    damaged: dict[str, str] = field(default_factory=dict)
    foreign: list[str] = field(default_factory=list)
    total: int = 0

    @property
    def complete(self) -> bool:
        """Whether every point of the current sweep is in the tables (a sweep of no point
        has no result)."""
        left_out = self.failed or self.unfinished or self.stale or self.damaged
        return self.total > 0 and not left_out


def check_sweep_folder(sweep_dir: Path) -> None:
    """Raise :class:`NotASweep` unless ``sweep_dir`` looks like a sweep folder."""
    if not (sweep_dir / JOBS_DIR).is_dir():
        raise NotASweep(f"it has no {JOBS_DIR}/ folder")
    if read_state(sweep_dir) is None and not job_dirs(sweep_dir):
        raise NotASweep(f"its {JOBS_DIR}/ folder holds no job folders")


def collect(sweep_dir: str | Path, prefetched: Prefetch | None = None) -> SweepTables:
    """Read every complete, intact point of the current sweep into two tables (see
    :class:`SweepTables`); points already read while the sweep ran (``prefetched``, see
    sim/sweeps/prefetch.py) are taken from there if their files have not changed since.
    Raises :class:`NotASweep` if the sweep state is unreadable."""
    sweep_dir = Path(sweep_dir)
    tables, candidates = _sort_points(sweep_dir)
    parts = [prefetched.get(job) if prefetched is not None else None for job in candidates]
    unread = [i for i, part in enumerate(parts) if part is None]
    with ThreadPoolExecutor(max_workers=4) as pool:  # the readers release the GIL
        for i, part in zip(
            unread, pool.map(read_checked, [candidates[i] for i in unread]), strict=True
        ):
            parts[i] = part
    finished = [
        job for job, part in zip(candidates, parts, strict=True) if not isinstance(part, str)
    ]
    tables.damaged = {
        job.name: part for job, part in zip(candidates, parts, strict=True) if isinstance(part, str)
    }
    good = [part for part in parts if not isinstance(part, str)]
    points = [point for point, _, _ in good]
    tables.parameters = names = sorted({k for point in points for k in point})
    if not finished:
        return tables
    # jobs written by another version of the code may differ in a column's type or set
    summary = _summaries(finished, [s for _, s, _ in good])
    timeseries = pa.concat_tables([q for _, _, q in good], promote_options="permissive").to_pandas()
    labels = [job.name for job in finished]
    summary = _with_point(summary, [s.num_rows for _, s, _ in good], labels, points, names)
    timeseries = _with_point(timeseries, [q.num_rows for _, _, q in good], labels, points, names)
    tables.summary = summary.sort_values(["point", "replica"], ignore_index=True)
    timeseries["series"] = timeseries["series"].astype(str)
    tables.timeseries = timeseries
    return tables


def _sort_points(sweep_dir: Path) -> tuple[SweepTables, list[Path]]:
    """Empty tables naming the current sweep's points that are failed, unfinished or stale,
    and the earlier sweeps' folders; and the finished points, whose files are still to check."""
    state = read_state(sweep_dir) or {}
    present = {job.name for job in job_dirs(sweep_dir)}
    names = sorted(state["points"] if state.get("points") is not None else present)
    sweep_id = state.get("sweep") or _latest_sweep(sweep_dir, names)
    tables = SweepTables(pd.DataFrame(), pd.DataFrame(), [], total=len(names))
    tables.foreign = sorted(present.difference(names))
    candidates: list[Path] = []
    for name in names:
        job = sweep_dir / JOBS_DIR / name
        if (job / DONE).exists() and name in present:
            marker = read_marker(job)  # an unreadable one: damaged (see read_checked)
            if marker is not None and not of_sweep(marker, sweep_id):
                tables.stale.append(name)
            else:
                candidates.append(job)
        elif (job / FAILED).exists():
            lines = (job / FAILED).read_text(errors="replace").strip().splitlines() or ["failed"]
            tables.failed[name] = lines[-1]
        else:
            tables.unfinished.append(name)
    return tables, candidates


def _latest_sweep(sweep_dir: Path, names: list[str]) -> str | None:
    """Without a recorded sweep (its state file lost, e.g. copied without dot files): the
    sweep of the most recently confirmed completion record, so that points of an earlier,
    different sweep in the folder are left out as stale rather than mixed in."""
    latest: tuple[float, str] | None = None
    for name in names:
        marker = read_marker(sweep_dir / JOBS_DIR / name)
        when = marker.get("confirmed", marker.get("finished")) if marker else None
        if marker and isinstance(marker.get("sweep"), str) and isinstance(when, int | float):
            latest = max(latest or (when, marker["sweep"]), (when, marker["sweep"]))
    return latest[1] if latest else None


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


def collect_and_report(
    sweep_dir: str | Path,
    *,
    figures: bool = True,
    workers: Mapping[str, Any] | None = None,
    before_figures: Callable[[], None] | None = None,
    prefetched: Prefetch | None = None,
) -> SweepTables:
    """Collect, publish the tables and (optionally) the figures, and print what happened:
    one line per point left out, and a line saying so if the tables are partial
    (``workers``: see :func:`sim.sweeps.report.draw_figures`; with workers, the figures are
    drawn while this process writes the tables; ``before_figures`` is called once the tables
    are gathered, before the figures are started, e.g. to wait for the workers' warm-up;
    ``prefetched``: see :func:`collect`).
    The caller holds the sweep's lock (or knows that no job of it is running): leftover
    temporary files are removed first."""
    sweep_dir = Path(sweep_dir)
    clean_temporaries(sweep_dir)
    tables = collect(sweep_dir, prefetched)
    partial = not tables.complete
    prepare(sweep_dir)
    drawing: Iterator[Path | None] = iter(())
    if before_figures is not None:
        before_figures()
    if figures and not tables.summary.empty:
        from sim.sweeps.report import draw_figures

        drawing = draw_figures(tables, figures_dir(sweep_dir, partial), workers)
    points = tables.summary["point"].nunique() if not tables.summary.empty else 0
    written = publish_tables(
        sweep_dir, tables.summary, tables.timeseries, partial=partial, points=points
    )
    written += [p for p in drawing if p is not None]
    print(
        f"Collected {points} scenario point(s), {len(tables.summary)} replica rows, "
        f"into {sweep_dir}:"
    )
    for path in written:
        print(f"  {path.relative_to(sweep_dir)}")
    report_left_out(tables, points)
    return tables


def report_left_out(tables: SweepTables, points: int) -> None:
    """One line per point of the sweep left out of the tables, one for an earlier sweep's
    points, and one if the tables are partial (on stderr)."""
    lines = [f"FAILED point {name}: {reason}" for name, reason in tables.failed.items()]
    lines += [
        f"UNFINISHED point {name} (interrupted? re-run the sweep to resume)"
        for name in tables.unfinished
    ]
    lines += [
        f"STALE point {name}: finished under an earlier, different config of this sweep; "
        "left out (re-run the sweep to recompute it)"
        for name in tables.stale
    ]
    lines += [
        f"DAMAGED point {name}: {reason}; left out (re-run the sweep to recompute it)"
        for name, reason in tables.damaged.items()
    ]
    if tables.foreign:
        shown = ", ".join(tables.foreign[:3]) + (", ..." if len(tables.foreign) > 3 else "")
        lines.append(
            f"left out {len(tables.foreign)} job folder(s) of an earlier, different sweep in "
            f"this folder, not among this sweep's {tables.total} point(s): {shown}"
        )
    if tables.total == 0:
        lines.append("NO scenario point: the sweep's state lists none, so nothing is gathered")
    elif not tables.complete:
        lines.append(
            f"PARTIAL result: {points} of {tables.total} scenario point(s) gathered; the tables "
            "are named *.PARTIAL.* and are not the sweep's result (re-run the sweep to "
            "complete it)"
        )
    for line in lines:
        print(line, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.sweeps.collect DIR``: exit 0 if every point of the sweep is gathered,
    1 if any is left out (failed, unfinished, stale, damaged) or gathering fails, 2 if DIR is
    not a sweep folder. Every error is one line, never a traceback."""
    parser = argparse.ArgumentParser(prog="python -m sim.sweeps.collect", description=__doc__)
    parser.add_argument("sweep_dir", type=Path, help="the sweep folder (hydra.sweep.dir)")
    parser.add_argument("--no-figures", action="store_true", help="tables only")
    args = parser.parse_args(argv)
    error = "sim.sweeps.collect: error:"
    try:
        check_sweep_folder(args.sweep_dir)
        lock_sweep(args.sweep_dir)
        tables = collect_and_report(args.sweep_dir, figures=not args.no_figures)
    except NotASweep as ex:
        print(
            f"{error} {args.sweep_dir} is not a sweep folder (hydra.sweep.dir): {ex}",
            file=sys.stderr,
        )
        return EXIT_NOT_A_SWEEP
    except SweepBusy as ex:
        print(f"{error} {ex}", file=sys.stderr)
        return EXIT_INCOMPLETE
    except KeyboardInterrupt:
        print(
            f"{error} interrupted; no table is published (the same command gathers again)",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except Exception as ex:  # e.g. a table or figure that cannot be written: say so, briefly
        print(f"{error} gathering {args.sweep_dir} failed ({one_line(ex)})", file=sys.stderr)
        return EXIT_INCOMPLETE
    return 0 if tables.complete else EXIT_INCOMPLETE


if __name__ == "__main__":
    sys.exit(main())
