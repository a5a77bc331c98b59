"""Hydra's joblib launcher, sending the workers a few chunks of jobs instead of one job at a
time, and composing each job's config once per distinct choice of config groups in each
worker instead of once per job (the why and the how of the latter: sim/sweeps/compose.py).
Same settings, same jobs, same folders and files as ``hydra/launcher=joblib``.

Why chunks: Hydra's joblib launcher sends each job to a worker with Hydra's whole state (its
config store, the sweep's config, the task) and the worker restores that state, which scans
for Hydra's plugins again, before every job. For a sweep of cheap scenario points that costs
as much as a fifth of a point. Here each worker task restores the state once and then runs a
chunk of jobs, each exactly as Hydra's joblib launcher runs it (its own ``execute_job``: the
job's config, ``.hydra/`` files, logging, callbacks and ``JobReturn``). The chunks shrink
towards the end of the sweep (:func:`chunk_sizes`), so that the workers finish together.
"""

# No `from __future__ import annotations` here: Hydra's plugin scanner runs this module before
# it is in sys.modules, where dataclasses would look string annotations up.
import dataclasses
import logging
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, configure_log, filter_overrides, run_job, setup_globals
from hydra.types import HydraContext, TaskFunction
from hydra_plugins.hydra_joblib_launcher.config import JobLibLauncherConf
from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher
from omegaconf import DictConfig, open_dict

log = logging.getLogger(__name__)

CHUNKS_PER_WORKER = 2
"""How finely the chunks are cut: the first chunk holds 1/(2 x workers) of the jobs, and each
next one that share of the jobs still to send (so the last ones hold one job each)."""


def chunk_sizes(jobs: int, workers: int) -> list[int]:
    """Sizes of consecutive chunks of ``jobs`` jobs for ``workers`` workers: each chunk a
    1/(CHUNKS_PER_WORKER x workers) share of the jobs not yet in a chunk, at least one (as
    guided self-scheduling does). A worker that is done takes the next chunk; the shrinking
    sizes let every worker finish within about one job of the others."""
    sizes, left = [], jobs
    while left > 0:
        size = max(1, math.ceil(left / (CHUNKS_PER_WORKER * max(workers, 1))))
        sizes.append(size)
        left -= size
    return sizes


def execute_chunk(
    first_idx: int,
    chunk: Sequence[Sequence[str]],
    hydra_context: HydraContext,
    config: DictConfig,
    task_function: TaskFunction,
    singleton_state: dict[Any, Any],
) -> list[JobReturn]:
    """Run a chunk of jobs (numbered from ``first_idx``) in this worker, one after the other,
    each as Hydra's joblib launcher runs a job (``_core.execute_job``, less its restoring of
    Hydra's state: done once here)."""
    setup_globals()
    Singleton.set_state(singleton_state)
    returns = []
    for idx, overrides in enumerate(chunk, start=first_idx):
        sweep_config = hydra_context.config_loader.load_sweep_config(config, list(overrides))
        with open_dict(sweep_config):
            sweep_config.hydra.job.id = f"{sweep_config.hydra.job.name}_{idx}"
            sweep_config.hydra.job.num = idx
        HydraConfig.instance().set_config(sweep_config)
        returns.append(
            run_job(
                hydra_context=hydra_context,
                config=sweep_config,
                task_function=task_function,
                job_dir_key="hydra.sweep.dir",
                job_subdir_key="hydra.sweep.subdir",
            )
        )
    return returns


class CachedJoblibLauncher(JoblibLauncher):
    """The joblib launcher (same settings, same jobs, same folders) whose workers run chunks
    of jobs and compose each distinct set of group choices once (module docstring)."""

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        assert self.hydra_context is not None
        plain = self.hydra_context
        from sim.sweeps.compose import ComposeOncePerChoice

        loader = ComposeOncePerChoice(plain.config_loader, uuid.uuid4().hex)
        self.hydra_context = dataclasses.replace(plain, config_loader=loader)
        try:
            return self._launch_chunks(job_overrides, initial_job_idx)
        finally:
            self.hydra_context = plain

    def _launch_chunks(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> list[JobReturn]:
        """Hydra's joblib launch (``_core.launch``: same settings, same log lines), its jobs
        sent in chunks."""
        # Imported here, as Hydra's joblib launcher imports them: Hydra imports every plugin
        # module to discover them, on every command, and joblib costs ~0.1 s to import.
        from hydra_plugins.hydra_joblib_launcher import _core
        from joblib import Parallel, delayed, effective_n_jobs

        setup_globals()
        assert self.config is not None and self.task_function is not None
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        joblib_cfg = self.joblib
        joblib_cfg["backend"] = "loky"
        _core.process_joblib_cfg(joblib_cfg)
        log.info(
            "Joblib.Parallel({}) is launching {} jobs".format(
                ",".join([f"{k}={v}" for k, v in joblib_cfg.items()]), len(job_overrides)
            )
        )
        log.info(f"Launching jobs, sweep output dir : {sweep_dir}")
        for idx, overrides in enumerate(job_overrides):
            log.info("\t#{} : {}".format(idx, " ".join(filter_overrides(overrides))))
        singleton_state = Singleton.get_state()
        starts, chunks = 0, []
        for size in chunk_sizes(len(job_overrides), effective_n_jobs(joblib_cfg["n_jobs"])):
            chunks.append((starts, job_overrides[starts : starts + size]))
            starts += size
        # The chunks are the batches: joblib must not group them further.
        done = Parallel(**{**joblib_cfg, "batch_size": 1})(
            delayed(execute_chunk)(
                initial_job_idx + start,
                chunk,
                self.hydra_context,
                self.config,
                self.task_function,
                singleton_state,
            )
            for start, chunk in chunks
        )
        return [ret for chunk in done for ret in chunk]


@dataclass
class CachedJoblibLauncherConf(JobLibLauncherConf):
    _target_: str = "hydra_plugins.escalation_sim.joblib_cached.CachedJoblibLauncher"


ConfigStore.instance().store(
    group="hydra/launcher", name="joblib_cached", node=CachedJoblibLauncherConf
)
