"""A function run in a forked process: its module imported at once, the call made later.

Why: a single run from the command line ends with its figure, which costs as much as the
model and its tables together (importing matplotlib ~0.4 s, drawing and saving ~0.4 s). A
process forked before the model runs imports matplotlib while the model runs, and draws while
this process writes the tables: with a free core the default run takes ~0.5 s less (on a
machine whose cores are all busy it costs ~0.1 s more: docs/sweeps.md). Where ``os.fork`` does
not exist (Windows), or the caller says not to fork, the function runs in this process when
called.

Fork only from a process with one thread (another thread's locks would be copied held). The
child gets its arguments pickled through a pipe, writes only what the function writes and
ends with ``os._exit`` (no cleanup of the state it shares with this process). If the call is
never made (this process failed first), the child sees the pipe close and ends.
"""

from __future__ import annotations

import gc
import importlib
import os
import pickle
import threading
import traceback
from typing import Any


class Forked:
    """``module:function`` in a child process forked now (which imports its module at once);
    :meth:`call` sends the arguments, :meth:`wait` waits for it and raises if it failed. With
    ``fork=False`` (or no ``os.fork``) :meth:`call` runs the function in this process."""

    def __init__(self, target: str, *, fork: bool = True) -> None:
        self.target = target
        self._sender: threading.Thread | None = None
        self.pid: int | None = None
        if not (fork and hasattr(os, "fork")):
            return
        read, self._pipe = os.pipe()
        gc.freeze()  # the child's collections then leave the pages it shares unwritten
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            os.close(self._pipe)
            _child(target, read)
        gc.unfreeze()
        os.close(read)

    def call(self, *args: Any) -> None:
        """Send the arguments (from a thread: the child may still be importing, and a pipe
        holds only 64 kB); without ``fork``, run the function here."""
        if self.pid is None:
            _resolve(self.target)(*args)
            return
        payload = pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL)
        self._sender = threading.Thread(target=_send, args=(self._pipe, payload), daemon=True)
        self._sender.start()

    def wait(self, *, check: bool = True) -> None:
        """Wait for the child; if ``check``, raise RuntimeError if it failed (its traceback
        is on stderr). Without a :meth:`call` the child ends without calling the function."""
        if self.pid is None:
            return
        if self._sender is None:
            os.close(self._pipe)
        else:
            self._sender.join()
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        code = os.waitstatus_to_exitcode(status)
        if check and code != 0:
            raise RuntimeError(f"{self.target} failed in its own process (exit status {code})")


def _resolve(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def _send(pipe: int, payload: bytes) -> None:
    try:
        with os.fdopen(pipe, "wb") as f:
            f.write(payload)
    except BrokenPipeError:  # the child failed before reading: wait() reports it
        pass


def _child(target: str, pipe: int) -> None:
    code = 1
    try:
        gc.disable()  # a short-lived process: collections would only copy shared pages
        function = _resolve(target)
        with os.fdopen(pipe, "rb") as f:
            payload = f.read()
        if payload:
            function(*pickle.loads(payload))
        code = 0
    except KeyboardInterrupt:  # Ctrl-C reached the whole process group: the parent reports
        code = 130
    except BaseException:  # reported here; the exit status tells the parent
        os.write(2, traceback.format_exc().encode())
    finally:
        os._exit(code)
