"""Publishing a sweep's three tables as one set, complete or clearly partial.

The tables (``sweep_summary.parquet``, ``sweep_summary.csv``, ``sweep_timeseries.parquet``)
are written to temporary names and renamed into place together (sim.files.write_together);
then a manifest (``sweep_tables.json``) is written last, naming the three files with their
fingerprints (bytes, SHA-256, rows). The old manifest is removed before anything else, so a
set without a manifest, or whose files do not match it, is not a consistent set (a kill
between the renames): :func:`published` tells.

A sweep with any point failed, unfinished, stale or damaged publishes only *partial* tables,
named so (``sweep_summary.PARTIAL.parquet`` ... ``sweep_tables.PARTIAL.json``, figures in
``figures.PARTIAL/``), and removes the complete-looking tables of an earlier run, so that a
partial result is never mistaken for a whole one (and vice versa, a complete result removes
the partial tables of an earlier attempt).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.files import csv_writer, parquet_writer, write_text, write_together
from sim.sweeps.bookkeeping import file_fingerprint, file_mismatch

if TYPE_CHECKING:
    import pandas as pd

PARTIAL = ".PARTIAL"


def table_names(partial: bool) -> tuple[str, str, str]:
    """The summary (Parquet and CSV) and time-series table names of a complete or partial set."""
    tag = PARTIAL if partial else ""
    return (
        f"sweep_summary{tag}.parquet",
        f"sweep_summary{tag}.csv",
        f"sweep_timeseries{tag}.parquet",
    )


def manifest_name(partial: bool) -> str:
    return f"sweep_tables{PARTIAL if partial else ''}.json"


def figures_dir(sweep_dir: Path, partial: bool) -> Path:
    return sweep_dir / f"figures{PARTIAL if partial else ''}"


def withdraw(sweep_dir: Path, partial: bool) -> None:
    """Remove a published set (its manifest first) and its figures."""
    (sweep_dir / manifest_name(partial)).unlink(missing_ok=True)
    for name in table_names(partial):
        (sweep_dir / name).unlink(missing_ok=True)
    figures = figures_dir(sweep_dir, partial)
    if figures.is_dir():
        shutil.rmtree(figures)


def prepare(sweep_dir: Path) -> None:
    """Before a new set is drawn and written: remove what could be mistaken for it, i.e. both
    kinds' sets (each manifest before its tables) and their figures (a figure the new tables
    no longer allow must not survive from an earlier run). An interruption from here on
    leaves no table at all rather than an old one beside no manifest."""
    for kind in (True, False):
        withdraw(sweep_dir, kind)


def publish_tables(
    sweep_dir: Path,
    summary: pd.DataFrame,
    timeseries: pd.DataFrame,
    *,
    partial: bool,
    points: int,
) -> list[Path]:
    """Publish the three tables together, then their manifest (after :func:`prepare`).
    No rows: no tables, and an earlier set of this kind is withdrawn."""
    if summary.empty:
        withdraw(sweep_dir, partial)
        return []
    paths = [sweep_dir / n for n in table_names(partial)]
    tables = [summary, summary, timeseries]
    writers = [parquet_writer, csv_writer, parquet_writer]
    files = write_together(
        {path: make(table) for path, make, table in zip(paths, writers, tables, strict=True)}
    )
    manifest = {
        "complete": not partial,
        "points": points,
        "files": {
            path.name: file_fingerprint(path, len(table))
            for path, table in zip(files, tables, strict=True)
        },
        "written": time.time(),
    }
    write_text(json.dumps(manifest, indent=1), sweep_dir / manifest_name(partial))
    return files


def published(sweep_dir: Path) -> dict[str, Any] | None:
    """The manifest of the table set published in a sweep folder if its files are all there
    and match it (a consistent set), else None. A complete set is preferred to a partial one."""
    for partial in (False, True):
        try:
            manifest = json.loads((sweep_dir / manifest_name(partial)).read_text())
            files = manifest["files"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(files, dict) and not any(
            file_mismatch(sweep_dir / name, expected) for name, expected in files.items()
        ):
            return manifest
    return None
