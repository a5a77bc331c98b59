"""Agent-based simulation of escalation between the US, Iran-backed militias and Iraq.

Build and run a model from Python without Hydra::

    from sim import EscalationModel
    model = EscalationModel({"seed": 7, "replicas": 50, "us": {"policy": "tit_for_tat"}})
    model.run()
    model.timeseries()   # one row per replica per day
"""

from sim.config import ScenarioConfig
from sim.metrics import summarize
from sim.model import EscalationModel
from sim.run import run_scenario, simulate
from sim.validate import ConfigError, validate

__all__ = [
    "ConfigError",
    "EscalationModel",
    "ScenarioConfig",
    "run_scenario",
    "simulate",
    "summarize",
    "validate",
]
