"""``escalation-sim``'s entry point: starts the single run's model process, then hands over to
the Hydra command line (:mod:`sim.sweeps.cli`).

This module imports nothing heavy, so that the model's process (:mod:`sim.sweeps.model_process`)
is forked before Hydra, pandas or numba load, and imports what the model needs while this
process imports what Hydra needs. It is forked for the plain form ``escalation-sim
[key=value ...]`` only: with a flag (``--multirun``, ``--help``, ``--cfg``, ...) the command
may never run a model here, and the command runs any job in its own process as before.
"""

from __future__ import annotations

import sys

from sim.forked import Forked


def main() -> None:
    """Console entry point."""
    model_process = None
    if not any(arg.startswith("-") for arg in sys.argv[1:]):
        model_process = Forked(
            "sim.sweeps.model_process:run", prepare="sim.sweeps.model_process:prepare"
        )
    from sim.sweeps import cli

    cli.main(model_process)
