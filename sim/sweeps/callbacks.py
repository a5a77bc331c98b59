"""Hydra callbacks of a sweep: at the start, lock the folder, record the sweep's points, start
the progress bar, the reading of finished points and the workers' warm-up; at the end, stop
the bar and gather the tables."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hydra._internal.config_loader_impl import get_overrides_dirname
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim.files import write_bytes
from sim.sweeps.bookkeeping import (
    JOBS_DIR,
    SWEEP_STATE,
    clean_temporaries,
    config_digest,
    job_dir_name,
    start_sweep,
)
from sim.sweeps.lock import lock_sweep, unlock_sweep
from sim.sweeps.prefetch import Prefetch
from sim.sweeps.progress import SweepProgress

CURRENT_SWEEP: Path | None = None
"""The sweep folder of the multirun under way in this process (read by the CLI on failure)."""

COLLECT_ERROR: str | None = None
"""Why gathering the sweep's tables failed, if it did (the CLI then exits with an error)."""

INCOMPLETE: bool = False
"""Whether the tables gathered at the end are partial (the CLI then exits with status 1)."""

PROGRESS: SweepProgress | None = None
"""The progress bar of the multirun under way in this process (stopped by :func:`stop_progress`)."""

PREFETCH: Prefetch | None = None
"""The reading of finished points of the multirun under way (stopped by :func:`stop_prefetch`)."""

_PREVIOUS_STATE: bytes | None = None
"""The sweep state file this sweep replaced (put back by :func:`abandon_sweep`)."""

JOB_CONFIGS = f"{JOBS_DIR}/*/.hydra/config.yaml"

JOB_SUBDIR = "jobs/${sim_job_dir:${hydra.job.override_dirname}}"
"""The job folder pattern of configs/config.yaml: the sweep's points are named by it."""


def job_overrides(config: DictConfig) -> list[list[str]]:
    """The overrides of every job a basic sweep will launch, in launch order: the sweeper's
    params then the command line's overrides (the command line wins per key), combined as
    Hydra's basic sweeper does (its own function)."""
    params = config.hydra.sweeper.get("params")
    params = OmegaConf.to_container(params, resolve=False) if params is not None else {}
    lines = [f"{k}={v}" for k, v in params.items()]
    lines += list(config.hydra.overrides.task)
    overrides = OverridesParser.create().parse_overrides(lines)
    return [job for batch in BasicSweeper.split_arguments(overrides, None) for job in batch]


def sweep_points(config: DictConfig) -> list[str] | None:
    """The job folder names of the sweep's points, as its jobs will name them (Hydra's own
    override_dirname, then :func:`job_dir_name`); None if the folders are named otherwise
    (another ``hydra.sweep.subdir``) or the sweeper is not a basic one."""
    if OmegaConf.to_container(config.hydra.sweep, resolve=False).get("subdir") != JOB_SUBDIR:
        return None
    settings = config.hydra.job.config.override_dirname
    parser = OverridesParser.create()
    return [
        job_dir_name(
            get_overrides_dirname(
                overrides=parser.parse_overrides(job),
                exclude_keys=list(settings.exclude_keys),
                item_sep=settings.item_sep,
                kv_sep=settings.kv_sep,
            )
        )
        for job in job_overrides(config)
    ]


def sweep_identity(config: DictConfig) -> str:
    """A fingerprint of the sweep's base config: everything but Hydra's own settings, with the
    command line's and the experiment's fixed values and without the swept ones. Points
    finished under another identity (e.g. before ``horizon_days`` changed) are stale."""
    base = OmegaConf.to_container(config, resolve=False)
    base.pop("hydra", None)
    return config_digest(base)


class SweepBookkeeping(Callback):
    """Locks the sweep folder, records the sweep's points and identity, shows its progress,
    reads its finished points as they come (sim/sweeps/prefetch.py) and warms the joblib
    workers; gathers tables and figures when it ends."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        global CURRENT_SWEEP, PROGRESS, PREFETCH, _PREVIOUS_STATE
        try:
            points = sweep_points(config)
        except Exception:  # an exotic sweeper: every job folder counts as the sweep's
            points = None
        check_sweep(config, points)  # SweepRefused stops it, before it touches any folder
        sweep_dir = Path(config.hydra.sweep.dir)
        lock_sweep(sweep_dir)  # SweepBusy stops the sweep (see sim.sweeps.lock)
        CURRENT_SWEEP = sweep_dir
        clean_temporaries(sweep_dir)
        state_file = sweep_dir / SWEEP_STATE
        _PREVIOUS_STATE = state_file.read_bytes() if state_file.exists() else None
        state = start_sweep(sweep_dir, points, sweep_identity(config))
        PROGRESS = SweepProgress(sweep_dir, state).start()
        PREFETCH = Prefetch(sweep_dir, points, state.get("sweep")).start()
        workers = joblib_workers(config)
        if workers is not None:
            warm_up(workers, jobs=state["total"])

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        global COLLECT_ERROR, INCOMPLETE
        stop_progress()
        sweep_dir = Path(config.hydra.sweep.dir)
        workers = joblib_workers(config)
        # the idle workers import the plotting modules while this process gathers the tables
        plotting = warm_up(workers, jobs=FIGURES, load=_load_plotting) if workers else None
        try:
            from sim.sweeps.collect import (
                collect_and_report,  # pandas and matplotlib: only at the end
            )

            tables = collect_and_report(
                sweep_dir,
                workers=workers,
                before_figures=plotting.join if plotting else None,
                prefetched=stop_prefetch(),
            )
            INCOMPLETE = not tables.complete
        except Exception as ex:  # Hydra turns a callback's error into a mere warning
            COLLECT_ERROR = f"{type(ex).__name__}: {ex}"
            raise
        finally:
            unlock_sweep(sweep_dir)
            if workers is not None:
                stop_workers()


class SweepRefused(BaseException):
    """A sweep that cannot run as asked, with the one line that says why and names the key.

    A BaseException, as :class:`sim.sweeps.lock.SweepBusy` is: Hydra reduces a callback's
    ordinary exception to a warning and would run the sweep anyway."""


def check_sweep(config: DictConfig, points: list[str] | None) -> None:
    """Refuse, before any job runs, a sweep whose results could not be told apart or kept:
    no folder, job folders not named by their points (gathering and resume find a point by
    its folder: with Hydra's default of numbered folders a sweep gathers nothing), two points
    in one folder (one would overwrite the other, and the table would count it twice), or
    a launcher told to run no jobs at once."""
    folder = str(config.hydra.sweep.dir or "").strip()
    if not folder:
        raise SweepRefused("hydra.sweep.dir: empty; give the folder the sweep writes into")
    if OmegaConf.to_container(config.hydra.sweep, resolve=False).get("subdir") != JOB_SUBDIR:
        raise SweepRefused(
            "hydra.sweep.subdir: set by escalation-sim (each point's folder is named by its "
            "parameters, which resume and gathering rely on); remove this override"
        )
    twice = [p for p, n in Counter(points or ()).items() if n > 1]
    if twice:
        raise SweepRefused(
            f"two scenario points would share the job folder {JOBS_DIR}/{twice[0]} (a value "
            "repeated, or values that differ only in characters a folder name cannot hold); "
            "give each point distinct values"
        )
    n_jobs = OmegaConf.select(config, "hydra.launcher.n_jobs", default=None)
    if n_jobs is not None and (not isinstance(n_jobs, int) or n_jobs == 0):
        raise SweepRefused(
            f"hydra.launcher.n_jobs: {n_jobs!r} is not allowed; choose a number of workers "
            "(1, 2, ...) or -1 for one per core (-2: all but one, ...)"
        )
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as ex:
        why = "a file, not a folder" if Path(folder).is_file() else (ex.strerror or str(ex))
        raise SweepRefused(f"hydra.sweep.dir: cannot make the folder {folder} ({why})") from None


def stop_workers() -> None:
    """Stop the joblib launcher's workers now that the sweep is over (loky's reusable
    executor, its workers killed: they are idle, every job and figure is done). Left to this
    process's exit, each would finalise its interpreter first: ~0.9 s of the flagship's wall
    time after its last file is written. Only an optimisation: if joblib keeps its executor
    elsewhere in a later version, the workers stop at exit as before."""
    from joblib.externals.loky import reusable_executor

    executor = getattr(reusable_executor, "_executor", None)
    if executor is not None:
        executor.shutdown(wait=True, kill_workers=True)


def stop_prefetch() -> Prefetch | None:
    """Stop reading finished points; what was read, for gathering the tables (once: then
    None)."""
    global PREFETCH
    prefetched, PREFETCH = PREFETCH, None
    if prefetched is not None:
        prefetched.stop()
    return prefetched


def stop_progress() -> None:
    """Stop the progress bar (if any) and print the sweep's one-line summary."""
    if PROGRESS is not None:
        PROGRESS.stop()


def abandon_sweep() -> None:
    """The sweep stopped on bad input before launching a job (e.g. an unknown key, found when
    the sweeper composes the jobs): put the folder's previous sweep state back, so that a
    typo in a re-run does not turn a finished sweep's points into an earlier sweep's."""
    global PROGRESS
    stop_prefetch()
    if CURRENT_SWEEP is None or PROGRESS is None:
        return
    started = PROGRESS.state["started"]
    if any(job.stat().st_mtime >= started for job in CURRENT_SWEEP.glob(JOB_CONFIGS)):
        stop_progress()  # jobs ran: the state describes them
        return
    if PROGRESS is not None:
        PROGRESS.stop_quietly()
        PROGRESS = None
    state_file = CURRENT_SWEEP / SWEEP_STATE
    if _PREVIOUS_STATE is None:
        state_file.unlink(missing_ok=True)
    else:
        write_bytes(_PREVIOUS_STATE, state_file)


def joblib_workers(config: DictConfig) -> dict[str, Any] | None:
    """The joblib launcher's ``Parallel`` arguments, so that the sweep's figures are drawn by
    its warm workers (None for other launchers: their jobs ran elsewhere)."""
    launcher = OmegaConf.to_container(config.hydra.launcher, resolve=True)
    if not str(launcher.pop("_target_", "")).endswith("JoblibLauncher"):
        return None
    from hydra_plugins.hydra_joblib_launcher._core import process_joblib_cfg

    process_joblib_cfg(launcher)  # numbers given as strings become numbers, as it does
    return {**launcher, "backend": "loky"}  # the launcher always uses loky


FIGURES = 5
"""Figures a sweep draws at most (sim.sweeps.report.draw_figures): workers warmed for them."""


def _load_model_code() -> None:
    """Import the model's modules and load its compiled kernels, in a worker process."""
    from sim.model.escalation import EscalationModel

    EscalationModel({"replicas": 2, "horizon_days": 30}, record_events=False).run()


def _load_plotting() -> None:
    """Import the plotting modules, in a worker process, for the figures of the sweep's end
    (not at the start: that would delay the first scenario points)."""
    import sim.sweeps.report  # noqa: F401


def warm_up(
    workers: dict[str, Any], jobs: int = 0, load: Callable[[], None] = _load_model_code
) -> threading.Thread | None:
    """Start the joblib launcher's workers now, in the background, and have each run ``load``:
    by default import the model and load its compiled kernels (2-3 s per worker) while this
    process is still checking and listing the sweep's jobs. The launcher's ``Parallel`` then
    finds them warm: the same arguments reuse the same workers (see :func:`joblib_workers`).
    This process then imports what gathering the tables needs, while it waits for the jobs.

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
            Parallel(**workers)(delayed(load)() for _ in range(n))
            import sim.sweeps.collect  # noqa: F401  (pandas, pyarrow: the end of the sweep needs them)
        except Exception:  # only an optimisation (see above): the jobs will do it themselves
            return

    thread = threading.Thread(target=run, name="sweep-warm-up", daemon=True)
    thread.start()
    return thread
