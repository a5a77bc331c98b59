"""The command's single run in a process of its own (sim/sweeps/model_process.py): it forks
the figure's process as it prepares, and a model process never called stops that one too."""

from __future__ import annotations

import time

import psutil

from sim.forked import Forked

from .conftest import in_a_fresh_process


def _case_a_model_process_never_called_stops_its_figure_process() -> None:
    model = Forked("sim.sweeps.model_process:run", prepare="sim.sweeps.model_process:prepare")
    child = psutil.Process(model.pid)
    deadline = time.monotonic() + 120  # forked once the model's modules are imported
    while not child.children() and time.monotonic() < deadline:
        time.sleep(0.05)
    (figure,) = child.children()  # still importing matplotlib (~0.4 s)
    model.close()
    assert not model.forked and not child.is_running()
    assert not figure.is_running()  # stopped and reaped before its parent ended


def test_a_model_process_never_called_stops_its_figure_process() -> None:
    in_a_fresh_process(_case_a_model_process_never_called_stops_its_figure_process)
