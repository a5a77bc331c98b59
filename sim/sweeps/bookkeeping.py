"""Bookkeeping of a sweep's jobs: folder names, completion markers, resume and progress.

A sweep is a folder with one sub-folder per scenario point (``jobs/<parameters>``). A job's
results are published file by file atomically and its completion marker ``_DONE.json`` is
written last, so a folder with a marker holds complete results and a folder without one holds
nothing that will be used. Re-running the sweep into the same folder skips every point whose
marker matches its config: an interrupted sweep resumes without redoing finished work.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path
from typing import Any

from sim.files import write_text

DONE = "_DONE.json"
FAILED = "_FAILED.txt"
POINT = "point.json"
SWEEP_STATE = ".sweep_state.json"
JOBS_DIR = "jobs"

_UNSAFE = re.compile(r"[^A-Za-z0-9._=,+-]")


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


def is_done(job_dir: Path, digest: str | None = None) -> bool:
    """Whether a job folder holds complete results (for this config, if a digest is given)."""
    marker = job_dir / DONE
    if not marker.exists():
        return False
    if digest is None:
        return True
    try:
        return json.loads(marker.read_text()).get("config_digest") == digest
    except (OSError, ValueError):
        return False


def mark_done(job_dir: Path, digest: str, seconds: float, replicas: int) -> None:
    """Write the completion marker (last, atomically) and clear any earlier failure note."""
    (job_dir / FAILED).unlink(missing_ok=True)
    write_text(
        json.dumps(
            {
                "config_digest": digest,
                "seconds": round(seconds, 3),
                "replicas": replicas,
                "finished": time.time(),
            }
        ),
        job_dir / DONE,
    )


def mark_failed(job_dir: Path, message: str) -> None:
    """Leave a note saying why a job failed (read by the collector)."""
    write_text(message, job_dir / FAILED)


def start_sweep(sweep_dir: Path, total: int) -> None:
    """Record the sweep's size and start time (for progress and time-left estimates)."""
    sweep_dir.mkdir(parents=True, exist_ok=True)
    already = len(list((sweep_dir / JOBS_DIR).glob(f"*/{DONE}")))
    write_text(
        json.dumps({"total": total, "started": time.time(), "done_at_start": already}),
        sweep_dir / SWEEP_STATE,
    )


def progress_line(sweep_dir: Path) -> str | None:
    """'k/N scenario points done ..., about T left' for a sweep, or None if unknown.

    The time left extrapolates the pace of the points finished since this run of the sweep
    started (points skipped on resume cost nothing and are left out of the pace).
    """
    try:
        state = json.loads((sweep_dir / SWEEP_STATE).read_text())
    except (OSError, ValueError):
        return None
    finished = []
    for marker in (sweep_dir / JOBS_DIR).glob(f"*/{DONE}"):
        try:
            finished.append(json.loads(marker.read_text())["finished"])
        except (OSError, ValueError, KeyError):
            continue
    done = len(finished)
    total = max(state["total"], done)
    now = time.time()
    recent = sorted(f for f in finished if f >= state["started"])
    eta = ""
    if len(recent) >= 2 and done < total:
        pace = (recent[-1] - recent[0]) / (len(recent) - 1)
        eta = f", about {_duration(pace * (total - done))} left"
    return (
        f"sweep progress: {done}/{total} scenario points done "
        f"({_duration(now - state['started'])} elapsed{eta})"
    )


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 120:
        return f"{seconds}s"
    return f"{seconds // 60}m{seconds % 60:02d}s"
