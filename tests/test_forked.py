"""A function run in a forked process (sim/forked.py): called later with this process's
data, its failure reported, never run if never called."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sim.forked import Forked

TARGET = f"{__name__}:write_pid"


def write_pid(path: Path, text: str) -> None:
    """Write the process id and a text (a failure if the text says so)."""
    if text == "fail":
        raise ValueError("asked to fail")
    path.write_text(f"{os.getpid()} {text}")


def test_the_call_runs_in_another_process(tmp_path: Path) -> None:
    child = Forked(TARGET)
    big = "x" * 200_000  # more than a pipe holds
    child.call(tmp_path / "out.txt", big)
    child.wait()
    pid, text = (tmp_path / "out.txt").read_text().split()
    assert int(pid) != os.getpid() and text == big


def test_a_failure_is_reported(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    child = Forked(TARGET)
    child.call(tmp_path / "out.txt", "fail")
    with pytest.raises(RuntimeError, match="failed in its own process"):
        child.wait()
    assert "asked to fail" in capfd.readouterr().err
    assert not (tmp_path / "out.txt").exists()


def test_never_called_never_runs(tmp_path: Path) -> None:
    child = Forked(TARGET)
    child.wait()
    assert not list(tmp_path.iterdir())


def test_without_fork_the_call_runs_here(tmp_path: Path) -> None:
    here = Forked(TARGET, fork=False)
    here.call(tmp_path / "out.txt", "here")
    here.wait()
    assert (tmp_path / "out.txt").read_text() == f"{os.getpid()} here"


def test_waiting_after_a_failure_of_this_process_does_not_raise(tmp_path: Path) -> None:
    child = Forked(TARGET)
    child.call(tmp_path / "out.txt", "fail")
    child.wait(check=False)  # the caller is reporting its own failure
    assert not (tmp_path / "out.txt").exists()
