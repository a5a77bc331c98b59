"""``python -m sim``: the same as the ``escalation-sim`` command."""

from sim.cli import main

main()
