"""The command line's single run, in a process of its own forked as the command starts.

Why: the default run spends far more time starting up than running the model (~0.04 s). The
model's imports (Mesa ~0.5 s, the model's modules, pandas, numba) and loading its compiled day
from numba's cache (~0.3 s) need nothing from the config, so this process, forked by
:mod:`sim.sweeps.entry` before anything else is imported, does them on the machine's other
core while the command's own process imports Hydra, composes the config (twice: Hydra
composes once to learn the mode) and validates it. Then it is sent the validated scenario and
runs it as :func:`sim.sweeps.job.run_scenario` would in the command's process.
"""

from __future__ import annotations

import dataclasses
import os
import signal
from pathlib import Path

from sim.config.schema import ScenarioConfig
from sim.forked import Forked
from sim.model.escalation import EscalationModel
from sim.sweeps.job import figure_process, run_scenario
from sim.sweeps.run_result import RunResult

_figure: Forked | None = None
"""The figure's process, forked by :func:`prepare` (closed unused if the run draws none)."""


def prepare() -> None:
    """Before the config arrives: fork the figure's process, which imports matplotlib while
    this one loads the compiled day (or compiles it, on a first run) by running one replica of
    the default scenario for one day, with its event log, as the command runs it.

    The command stops a model process it never calls (bad input, ``hydra.mode=MULTIRUN``)
    with SIGTERM: this process then stops the figure's, so that none outlives the command.
    """
    global _figure
    signal.signal(signal.SIGTERM, _stop)
    _figure = figure_process()
    EscalationModel({"replicas": 1, "horizon_days": 1}).run()


def _stop(signum: int, frame: object) -> None:
    if _figure is not None:
        _figure.close()
    os._exit(128 + signum)


def run(scenario: ScenarioConfig, out: Path) -> RunResult:
    """Run the scenario and write its files and figure into ``out``; the result comes back
    without the per-day tables, which the command does not print (they are in ``out``)."""
    result = run_scenario(scenario, out, figure=_figure)
    return dataclasses.replace(result, timeseries=None, events=None)
