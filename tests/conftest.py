"""Shared fixtures: small scenarios that run in well under a second."""

from __future__ import annotations

import multiprocessing
import socket
import subprocess
import sys
import time
import urllib.request
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


def in_a_fresh_process(case, *args) -> None:
    """Run ``case(*args)`` in a new interpreter with one thread (multiprocessing's "spawn"):
    sim/forked.py forks only from such a process, and this one may have other threads
    (earlier tests leave tqdm's monitor, joblib's executor...). Its exceptions raise here."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        pool.apply(case, args)


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port: int, wait: float = 90) -> tuple[subprocess.Popen, str]:
    """Start the classroom server (``escalation-sim-app``'s module) on ``port`` and wait until
    its page answers; returns the process and its URL (the caller stops it)."""
    server = subprocess.Popen(
        [sys.executable, "-m", "sim.classroom.server", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + wait
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return server, url
        except OSError:
            time.sleep(0.5)
    server.kill()
    pytest.fail(f"the app did not start within {wait:.0f} s")


@pytest.fixture
def small() -> dict:
    return dict(SMALL)
