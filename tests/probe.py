"""Run in joblib workers by the tests: what a worker process has loaded. It imports nothing
of the package, so that a worker loads only what the code under test made it load."""

from __future__ import annotations

import os
import sys


def loaded(module: str) -> tuple[int, bool]:
    """This process's id and whether it has imported ``module``."""
    return os.getpid(), module in sys.modules
