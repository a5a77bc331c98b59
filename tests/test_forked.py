"""A function run in a forked process (sim/forked.py): called later with this process's
data, its value or its failure sent back, never run if never called.

Forked forks only from a process with one thread, and this test process may have others
(earlier tests leave tqdm's monitor, joblib's executor...): each case runs in a fresh process
(multiprocessing's "spawn"), its assertion errors raised here.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from sim.forked import Forked

from .conftest import in_a_fresh_process

TARGET = f"{__name__}:write_pid"

_prepared_in: int | None = None


def prepare() -> None:
    """Note which process was prepared (the target reports it)."""
    global _prepared_in
    _prepared_in = os.getpid()


def prepare_slowly() -> None:
    time.sleep(60)


class Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("not picklable")


def write_pid(path: Path, text: str) -> tuple[int, int | None]:
    """Write the process id and a text (a failure if the text says so); return the process
    id and the id of the process :func:`prepare` ran in."""
    if text == "fail":
        raise ValueError("asked to fail")
    if text == "unpicklable":
        raise Unpicklable("an odd error")
    path.write_text(f"{os.getpid()} {text}")
    return os.getpid(), _prepared_in


def _case_the_call_runs_in_another_process_after_its_preparation(tmp_path: Path) -> None:
    child = Forked(TARGET, prepare=f"{__name__}:prepare")
    assert child.forked
    big = "x" * 200_000  # more than a pipe holds
    child.call(tmp_path / "out.txt", big)
    pid, prepared_in = child.result()
    assert pid != os.getpid() and prepared_in == pid
    assert (tmp_path / "out.txt").read_text() == f"{pid} {big}"
    assert _prepared_in is None  # not here


def _case_a_failure_comes_back_as_the_same_exception_with_the_childs_traceback(
    tmp_path: Path,
) -> None:
    child = Forked(TARGET)
    child.call(tmp_path / "out.txt", "fail")
    with pytest.raises(ValueError, match="asked to fail") as err:
        child.result()
    assert any("own process" in note and "write_pid" in note for note in err.value.__notes__)
    assert not (tmp_path / "out.txt").exists()


def _case_an_exception_that_cannot_be_pickled_comes_back_as_a_runtime_error(tmp_path: Path) -> None:
    child = Forked(TARGET)
    child.call(tmp_path / "out.txt", "unpicklable")
    with pytest.raises(RuntimeError, match="Unpicklable: an odd error"):
        child.result()


def _case_never_called_is_stopped_at_once_and_never_runs(tmp_path: Path) -> None:
    child = Forked(TARGET, prepare=f"{__name__}:prepare_slowly")
    pid = child.pid
    child.close()  # stopped while it prepares, not waited for
    assert not child.forked
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: no zombie left behind
    assert not list(tmp_path.iterdir())


def _case_without_fork_the_call_runs_here(tmp_path: Path) -> None:
    here = Forked(TARGET, fork=False)
    assert not here.forked
    here.call(tmp_path / "out.txt", "here")
    assert here.result() == (os.getpid(), None)
    assert (tmp_path / "out.txt").read_text() == f"{os.getpid()} here"


def _case_a_process_with_other_threads_does_not_fork(tmp_path: Path) -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not Forked(TARGET).forked
    finally:
        stop.set()
        other.join()


def _case_closing_after_a_failure_of_this_process_does_not_raise(tmp_path: Path) -> None:
    child = Forked(TARGET)
    child.call(tmp_path / "out.txt", "fail")
    child.close()  # the caller is reporting its own failure
    child.close()  # and closing twice is harmless
    assert not (tmp_path / "out.txt").exists()


CASES = [
    _case_the_call_runs_in_another_process_after_its_preparation,
    _case_a_failure_comes_back_as_the_same_exception_with_the_childs_traceback,
    _case_an_exception_that_cannot_be_pickled_comes_back_as_a_runtime_error,
    _case_never_called_is_stopped_at_once_and_never_runs,
    _case_without_fork_the_call_runs_here,
    _case_a_process_with_other_threads_does_not_fork,
    _case_closing_after_a_failure_of_this_process_does_not_raise,
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__.removeprefix("_case_"))
def test_forked(case, tmp_path: Path) -> None:
    in_a_fresh_process(case, tmp_path)
