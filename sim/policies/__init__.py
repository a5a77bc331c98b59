"""Policies: rules from perceptions to escalation levels, one small class each."""

from sim.policies import human, iraq, militia, retaliation  # noqa: F401  (registers them)
from sim.policies.base import (
    POLICIES,
    Observation,
    Policy,
    PolicyParams,
    make_policy,
    policies_for,
    register,
)

__all__ = [
    "POLICIES",
    "Observation",
    "Policy",
    "PolicyParams",
    "make_policy",
    "policies_for",
    "register",
]
