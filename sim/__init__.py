"""Agent-based simulation of escalation between the US, Iran-backed militias and Iraq.

Build and run a model from Python without Hydra::

    from sim import EscalationModel
    model = EscalationModel({"seed": 7, "replicas": 50, "us": {"policy": "tit_for_tat"}})
    model.run()
    model.timeseries()   # one row per replica per day
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.analysis.metrics import summarize
    from sim.config.schema import ScenarioConfig
    from sim.config.validation import ConfigError, validate
    from sim.model.escalation import EscalationModel
    from sim.sweeps.job import run_scenario, simulate

_LAZY = {
    "ConfigError": "sim.config.validation",
    "EscalationModel": "sim.model.escalation",
    "ScenarioConfig": "sim.config.schema",
    "run_scenario": "sim.sweeps.job",
    "simulate": "sim.sweeps.job",
    "summarize": "sim.analysis.metrics",
    "validate": "sim.config.validation",
}
"""Public names imported on first use (PEP 562): importing ``sim`` itself costs nothing, so
the command line's entry point (sim/sweeps/entry.py) can fork the model's process before
anything heavy loads, and a sweep's parent process, which never builds a model, skips Mesa and
the model's modules (about a second of start-up)."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


__all__ = [
    "ConfigError",
    "EscalationModel",
    "ScenarioConfig",
    "run_scenario",
    "simulate",
    "summarize",
    "validate",
]
