"""One progress bar for a whole sweep, in the process that launched it.

The launchers block the main process while the jobs run (joblib in ``Parallel``, submitit
waiting on its jobs), and the jobs may run in other processes or on other machines. So a
daemon thread polls the job folders' completion markers and failure notes (see
:func:`sim.sweeps.bookkeeping.tally`) and moves one tqdm bar: points done, failures, time
left (a failed point counts as settled: the bar reaches its end). On a terminal only;
elsewhere (a log file, a test) it prints nothing but the final one-line summary.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from sim.sweeps.bookkeeping import Tally, duration, tally


class SweepProgress:
    """Polls a sweep's markers every ``interval`` seconds in a daemon thread; :meth:`stop`
    ends it and prints the summary line."""

    def __init__(
        self,
        sweep_dir: Path,
        state: dict[str, Any],
        interval: float = 0.5,
        stream: TextIO | None = None,
    ) -> None:
        self.sweep_dir = sweep_dir
        self.state = state
        self.interval = interval
        self.stream = stream or sys.stderr
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._bar: Any = None
        self._summary: str | None = None

    def start(self) -> SweepProgress:
        """Start polling (and drawing the bar, on a terminal)."""
        if self.stream.isatty():
            from tqdm import tqdm

            first = tally(self.sweep_dir, self.state)
            self._bar = tqdm(
                total=first.total,
                initial=first.done + first.failed,
                unit="point",
                file=self.stream,
                dynamic_ncols=True,
                bar_format="sweep: {n_fmt}/{total_fmt} points |{bar}| {desc} "
                "[{elapsed}<{remaining}]",
            )
            self._update(first)
        self._thread = threading.Thread(target=self._poll, name="sweep-progress", daemon=True)
        self._thread.start()
        return self

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            if self._bar is not None:
                self._update(tally(self.sweep_dir, self.state))

    def _update(self, counts: Tally) -> None:
        """The bar counts the points settled, done or failed (so that a sweep with failures
        still reaches its end and its time left runs out), and says how many failed."""
        self._bar.set_description_str(f"{counts.failed} failed", refresh=False)
        self._bar.update(counts.done + counts.failed - self._bar.n)

    def stop_quietly(self) -> None:
        """Stop polling and remove the bar, printing nothing (the sweep never started)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._bar is not None:
            self._bar.leave = False
            self._bar.close()
        self._summary = ""

    def stop(self) -> str:
        """Stop polling, close the bar and print (once) the sweep's one-line summary."""
        if self._summary is not None:
            return self._summary
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        counts = tally(self.sweep_dir, self.state)
        if self._bar is not None:
            self._update(counts)
            self._bar.close()
        self._summary = summary_line(counts, time.time() - self.state["started"])
        print(self._summary, file=self.stream, flush=True)
        return self._summary


def summary_line(counts: Tally, seconds: float) -> str:
    """'sweep: 94/96 scenario points done (10 already complete, skipped), 2 failed, in 3m05s'."""
    of = f"/{counts.total}" if counts.total is not None else ""
    skipped = f" ({counts.skipped} already complete, skipped)" if counts.skipped else ""
    return (
        f"sweep: {counts.done}{of} scenario points done{skipped}, {counts.failed} failed, "
        f"in {duration(seconds)}"
    )
