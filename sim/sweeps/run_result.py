"""What a finished run gives back: its tables and the files written for it.

A module of its own, importing nothing heavy, because the command line's single run sends it
from the model's process (sim/sweeps/model_process.py) to the command's, which unpickles it
without importing the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class RunResult:
    """Tables of a finished run and the files written for it."""

    timeseries: pd.DataFrame | None
    summary: pd.DataFrame
    quantiles: pd.DataFrame
    events: pd.DataFrame | None
    files: dict[str, Path]
