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
from pathlib import Path

from sim.config.schema import ScenarioConfig
from sim.model.escalation import EscalationModel
from sim.sweeps.job import figure_process, run_scenario
from sim.sweeps.run_result import RunResult


def prepare() -> None:
    """Before the config arrives, load the compiled day (or compile it, on a first run): one
    replica of the default scenario for one day, with its event log, as the command runs it.
    Nothing is forked yet: a process never called is stopped at once (it has no children)."""
    EscalationModel({"replicas": 1, "horizon_days": 1}).run()


def run(scenario: ScenarioConfig, out: Path) -> RunResult:
    """Run the scenario and write its files into ``out``, its figure drawn by a process forked
    now (it imports matplotlib while the model runs); the result comes back without the
    per-day tables, which the command does not print (they are in ``out``)."""
    figure = figure_process() if scenario.output.plot else None
    result = run_scenario(scenario, out, figure=figure)
    return dataclasses.replace(result, timeseries=None, events=None)
