"""Shared fixtures: small scenarios that run in well under a second."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SMALL = {"replicas": 8, "horizon_days": 120}
"""A scenario small enough for unit tests but long enough for attacks and strikes."""


def run_cli(*overrides: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python -m sim`` in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "sim", *overrides],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def small() -> dict:
    return dict(SMALL)
