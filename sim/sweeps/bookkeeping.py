"""Bookkeeping of a sweep's jobs: folder names, completion markers, resume and the sweep state.

A sweep is a folder with one sub-folder per scenario point (``jobs/<parameters>``). A job's
results are published file by file atomically and its completion marker ``_DONE.json`` is
written last. The marker holds two fingerprints: of the job's resolved config and the data
it reads (``scenario_digest``) and of every result file (bytes, SHA-256 and, for tables,
rows), plus the identity of the sweep that last ran or confirmed it (``sweep``: a digest of
the sweep's base config, see :func:`sim.sweeps.callbacks.sweep_identity`). So a marker says
exactly which config and data produced exactly which files, and a point whose files were
cut, emptied or replaced since is seen as damaged, not complete.

Before a job (re)runs, or when its input is bad, its old marker is removed first and then its
old results (:func:`invalidate`): a folder never shows a marker beside results of another
config. Re-running the sweep into the same folder skips every point whose marker matches its
config and whose files match their fingerprints: an interrupted sweep resumes without redoing
finished work.

The sweep state file ``.sweep_state.json`` records the current sweep's identity, its list of
points (job folder names) and its start time: what the collector and the progress bar count.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.files import write_text

DONE = "_DONE.json"
FAILED = "_FAILED.txt"
POINT = "point.json"
SWEEP_STATE = ".sweep_state.json"
JOBS_DIR = "jobs"
RESULT_FILES = (
    "summary.csv",
    "quantiles.parquet",
    "timeseries.parquet",
    "events.csv",
    "trajectory.png",
    "scenario.yaml",
)
"""Every file a job may write (sim.sweeps.job.run_scenario): what :func:`invalidate` removes.
Only these: a single run's folder may be one the user chose, holding files of their own."""

NOT_FINISHED = "not finished"
"""What :func:`why_not_done` says of a folder with no completion marker (nothing to report)."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._=,+-]")
_CHUNK = 1 << 20


class NotASweep(Exception):
    """A folder that is not a sweep folder (no jobs, or an unreadable sweep state)."""


def job_dir_name(override_dirname: str) -> str:
    """A folder name from a job's parameter overrides, e.g.
    ``us.policy=tit_for_tat,withdrawal.start_month=6``. Slashes of config groups become dots;
    other unsafe characters become underscores; very long names are shortened with a hash."""
    name = _UNSAFE.sub("_", override_dirname.replace("/", ".")) or "default"
    if len(name) > 180:
        digest = hashlib.sha1(name.encode()).hexdigest()[:12]
        name = f"{name[:160]}~{digest}"
    return name


def config_digest(resolved: dict[str, Any]) -> str:
    """A stable fingerprint of a resolved scenario config."""
    return hashlib.sha256(json.dumps(resolved, sort_keys=True, default=str).encode()).hexdigest()


def scenario_digest(resolved: dict[str, Any]) -> str:
    """A fingerprint of a resolved scenario config and of the data a run of it reads: every
    shipped data file (the posterior its replicas draw from, the dated start states, the
    regional war's record, ...) and the files its config names that a run reads (another
    posterior, a replay log; the ladder and Iran's orders are read into the config itself).
    Why: a point is stale when its inputs change, not only its config; an edited posterior
    or start state must not leave old points looking current."""
    from sim.core.posterior import posterior_path
    from sim.paths import DATA_DIR

    # Keyed by where the data sit in the package, or by the name the config gives a file, so
    # that the digest does not change when the project folder moves.
    data = {
        f"sim/data/{p.relative_to(DATA_DIR).as_posix()}": _sha256(p)
        for p in sorted(DATA_DIR.rglob("*"))
        if p.is_file() and p.suffix in _DATA_SUFFIXES
    }
    named = {"posterior": posterior_path(str(resolved.get("posterior", "")))}
    for actor, section in resolved.items():
        log = section.get("policy", {}).get("log") if isinstance(section, dict) else None
        if isinstance(log, str) and log:
            named[f"{actor}.policy.log"] = Path(log)
    for key, path in named.items():
        if not path.is_relative_to(DATA_DIR) and (sha := _sha256_if_file(path)):
            data[key] = sha
    return config_digest({"config": resolved, "data": data})


_DATA_SUFFIXES = {".csv", ".yaml", ".yml", ".json", ".parquet"}


def _sha256_if_file(path: Path) -> str | None:
    """A file's SHA-256, or None if there is no readable file there (the run then stops with
    its own one-line error, or reads no file)."""
    try:
        return _sha256(path) if path.is_file() else None
    except OSError:
        return None


def _sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def parse_point(task_overrides: list[str]) -> dict[str, Any]:
    """The scenario point of a job as {key: value} from its task overrides (``us/policy=x``
    becomes ``us.policy: x``); hydra.* and experiment choices are not parameters."""
    import yaml

    point: dict[str, Any] = {}
    for item in task_overrides:
        key, sep, value = item.lstrip("+~").partition("=")
        if not sep or key.startswith("hydra.") or key == "experiment":
            continue
        point[key.replace("/", ".")] = yaml.safe_load(value) if value else None
    return point


def file_fingerprint(path: Path, rows: int | None = None) -> dict[str, Any]:
    """Size and SHA-256 of a file (and its row count, for a table): enough to tell a file cut
    short, emptied or replaced from the one a job wrote (a few MB a job: milliseconds)."""
    fingerprint: dict[str, Any] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
    if rows is not None:
        fingerprint["rows"] = rows
    return fingerprint


def file_mismatch(path: Path, expected: Mapping[str, Any]) -> str | None:
    """Why a file does not match its fingerprint (None if it does), in a few words."""
    name = path.name
    try:
        size = path.stat().st_size
    except OSError:
        return f"{name} is missing"
    if size != expected.get("bytes"):
        return f"{name} has {size} bytes, its completion record says {expected.get('bytes')}"
    if file_fingerprint(path)["sha256"] != expected.get("sha256"):
        return f"{name} differs from its completion record (checksum)"
    return None


def read_marker(job_dir: Path) -> dict[str, Any] | None:
    """A job's completion record, or None if it has none (or an unreadable one)."""
    try:
        marker = json.loads((job_dir / DONE).read_text())
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def of_sweep(marker: Mapping[str, Any], sweep: str | None) -> bool:
    """Whether a completion record belongs to sweep ``sweep`` (any record, if None): one
    finished under an earlier, different config of the sweep is stale."""
    return sweep is None or marker.get("sweep") == sweep


def why_not_done(job_dir: Path, digest: str | None = None, sweep: str | None = None) -> str | None:
    """None if a job folder holds complete, intact results (for this config, if ``digest`` is
    given, and confirmed by this sweep, if ``sweep`` is given); else why not, in a few words.

    Reads every result file once to check its checksum: a damaged point must be recomputed
    (on resume) or left out (when gathering), never used.
    """
    if not (job_dir / DONE).exists():
        return NOT_FINISHED
    marker = read_marker(job_dir)
    if marker is None:
        return f"its {DONE} is unreadable"
    if digest is not None and marker.get("config_digest") != digest:
        return "finished under another config or other data"
    if not of_sweep(marker, sweep):
        return "finished under an earlier, different config of this sweep"
    files = marker.get("files")
    if not isinstance(files, dict) or not files:
        return f"its {DONE} has no file fingerprints (written by an older version)"
    for name, expected in files.items():
        if not isinstance(expected, dict) or (problem := file_mismatch(job_dir / name, expected)):
            return problem or f"its {DONE} entry for {name} is unreadable"
    return None


def invalidate(job_dir: Path) -> None:
    """Remove a job's completion marker, then its failure note and its results: called before
    the job (re)runs and when its input is bad, so that the folder never looks complete with
    results of another config. The marker goes first: if this is interrupted, what is left
    is an unfinished point, never a complete-looking one."""
    (job_dir / DONE).unlink(missing_ok=True)
    for name in (FAILED, POINT, *RESULT_FILES):
        (job_dir / name).unlink(missing_ok=True)


def mark_done(
    job_dir: Path,
    digest: str,
    seconds: float,
    replicas: int,
    files: Mapping[str, Path] | None = None,
    rows: Mapping[str, int] | None = None,
    sweep: str | None = None,
) -> None:
    """Write the completion marker (last, atomically) with the fingerprints of the config and
    of every result file (``rows``: row counts by file name, for tables), and clear any
    earlier failure note."""
    (job_dir / FAILED).unlink(missing_ok=True)
    rows = rows or {}
    fingerprints = {
        path.name: file_fingerprint(path, rows.get(path.name)) for path in (files or {}).values()
    }
    now = time.time()
    write_text(
        json.dumps(
            {
                "config_digest": digest,
                "sweep": sweep,
                "files": fingerprints,
                "seconds": round(seconds, 3),
                "replicas": replicas,
                "finished": now,
                "confirmed": now,
            }
        ),
        job_dir / DONE,
    )


def confirm(job_dir: Path, sweep: str | None) -> None:
    """Record that the current sweep found this job's results complete and its own (resume):
    the collector then counts the point as part of this sweep."""
    marker = read_marker(job_dir)
    if marker is None:
        return
    marker.update(sweep=sweep, confirmed=time.time())
    write_text(json.dumps(marker), job_dir / DONE)


def mark_failed(job_dir: Path, message: str) -> None:
    """Leave a note saying why a job failed (read by the collector)."""
    write_text(message, job_dir / FAILED)


def start_sweep(
    sweep_dir: Path, points: list[str] | None, sweep: str | None, total: int | None = None
) -> dict[str, Any]:
    """Record the current sweep: its identity, its points (job folder names, None if unknown),
    its size and start time (for the progress bar, the collector and the benchmark)."""
    sweep_dir.mkdir(parents=True, exist_ok=True)
    state = {
        "total": len(points) if points is not None else (total or 0),
        "started": time.time(),
        "sweep": sweep,
        "points": points,
    }
    state["done_at_start"] = tally(sweep_dir, state).done
    write_text(json.dumps(state), sweep_dir / SWEEP_STATE)
    return state


def read_state(sweep_dir: Path) -> dict[str, Any] | None:
    """The sweep state (None if the sweep never recorded one, e.g. run by an older version).

    Raises :class:`NotASweep` if the file exists but is not a sweep state."""
    path = sweep_dir / SWEEP_STATE
    if not path.exists():
        return None
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError) as ex:
        raise NotASweep(f"its {SWEEP_STATE} is unreadable ({ex})") from None
    points = state.get("points") if isinstance(state, dict) else None
    if (
        not isinstance(state, dict)
        or not isinstance(state.get("started"), int | float)
        or not (
            points is None or (isinstance(points, list) and all(isinstance(p, str) for p in points))
        )
    ):
        raise NotASweep(f"its {SWEEP_STATE} is not a sweep state")
    return state


def current_sweep(sweep_dir: Path) -> str | None:
    """The identity of the sweep running in a folder (None if unknown): jobs stamp it on their
    markers."""
    try:
        state = read_state(sweep_dir)
    except NotASweep:
        return None
    return state.get("sweep") if state else None


def job_dirs(sweep_dir: Path) -> list[Path]:
    """Every job folder of a sweep (those Hydra created), sorted by name."""
    return sorted(p.parent.parent for p in (sweep_dir / JOBS_DIR).glob("*/.hydra/config.yaml"))


@dataclass
class Tally:
    """Points of the current sweep done (of them, skipped as already complete) and failed."""

    done: int
    skipped: int
    failed: int
    total: int | None


def tally(sweep_dir: Path, state: Mapping[str, Any]) -> Tally:
    """Count the current sweep's points from their markers, without checking the files (the
    progress bar polls this twice a second; the collector checks every file)."""
    points = state.get("points")
    names = points if points is not None else [p.name for p in job_dirs(sweep_dir)]
    done = skipped = failed = 0
    for name in names:
        job = sweep_dir / JOBS_DIR / name
        marker = read_marker(job) if (job / DONE).exists() else None
        if marker is not None and of_sweep(marker, state.get("sweep")):
            done += 1
            finished = marker.get("finished")
            skipped += isinstance(finished, int | float) and finished < state["started"]
        elif _failed_since(job, state["started"]):
            failed += 1
    return Tally(done, skipped, failed, len(points) if points is not None else None)


def _failed_since(job: Path, started: float) -> bool:
    """Whether the job left a failure note since ``started``: an older note, of a run before
    this sweep, is removed when the point runs again, and must not count meanwhile."""
    try:
        return (job / FAILED).stat().st_mtime >= started
    except OSError:
        return False


def clean_temporaries(sweep_dir: Path) -> list[Path]:
    """Remove the temporary files (``.*.tmp``, see sim.files) that a killed writer left in the
    sweep folder, its job folders and its figure folders. Only call this while no job of the
    sweep is running (at the start of a sweep or of a collect, under the sweep's lock)."""
    removed = []
    for pattern in (".*.tmp", f"{JOBS_DIR}/*/.*.tmp", "figures*/.*.tmp"):
        for path in sweep_dir.glob(pattern):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def duration(seconds: float) -> str:
    """A short duration: '42s', '3m05s'."""
    seconds = round(seconds)
    if seconds < 120:
        return f"{seconds}s"
    return f"{seconds // 60}m{seconds % 60:02d}s"
