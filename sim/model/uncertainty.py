"""Parameter uncertainty: which calibrated parameters each replica draws from the posterior.

With ``parameters: posterior`` (the default) each replica draws its own set of the calibrated
parameters (:mod:`sim.core.posterior`), except those the scenario sets itself: a value that
differs from its default (the posterior's median) is the scenario's choice and holds for
every replica, so a sweep over one calibrated parameter still carries the uncertainty of the
others. ``parameters: point`` uses the configured values throughout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.config.schema import ScenarioConfig
from sim.core.posterior import UNCERTAIN, posterior_path, replica_draws
from sim.policies import POLICIES

_DEFAULTS = ScenarioConfig()


def _value(cfg: Any, key: str) -> Any:
    node = cfg
    for part in key.split("."):
        node = getattr(node, part, None)
    return node


def _default(cfg: ScenarioConfig, key: str) -> Any:
    """A calibrated parameter's default: the policy's own default for a policy parameter
    (None if the scenario's policy has no such parameter), else the schema's."""
    actor, *rest = key.split(".")
    if rest[0] == "policy":
        params = POLICIES[_value(cfg, f"{actor}.policy.name")].Params()
        return getattr(params, rest[1], None)
    return _value(_DEFAULTS, key)


def drawn(cfg: ScenarioConfig) -> list[str]:
    """The calibrated parameters the replicas draw: all that the scenario leaves at their
    default (and that its policies have), none with ``parameters: point``."""
    if cfg.parameters != "posterior":
        return []
    return [
        key
        for key in UNCERTAIN
        if (default := _default(cfg, key)) is not None and _value(cfg, key) == default
    ]


def replica_parameters(cfg: ScenarioConfig, replica_ids: Sequence[int]) -> dict[str, np.ndarray]:
    """Each replica's draw of every parameter in :func:`drawn`, keyed by its config key."""
    keys = drawn(cfg)
    if not keys:
        return {}
    draws = replica_draws(cfg.seed, replica_ids, posterior_path(cfg.posterior))
    return {key: draws[key] for key in keys}
