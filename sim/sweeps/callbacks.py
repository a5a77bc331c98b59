"""Hydra callbacks of a sweep: record its size and warm the workers at the start, gather its
tables at the end."""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim.sweeps.bookkeeping import start_sweep

CURRENT_SWEEP: Path | None = None
"""The sweep folder of the multirun under way in this process (read by the CLI on failure)."""

COLLECT_ERROR: str | None = None
"""Why gathering the sweep's tables failed, if it did (the CLI then exits with an error)."""


def count_jobs(config: DictConfig) -> int:
    """Number of jobs a basic sweep will launch: the product of the sweep lengths of the
    sweeper's params and the command line's overrides (the command line wins per key)."""
    params = config.hydra.sweeper.get("params")
    params = OmegaConf.to_container(params, resolve=False) if params is not None else {}
    lines = [f"{k}={v}" for k, v in params.items()]
    lines += list(config.hydra.overrides.task)
    by_key: dict[str, Any] = {}
    for override in OverridesParser.create().parse_overrides(lines):
        by_key[override.get_key_element()] = override
    sizes = [len(list(o.sweep_string_iterator())) for o in by_key.values() if o.is_sweep_override()]
    return math.prod(sizes)


class SweepBookkeeping(Callback):
    """Writes the sweep's size and start time and warms the joblib workers; collects tables and
    figures when it ends."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        global CURRENT_SWEEP
        CURRENT_SWEEP = Path(config.hydra.sweep.dir)
        try:
            total = count_jobs(config)
        except Exception:  # an exotic sweeper: progress shows done counts only
            total = 0
        start_sweep(CURRENT_SWEEP, total)
        workers = joblib_workers(config)
        if workers is not None:
            warm_up(workers, jobs=total)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        global COLLECT_ERROR
        try:
            from sim.sweeps.collect import (
                collect_and_report,  # pandas and matplotlib: only at the end
            )

            collect_and_report(Path(config.hydra.sweep.dir), workers=joblib_workers(config))
        except Exception as ex:  # Hydra turns a callback's error into a mere warning
            COLLECT_ERROR = f"{type(ex).__name__}: {ex}"
            raise


def joblib_workers(config: DictConfig) -> dict[str, Any] | None:
    """The joblib launcher's ``Parallel`` arguments, so that the sweep's figures are drawn by
    its warm workers (None for other launchers: their jobs ran elsewhere)."""
    launcher = OmegaConf.to_container(config.hydra.launcher, resolve=True)
    if not str(launcher.pop("_target_", "")).endswith("JoblibLauncher"):
        return None
    from hydra_plugins.hydra_joblib_launcher._core import process_joblib_cfg

    process_joblib_cfg(launcher)  # numbers given as strings become numbers, as it does
    return {**launcher, "backend": "loky"}  # the launcher always uses loky


def _load_model_code() -> None:
    """Import the model's modules and load its compiled kernels, in a worker process; and the
    plotting modules, for the figures the workers draw at the end."""
    import sim.sweeps.report  # noqa: F401
    from sim.model.escalation import EscalationModel

    EscalationModel({"replicas": 2, "horizon_days": 30}, record_events=False).run()


def warm_up(workers: dict[str, Any], jobs: int = 0) -> threading.Thread | None:
    """Start the joblib launcher's workers now, in the background, and have each import the
    model and load its compiled kernels (2-3 s per worker) while this process is still
    checking and listing the sweep's jobs. The launcher's ``Parallel`` then finds them warm:
    the same arguments reuse the same workers (see :func:`joblib_workers`). This process then
    imports what gathering the tables needs, while it waits for the jobs.

    At most ``jobs`` workers are warmed (when known, > 0). With one job at a time joblib runs
    the jobs in this process: there is nothing to warm up (None). The warm-up is only an
    optimisation: if it fails (e.g. the sweep stops on a bad override meanwhile), the jobs
    load what they need themselves.
    """
    from joblib import Parallel, delayed, effective_n_jobs

    n = effective_n_jobs(workers.get("n_jobs", -1))
    if jobs > 0:
        n = min(n, jobs)
    if n < 2:
        return None

    def run() -> None:
        try:
            Parallel(**workers)(delayed(_load_model_code)() for _ in range(n))
            import sim.sweeps.collect  # noqa: F401  (pandas, pyarrow: the end of the sweep needs them)
        except Exception:  # only an optimisation (see above): the jobs will do it themselves
            return

    thread = threading.Thread(target=run, name="sweep-warm-up", daemon=True)
    thread.start()
    return thread
