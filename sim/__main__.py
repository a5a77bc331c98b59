"""``python -m sim``: the same as the ``escalation-sim`` command."""

from sim.sweeps.entry import main

main()
