"""Reading a sweep's finished points while the sweep runs, so that its end only joins them.

Why: gathering the tables used to start after the last point, reading and checking every
point's files then (a flagship sweep: ~0.4 s of reads and checksums, and the figures waited
for them). While the launcher waits for jobs that run in other processes, the sweep's own
process idles, so a daemon thread here reads each point of the sweep once its completion
record (of this sweep) appears, exactly as gathering would
(:func:`sim.sweeps.point_reader.read_checked`: every file checked against its fingerprint,
never an exception).

A reading is used at the end only if it found the point intact and nothing it was read from
has changed since: the point's record names the same files with the same fingerprints, and
each of those files (and the point's parameters, summary and quantiles) still has the same
inode, size, modification time and change time (``st_ctime_ns``, which every write, rename
or ``utime`` moves and no user tool can set back). A point recomputed, replaced, cut or
touched since, or found damaged or unreadable during the sweep, is read and checked again at
the end, so a point read early is only taken where reading it again would find the same files.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sim.sweeps.bookkeeping import DONE, JOBS_DIR, POINT, job_dirs, of_sweep, read_marker

Signature = tuple[str, tuple[tuple[str, int, int, int, int] | None, ...]]
"""What a point was read from: its record's file fingerprints (as JSON), and the inode, size,
modification and change times (ns) of each file gathering reads."""

READ_FILES = (POINT, "summary.csv", "quantiles.parquet")
"""Files gathering reads whether or not a record names them
(sim.sweeps.point_reader.read_checked)."""


def signature(job: Path, marker: dict[str, Any] | None = None) -> Signature | None:
    """The signature of a finished point's files now (None if it has no readable record;
    ``marker``: its record, if already read)."""
    marker = read_marker(job) if marker is None else marker
    files = marker.get("files") if marker is not None else None
    if not isinstance(files, dict):
        return None
    stats = []
    for name in sorted({*files, *READ_FILES}):
        try:
            st = os.stat(job / name)
        except OSError:
            stats.append(None)
        else:
            stats.append((name, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
    return json.dumps(files, sort_keys=True), tuple(stats)


class Prefetch:
    """A daemon thread that reads each listed point of a sweep once it is finished with a
    record of sweep ``sweep_id`` (every ``interval`` seconds it looks for new records).
    :meth:`stop` ends it; :meth:`get` gives a point's reading if it is still good to use
    (module docstring)."""

    def __init__(
        self,
        sweep_dir: Path,
        points: Iterable[str] | None,
        sweep_id: str | None = None,
        interval: float = 0.5,
    ) -> None:
        self.sweep_dir = sweep_dir
        self.points = list(points) if points is not None else None
        self.sweep_id = sweep_id
        self.interval = interval
        self._read: dict[str, tuple[Signature, Any]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sweep-prefetch", daemon=True)

    def start(self) -> Prefetch:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop reading (after the point being read, if any)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        read: Callable[[Path], Any] | None = None
        while not self._stop.is_set():
            try:
                finished = self._finished()
                if finished and read is None:  # pandas, pyarrow: not in the sweep's start-up
                    from sim.sweeps.point_reader import read_checked as read
                if finished:
                    self.read_finished(finished, read)
            except Exception:  # only an optimisation: the end reads what is not read here
                return
            self._stop.wait(self.interval)

    def _finished(self) -> list[Path]:
        """The listed points' folders, not read yet, that hold a completion record now (a
        point read and then recomputed is caught by :meth:`get`, and read at the end)."""
        jobs = self.sweep_dir / JOBS_DIR
        names = (
            self.points
            if self.points is not None
            else [job.name for job in job_dirs(self.sweep_dir)]
        )
        return [
            jobs / name
            for name in names
            if name not in self._read and (jobs / name / DONE).exists()
        ]

    def read_finished(self, jobs: list[Path], read: Callable[[Path], Any]) -> None:
        """Read each of the finished ``jobs`` whose record is of this sweep with ``read``,
        keeping the intact ones (a damaged or unreadable point is read again at the end: the
        failure may have been passing, e.g. memory or open files running short)."""
        for job in jobs:
            if self._stop.is_set():
                return
            marker = read_marker(job)
            if marker is None or not of_sweep(marker, self.sweep_id):
                continue  # not (yet) this sweep's result: its job will recompute or confirm it
            before = signature(job, marker)
            if before is None:
                continue
            part = read(job)
            if not isinstance(part, str) and signature(job) == before:  # intact, unchanged
                self._read[job.name] = (before, part)

    def get(self, job: Path) -> Any | None:
        """The reading of a point made here, if its files are still those it was read from;
        else None (read it again). Call after :meth:`stop`."""
        hit = self._read.get(job.name)
        if hit is None or job.parent != self.sweep_dir / JOBS_DIR:
            return None
        return hit[1] if signature(job) == hit[0] else None
