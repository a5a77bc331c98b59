"""escalation-sim's Hydra plugin: the covering sweeper (Hydra finds plugins in this package)."""
