"""Policies: rules from perceptions to escalation levels, one small class each.

Every module of this package is imported here, so a policy registers itself by being written
in one: adding a policy touches one file.
"""

import importlib
import pkgutil

from sim.policies.base import (
    POLICIES,
    Observation,
    Policy,
    PolicyParams,
    RuleArgs,
    make_policy,
    policies_for,
    register,
    rule_args,
)

_NOT_POLICIES = {"base", "dispatch"}
for _module in pkgutil.iter_modules(__path__):
    if _module.name not in _NOT_POLICIES:
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "POLICIES",
    "Observation",
    "Policy",
    "PolicyParams",
    "RuleArgs",
    "make_policy",
    "policies_for",
    "register",
    "rule_args",
]
