"""The dates a scenario can start from, and the state of the crisis on each.

Why: a what-if that starts after 2023-24 (say, from the September 2024 agreement) must start
from a stated state, not from the model's October 2023 one; a start date without one is an
error. The states ship as data, with sources, in ``sim/data/initial_states.yaml``; each sets
only state variables that no parameter sets (:data:`STATE_KEYS`).
"""

from __future__ import annotations

import functools
from typing import Any

import yaml

from sim.paths import DATA_DIR

STATES_FILE = DATA_DIR / "initial_states.yaml"

STATE_KEYS = {
    "iraq.talks_on": bool,
    "iraq.talks": float,
    "iran.risk": float,
    "iran.halt_on": bool,
    "militia.fear": float,
}
"""State variables an initial state may set, and their types."""


@functools.cache
def initial_states() -> dict[str, dict[str, Any]]:
    """Each start date's state (``label``, ``source``, ``url``, ``set``), by date."""
    rows = yaml.safe_load(STATES_FILE.read_text())["states"]
    states = {str(row["date"]): row for row in rows}
    for date, row in states.items():
        unknown = set(row["set"]) - set(STATE_KEYS)
        if unknown or not row.get("source") or not row.get("url"):
            raise ValueError(f"{STATES_FILE}: state {date} has unknown keys or no source")
    return states


def state_at(start_date: str) -> dict[str, Any]:
    """The state variables set on ``start_date`` (validation has checked it is defined)."""
    return dict(initial_states()[start_date]["set"])
