"""One writer per sweep folder: an advisory lock on ``DIR/.sweep.lock``.

Two sweeps (or a sweep and ``python -m sim.sweeps.collect``) writing one folder at once would
both run every point and overwrite each other's tables. The lock is ``fcntl.flock`` on a file
in the sweep folder: the kernel releases it when the holding process ends, however it ends
(a killed sweep leaves no stale lock behind), and it needs no dependency. It is held by the
process that launches the jobs, for the whole sweep; the jobs themselves (possibly on other
machines) take no lock.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_FILE = ".sweep.lock"

_HELD: dict[Path, int] = {}
"""Locks this process holds, by sweep folder (flock locks are per open file, so a second
acquisition in the same process, e.g. gathering after a failed job, must reuse the first)."""


class SweepBusy(BaseException):
    """Another process is writing the sweep folder.

    A BaseException, like KeyboardInterrupt: Hydra reduces a callback's ordinary exception to
    a warning and would run the sweep anyway; this one stops it and reaches the command line,
    which reports it in one line."""


def lock_sweep(sweep_dir: Path) -> None:
    """Take the sweep folder's lock without waiting, or raise :class:`SweepBusy`."""
    key = Path(sweep_dir).resolve()
    if key in _HELD:
        return
    key.mkdir(parents=True, exist_ok=True)
    fd = os.open(key / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise SweepBusy(
            f"{sweep_dir} is in use by another sweep or collector (it holds {LOCK_FILE}); "
            "wait for it to finish or choose another hydra.sweep.dir"
        ) from None
    _HELD[key] = fd


def unlock_sweep(sweep_dir: Path) -> None:
    """Release the lock taken by :func:`lock_sweep` (if this process holds it)."""
    fd = _HELD.pop(Path(sweep_dir).resolve(), None)
    if fd is not None:
        os.close(fd)  # closing the file releases the lock
