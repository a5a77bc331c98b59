"""``escalation-sim``'s entry point: starts the single run's model process, then hands over to
the Hydra command line (:mod:`sim.sweeps.cli`).

The model's process (:mod:`sim.sweeps.model_process`) is forked once what both processes need
has loaded and before anything only one of them needs: it imports Mesa and the model and
loads the compiled day while this process imports Hydra and composes the config (so this
module and ``sim`` itself import nothing heavy). It is forked for the plain form
``escalation-sim [key=value ...]`` only: with a flag (``--multirun``, ``--help``, ``--cfg``,
...) the command may never run a model here, and it runs any job in its own process.
"""

from __future__ import annotations

import gc
import sys

from sim.forked import Forked


def main() -> None:
    """Console entry point."""
    model_process = None
    if not any(arg.startswith("-") for arg in sys.argv[1:]):
        # What both processes need (numpy, pandas, numba, the config's modules) is imported
        # once, before the fork: ~0.6 s of CPU the two would otherwise each spend. With the
        # cyclic garbage collector off: imports make no garbage, yet their allocations set it
        # off over and over across the growing heap (~10% of the imports' time, measured).
        gc.disable()
        import sim.config.validation  # noqa: F401

        model_process = Forked(
            "sim.sweeps.model_process:run", prepare="sim.sweeps.model_process:prepare"
        )
        gc.enable()
    from sim.sweeps import cli

    cli.main(model_process)
