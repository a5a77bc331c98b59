"""A function run in a forked process: its module imported at once, the call made later.

Why: the command line's single run spends most of its time importing and starting up, not
running the model (~0.04 s of ~2.5 s). A process forked before that work imports what it
needs while this process does the rest, on the machine's other core:

- the model's process (sim/sweeps/model_process.py), forked as the command starts, imports
  Mesa, the model and its compiled kernels while this process imports Hydra and composes the
  config, then runs the scenario it is sent;
- the figure's process (:func:`sim.sweeps.job.figure_process`), forked as the model starts,
  imports matplotlib while the model runs and draws while the tables are written.

Where ``os.fork`` does not exist (Windows), the caller says not to fork, or this process runs
other threads (whose locks would be copied held), the function runs in this process when
called. The child gets its arguments pickled through a pipe, sends back its return value (or
its exception, with the child's traceback as a note) through another, writes only what the
function writes and ends with ``os._exit`` (no cleanup of the state it shares with this
process). A child never called is stopped by :meth:`Forked.close` (SIGTERM).
"""

from __future__ import annotations

import gc
import importlib
import os
import pickle
import signal
import threading
import traceback
from typing import Any

_NOT_CALLED = object()


class Forked:
    """``module:function`` in a child process forked now, which imports its module at once and
    then runs ``prepare`` (``module:function``, no arguments) if given. :meth:`call` sends the
    arguments, :meth:`result` waits and returns the function's value or raises its exception;
    :meth:`close` stops a child never called (or waits for one that was, without raising).
    Without a fork, :meth:`call` runs the function in this process."""

    def __init__(self, target: str, *, prepare: str | None = None, fork: bool = True) -> None:
        self.target = target
        self._sender: threading.Thread | None = None
        self._value: Any = _NOT_CALLED
        self.pid: int | None = None
        if not (fork and hasattr(os, "fork") and threading.active_count() == 1):
            return
        read_args, self._args = os.pipe()
        self._results, write_results = os.pipe()
        gc.freeze()  # the child's collections then leave the pages it shares unwritten
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            os.close(self._args)
            os.close(self._results)
            _child(target, prepare, read_args, write_results)
        gc.unfreeze()
        os.close(read_args)
        os.close(write_results)

    @property
    def forked(self) -> bool:
        """Whether the function runs in a child process (not yet waited for)."""
        return self.pid is not None

    def call(self, *args: Any) -> None:
        """Send the arguments (from a thread: the child may still be importing, and a pipe
        holds only 64 kB); without a fork, run the function here."""
        if self.pid is None:
            self._value = _resolve(self.target)(*args)
            return
        payload = pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL)
        self._sender = threading.Thread(target=_send, args=(self._args, payload), daemon=True)
        self._sender.start()

    def result(self) -> Any:
        """Wait for the call to finish and return its value, or raise its exception (with the
        child's traceback as a note); RuntimeError if the child died without an answer."""
        if self._sender is None and self._value is _NOT_CALLED:
            raise RuntimeError(f"{self.target} was never called")
        if self.pid is None:  # called here (no fork)
            return self._value
        answer = self._drain()
        code = self._reap()
        if not answer:
            raise RuntimeError(f"{self.target} failed in its own process (exit status {code})")
        outcome = pickle.loads(answer)
        if outcome[0] == "value":
            self._value = outcome[1]
            return self._value
        _, error, where = outcome
        error.add_note(f"in {self.target}'s own process (pid {self._child_pid}):\n{where}")
        raise error

    def close(self) -> None:
        """Stop a child that was never called (it may still be importing or preparing; it has
        written nothing): SIGTERM, which a ``prepare`` that starts processes of its own
        handles by stopping them. Wait for a child that was called, without raising (the
        caller is reporting a failure of its own). Idempotent."""
        if self.pid is None:
            return
        if self._sender is None:
            os.kill(self.pid, signal.SIGTERM)
            os.close(self._args)
            os.close(self._results)
        else:
            self._drain()  # its answer, unread: it ends once it has written it
        self._reap()

    def _drain(self) -> bytes:
        """Everything the child answers (until it closes its end), once."""
        assert self._sender is not None
        results, self._results = self._results, -1
        if results < 0:
            return b""
        with os.fdopen(results, "rb") as f:
            answer = f.read()
        self._sender.join()
        return answer

    def _reap(self) -> int:
        assert self.pid is not None
        _, status = os.waitpid(self.pid, 0)
        self._child_pid, self.pid = self.pid, None
        return os.waitstatus_to_exitcode(status)


def _resolve(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def _send(pipe: int, payload: bytes) -> None:
    try:
        with os.fdopen(pipe, "wb") as f:
            f.write(payload)
    except BrokenPipeError:  # the child failed before reading: result() reports it
        pass


def _answer(outcome: tuple) -> bytes:
    """The pickled outcome; an exception that cannot be pickled goes as a RuntimeError."""
    try:
        return pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        if outcome[0] == "value":
            raise
        _, error, where = outcome
        return pickle.dumps(("error", RuntimeError(f"{type(error).__name__}: {error}"), where))


def _child(target: str, prepare: str | None, args_pipe: int, results_pipe: int) -> None:
    code = 1
    try:
        # The collector stays off: imports make no garbage, and the child makes one call and
        # exits, so what a collection would free is freed then. Measured: the command line's
        # run writes its files ~8% sooner and draws its figure ~7% sooner, at the same peak
        # memory (1,000 replicas x 5 years: 2.48 GB either way).
        gc.disable()
        function = _resolve(target)
        if prepare is not None:
            _resolve(prepare)()
        with os.fdopen(args_pipe, "rb") as f:
            payload = f.read()
        if not payload:  # never called
            code = 0
            return
        try:
            outcome: tuple = ("value", function(*pickle.loads(payload)))
        except Exception as error:
            outcome = ("error", error, traceback.format_exc())
        with os.fdopen(results_pipe, "wb") as f:
            f.write(_answer(outcome))
        code = 0 if outcome[0] == "value" else 1
    except KeyboardInterrupt:  # Ctrl-C reached the whole process group: the parent reports
        code = 130
    except BaseException:  # reported here; the exit status tells the parent
        os.write(2, traceback.format_exc().encode())
    finally:
        os._exit(code)
