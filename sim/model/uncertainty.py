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


def _policy_of(cfg: ScenarioConfig, key: str) -> Any:
    """The policy parameters that hold a policy parameter's key: the actor's policy, or its
    ``fallback`` policy (a person's choices played by the model on days without one)."""
    actor, _, name = key.split(".")
    policy = _value(cfg, f"{actor}.policy")
    fallback = getattr(policy, "fallback", None)
    return fallback if not hasattr(policy, name) and fallback is not None else policy


def _default(cfg: ScenarioConfig, key: str) -> Any:
    """A calibrated parameter's default: the policy's own default for a policy parameter
    (None if the scenario's policy has no such parameter), else the schema's."""
    parts = key.split(".")
    if parts[1] == "policy":
        params = POLICIES[_policy_of(cfg, key).name].Params()
        return getattr(params, parts[2], None)
    return _value(_DEFAULTS, key)


def _configured(cfg: ScenarioConfig, key: str) -> Any:
    """A calibrated parameter's value in the scenario."""
    if key.split(".")[1] == "policy":
        return getattr(_policy_of(cfg, key), key.split(".")[2], None)
    return _value(cfg, key)


def drawn(cfg: ScenarioConfig) -> list[str]:
    """The calibrated parameters the replicas draw: all that the scenario leaves at their
    default (and that its policies have), none with ``parameters: point``."""
    if cfg.parameters != "posterior":
        return []
    return [
        key
        for key in UNCERTAIN
        if (default := _default(cfg, key)) is not None and _configured(cfg, key) == default
    ]


def replica_parameters(cfg: ScenarioConfig, replica_ids: Sequence[int]) -> dict[str, np.ndarray]:
    """Each replica's draw of every parameter in :func:`drawn`, keyed by its config key."""
    keys = drawn(cfg)
    if not keys:
        return {}
    draws = replica_draws(cfg.seed, replica_ids, posterior_path(cfg.posterior))
    return {key: draws[key] for key in keys}
