"""Parameters with their provenance and allowed values: the one way every default of the
scenario schema (:mod:`sim.config.schema`) and of every policy's ``Params`` is declared, and
the error a value that cannot be used raises."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import Any

import numpy as np


class ConfigError(ValueError):
    """A configuration value that cannot be used; ``str()`` is a one-line message naming the
    key and what is allowed (:func:`sim.config.validation.validate` raises it)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message

    def __reduce__(self):  # picklable, so errors cross process boundaries (joblib, submitit)
        return (ConfigError, (self.key, self.message))


def param(default: Any = None, *, doc: str, factory: Any = None, **bounds: Any) -> Any:
    """A dataclass field with its provenance and its allowed values.

    Args:
        default: The default value.
        doc: What the parameter means and where the default comes from ("assumption" if it
            is one).
        factory: A default factory for mutable defaults (lists, nested configs).
        **bounds: Constraints checked by :func:`sim.config.validation.validate`: ``ge``,
            ``gt``, ``le``, ``lt`` (numeric bounds) and ``choices`` (allowed strings).
    """
    metadata = {"doc": doc, **bounds}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


PROBABILITY = {"ge": 0.0, "le": 1.0}
UNIT = PROBABILITY  # a state variable or weight on [0, 1]


def by_replica(draws: Mapping[str, np.ndarray], key: str, value: float, n: int) -> np.ndarray:
    """A calibrated parameter as an array over the ``n`` replicas: each replica's posterior
    draw where the model draws them (``draws``, keyed by the parameter's place in the
    config), else the configured value for all."""
    return np.asarray(draws[key], dtype=float) if key in draws else np.full(n, float(value))


def half_life_decay(days: float) -> float:
    """The daily decay factor of a quantity with a half-life of ``days``: parameters are
    given as half-lives, which say more to a reader than a factor does."""
    return 0.5 ** (1.0 / days)
