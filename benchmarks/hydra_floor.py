"""Hydra's own cost of a sweep: the same command line, config and launcher as
``python -m sim``, with a task that does nothing.

``run_benchmark.py --flagship`` runs the flagship's 96 jobs through this app to measure what
no change to the model can remove: start-up, composing each job's config, Hydra's per-job
bookkeeping and the workers' start. Not a user command.
"""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from sim.paths import CONFIG_DIR
from sim.sweeps import cli


def nothing(cfg: DictConfig) -> None:
    """A job that does no work. It names the CLI module so that the job's process imports it
    (the job folders' names need its ``sim_job_dir`` resolver), as a real job's would."""
    assert cli.register_configs is not None


if __name__ == "__main__":
    cli.register_configs()
    hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")(nothing)()
