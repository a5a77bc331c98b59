"""Reading a sweep's finished points while the sweep runs, so that its end only joins them.

Why: gathering the tables used to start after the last point, reading and checking every
point's files then (a flagship sweep: ~0.4 s of reads and checksums, and the figures waited
for them). The sweep's own process idles while the launcher waits for its jobs, so a daemon
thread here reads each point of the sweep once its completion record appears, exactly as
gathering would (:func:`sim.sweeps.collect.read_checked`: every file checked against its
fingerprint, never an exception).

A point read here is used at the end only if nothing it was read from has changed since: its
completion record names the same files with the same fingerprints, and each of those files
(and the point's parameters) still has the same inode, size and modification time as when it
was read and checked. Anything else (a point recomputed, a file replaced or touched) is read
and checked again at the end, so a prefetched point can never be staler than one read then.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sim.sweeps.bookkeeping import DONE, JOBS_DIR, POINT, read_marker

Signature = tuple[str, tuple[tuple[str, int, int, int] | None, ...]]
"""What a point was read from: its record's file fingerprints (as JSON), and the inode, size
and modification time (ns) of each of those files and of its parameters file."""


def signature(job: Path) -> Signature | None:
    """The signature of a finished point's files now (None if it has no readable record)."""
    marker = read_marker(job)
    files = marker.get("files") if marker is not None else None
    if not isinstance(files, dict):
        return None
    stats = []
    for name in sorted({*files, POINT}):
        try:
            st = os.stat(job / name)
        except OSError:
            stats.append(None)
        else:
            stats.append((name, st.st_ino, st.st_size, st.st_mtime_ns))
    return json.dumps(files, sort_keys=True), tuple(stats)


class Prefetch:
    """A daemon thread that reads each listed point of a sweep once it is finished (every
    ``interval`` seconds it looks for new completion records). :meth:`stop` ends it;
    :meth:`get` gives a point's reading if it still matches its files (module docstring)."""

    def __init__(
        self,
        sweep_dir: Path,
        points: Iterable[str] | None,
        interval: float = 0.5,
    ) -> None:
        self.sweep_dir = sweep_dir
        self.points = list(points) if points is not None else None
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
                    from sim.sweeps.collect import read_checked as read
                if finished:
                    self.read_finished(finished, read)
            except Exception:  # only an optimisation: the end reads what is not read here
                return
            self._stop.wait(self.interval)

    def _finished(self) -> list[Path]:
        """The listed points' folders that hold a completion record now."""
        jobs = self.sweep_dir / JOBS_DIR
        if self.points is not None:
            names = self.points
        else:
            names = [p.name for p in jobs.iterdir() if p.is_dir()] if jobs.is_dir() else []
        return [jobs / name for name in names if (jobs / name / DONE).exists()]

    def read_finished(self, jobs: list[Path], read: Callable[[Path], Any]) -> None:
        """Read each of the finished ``jobs`` not read yet (or changed since it was read)
        with ``read``."""
        for job in jobs:
            if self._stop.is_set():
                return
            name = job.name
            before = signature(job)
            if before is None or (name in self._read and self._read[name][0] == before):
                continue
            part = read(job)
            if signature(job) == before:  # not rewritten while it was read
                self._read[name] = (before, part)

    def get(self, job: Path) -> Any | None:
        """The reading of a point made here, if its files are still those it was read from;
        else None (read it again). Call after :meth:`stop`."""
        hit = self._read.get(job.name)
        if hit is None or job.parent != self.sweep_dir / JOBS_DIR:
            return None
        return hit[1] if signature(job) == hit[0] else None
