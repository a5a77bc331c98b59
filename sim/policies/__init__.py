"""Policies: rules from perceptions to escalation levels, one small class each."""

from sim.policies import iraq, militia, retaliation  # noqa: F401  (registers the policies)
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
