"""The Hydra command line: ``python -m sim`` / ``escalation-sim``.

With the sweep's callbacks (callbacks.py) and the launcher's composition cache (compose.py),
the only module that imports Hydra. It registers the typed schema and every policy's
parameters as structured configs, runs one scenario per Hydra job, and turns any input error
(Hydra's, OmegaConf's or our validator's) into a one-line message and exit status 2.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import logging
import os
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException, MissingConfigException, OverrideParseException
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config.schema import DEFAULT_POLICIES, ScenarioConfig
from sim.config.validation import ConfigError, validate
from sim.core.ladder import DEFAULT_LADDER
from sim.files import write_text
from sim.forked import Forked
from sim.model.memory import check_memory
from sim.paths import CONFIG_DIR
from sim.policies import POLICIES
from sim.sweeps.bookkeeping import (
    NOT_FINISHED,
    POINT,
    confirm,
    current_sweep,
    invalidate,
    job_dir_name,
    mark_done,
    mark_failed,
    parse_point,
    scenario_digest,
    why_not_done,
)
from sim.sweeps.lock import SweepBusy

if TYPE_CHECKING:
    from sim.sweeps.run_result import RunResult

EXIT_BAD_INPUT = 2
EXIT_FAILED_JOBS = 1
EXIT_INTERRUPTED = 130  # the shell's code for a process stopped by Ctrl-C (128 + SIGINT)

log = logging.getLogger("sim")

MODEL_PROCESS: Forked | None = None
"""The single run's model process, if the command started one (:mod:`sim.sweeps.entry`)."""

# Job folders of a sweep are named by their parameters (resolved in the job's own process,
# which imports this module to unpickle the task function).
if not OmegaConf.has_resolver("sim_job_dir"):
    OmegaConf.register_new_resolver("sim_job_dir", job_dir_name)


def register_configs() -> None:
    """Register the scenario's defaults and one node per (actor, policy) in Hydra's
    ConfigStore (the covering sweeper registers itself as a Hydra plugin).

    The nodes are the dataclasses' defaults as plain mappings, not OmegaConf-typed nodes: Hydra
    still rejects unknown keys (struct mode), and every type and range check is left to
    :func:`sim.config.validation.validate`, the one validator shared with the Python API, whose
    messages name the key and the allowed values. Untyped nodes also compose about a third
    faster, which a sweep pays once per job.
    """
    cs = ConfigStore.instance()
    defaults: dict[str, Any] = dataclasses.asdict(ScenarioConfig())
    # Each acting actor's default policy, as the Python API picks it: the schema first, then
    # the policies' nodes over its empty `policy` fields (a group each: us/policy=NAME).
    defaults["defaults"] = ["_self_", *({f"{a}/policy": p} for a, p in DEFAULT_POLICIES.items())]
    # The ladder by name: read from its file by the validator, once per process. Composed by
    # Hydra its 150-odd values would make every sweep job's config ~25% slower to compose.
    defaults["ladder"] = DEFAULT_LADDER
    cs.store(name="scenario_schema", node=defaults)
    for name, cls in POLICIES.items():
        for actor in cls.actors:
            cs.store(
                group=f"{actor}/policy", name=name, node=dataclasses.asdict(cls.Params(name=name))
            )


def _bad_input(ex: ConfigError, out: Path, sweeping: bool) -> Path:
    """Bad input: the folder's old marker and results are removed first (it must not look
    complete with a config that was not run). In a sweep the point then fails alone, with a
    note (returned: see :func:`job`); a single run exits with one line and no traceback."""
    invalidate(out)
    if sweeping:
        mark_failed(out, f"bad input: {ex}")
        return out
    print(f"escalation-sim: error: {ex}", file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT) from None


def job(cfg: DictConfig) -> Path:
    """One Hydra job: validate the composed config, run it, write into the output dir.

    In a sweep, a job whose results are already complete and intact for the same config and
    data is skipped (resume). Otherwise its old marker and results are removed before it runs, so
    an interrupted or failing rerun never leaves old results looking complete. A point that
    fails (bad input for it, an error in the model) leaves a note and returns: the sweep
    goes on, and its end reports the point in one line and publishes partial tables only
    (sim/sweeps/collect.py), rather than Hydra skipping the end and printing its own lines
    through the progress bar.
    """
    hc = HydraConfig.get()
    sweeping = hc.mode == RunMode.MULTIRUN
    out = Path(hc.runtime.output_dir)
    try:
        scenario = validate(OmegaConf.to_container(cfg, resolve=True))
    except ConfigError as ex:
        return _bad_input(ex, out, sweeping)
    digest = scenario_digest(dataclasses.asdict(scenario))
    sweep = current_sweep(Path(hc.sweep.dir)) if sweeping else None
    if sweeping:
        if (reason := why_not_done(out, digest)) is None:
            confirm(out, sweep)
            log.info("%s: already complete, skipped", out.name)
            return out
        if reason != NOT_FINISHED:  # stale or damaged: one line, then it is recomputed
            log.warning("%s: %s; recomputing it", out.name, reason)
    invalidate(out)
    if sweeping:
        write_text(json.dumps(parse_point(list(hc.overrides.task))), out / POINT)
    started = time.perf_counter()
    try:
        if sweeping:  # the jobs that run at once each check before any of them allocates
            check_memory(
                scenario.horizon_days,
                scenario.replicas,
                events=scenario.output.events,
                table=scenario.output.timeseries,
                shared_by=_jobs_at_once(hc.launcher),
            )
        result = _run(scenario, out, sweeping)
    except ConfigError as ex:  # what only the model can check (a run too large for memory)
        return _bad_input(ex, out, sweeping)
    except Exception:
        mark_failed(out, traceback.format_exc())
        if sweeping:
            return out
        raise
    seconds = time.perf_counter() - started
    files = dict(result.files)
    if sweeping:
        files["point"] = out / POINT
    rows = {"summary.csv": len(result.summary), "quantiles.parquet": len(result.quantiles)}
    mark_done(out, digest, seconds, scenario.replicas, files, rows, sweep)
    if sweeping:
        log.info("%s: done in %.1fs", out.name, seconds)
        return out
    s = result.summary
    print(
        f"Simulated {scenario.replicas} replica(s) x {scenario.horizon_days} days "
        f"(seed {scenario.seed}): median peak escalation {s.peak_escalation.median():.2f}, "
        f"median attacks {s.total_attacks.median():.0f}, "
        f"median US strikes {s.total_strikes.median():.0f}."
    )
    print(f"Results in {out}:")
    for key in ("timeseries", "events", "summary", "quantiles", "trajectory", "scenario"):
        if key in result.files:
            print(f"  {result.files[key].name}")
    print("  .hydra/config.yaml")
    return out


def _jobs_at_once(launcher: DictConfig) -> int:
    """How many jobs of a sweep run at once on this machine: a joblib launcher's workers;
    1 for a launcher that gives each job a machine or an allocation of its own (Slurm)."""
    n_jobs = OmegaConf.select(launcher, "n_jobs", default=None)
    if n_jobs is None:
        return 1
    from joblib import effective_n_jobs

    return effective_n_jobs(int(n_jobs))


def _run(scenario: ScenarioConfig, out: Path, sweeping: bool) -> RunResult:
    """Run the job's scenario: in the model's process if the command started one (a single
    run), else here."""
    if MODEL_PROCESS is not None and MODEL_PROCESS.forked and not sweeping:
        MODEL_PROCESS.call(scenario, out)
        return MODEL_PROCESS.result()
    if MODEL_PROCESS is not None:  # a sweep after all (hydra.mode=MULTIRUN): not needed
        MODEL_PROCESS.close()
    from sim.sweeps.job import figure_process, run_scenario  # the model: only where jobs run

    if sweeping:  # the one bar is the sweep's (sim.sweeps.progress), not each job's
        return run_scenario(scenario, out, progress=False)
    return run_scenario(scenario, out, figure=figure_process() if scenario.output.plot else None)


_hydra_main = hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")(job)


def describe_error(ex: BaseException) -> str:
    """A one-line description of an input error, naming the key and what is allowed."""
    if isinstance(ex, ConfigError):
        return str(ex)
    if isinstance(ex, OverrideParseException):
        lines = [ln.strip() for ln in str(ex).strip().splitlines() if ln.strip()]
        detail = ": ".join(ln for ln in lines[:2] if not ln.startswith("See "))
        return (
            f"{ex.override}: cannot parse this override ({detail}); see "
            "https://hydra.cc/docs/advanced/override_grammar/basic/"
        )
    if isinstance(ex, MissingConfigException) and ex.missing_cfg_file:
        group, _, option = ex.missing_cfg_file.rpartition("/")
        if ex.options:
            return (
                f"{group}: unknown option {option!r}; choose from: {', '.join(sorted(ex.options))}"
            )
        return f"{ex.missing_cfg_file}: no such config"
    cause = ex.__cause__ if isinstance(ex.__cause__, OmegaConfBaseException) else ex
    if isinstance(cause, OmegaConfBaseException):
        key = getattr(cause, "full_key", None) or ""
        first = str(cause).strip().splitlines()[0]
        if "not in struct" in first or ("Key '" in first and "not" in first):
            parent = getattr(cause, "parent_node", None)
            keys = (
                [str(k) for k in parent if k != "hydra"]
                if (parent is not None and hasattr(parent, "keys"))
                else []
            )
            allowed = f"; allowed keys here: {', '.join(keys)}" if keys else ""
            hint = (
                " (a policy's own parameters exist only once it is chosen, e.g. "
                "us/policy=generous_tit_for_tat us.policy.generosity=0.2)"
                if ".policy." in key
                else ""
            )
            return f"{key}: unknown key{allowed}{hint}"
        return f"{key}: {first}" if key else first
    lines = [ln.strip() for ln in str(ex).splitlines() if ln.strip()]
    return " ".join(lines[:2]) if lines else type(ex).__name__


def main(model_process: Forked | None = None) -> None:
    """Run Hydra, reporting bad input (and Ctrl-C) in one line without a traceback; a single
    run's scenario runs in ``model_process`` if given (started by
    :func:`sim.sweeps.entry.main`)."""
    global MODEL_PROCESS
    MODEL_PROCESS = model_process
    try:
        _main()
    except KeyboardInterrupt:  # the model's process was interrupted too (one process group)
        from sim.sweeps import callbacks

        callbacks.stop_progress()
        callbacks.stop_prefetch()
        kept = (
            "; the finished points are kept, and the same command resumes the sweep"
            if callbacks.CURRENT_SWEEP is not None
            else "; the run did not finish (its folder has no completion record)"
        )
        print(f"escalation-sim: interrupted{kept}", file=sys.stderr)
        raise SystemExit(EXIT_INTERRUPTED) from None
    finally:
        if MODEL_PROCESS is not None:
            MODEL_PROCESS.close()  # stopped if never called (bad input...), else reaped
        # The process ends here. Without this, the interpreter's last garbage collections
        # would walk every object of the run (~250,000: Hydra's, pandas', numba's), about
        # 0.3 s of the default run; every file is written and closed by now.
        gc.freeze()


def _main() -> None:
    register_configs()
    user_wants_traceback = os.environ.get("HYDRA_FULL_ERROR") == "1"
    os.environ["HYDRA_FULL_ERROR"] = "1"  # make Hydra raise, so that we can report
    from sim.sweeps import callbacks

    try:
        _hydra_main()
        if callbacks.COLLECT_ERROR:
            print(
                f"escalation-sim: error: the jobs finished but gathering their tables failed "
                f"({callbacks.COLLECT_ERROR}); retry with: python -m sim.sweeps.collect "
                f"{callbacks.CURRENT_SWEEP}",
                file=sys.stderr,
            )
            sys.exit(EXIT_FAILED_JOBS)
        if callbacks.INCOMPLETE:
            sys.exit(EXIT_FAILED_JOBS)
    except SweepBusy as ex:
        print(f"escalation-sim: error: {ex}", file=sys.stderr)
        sys.exit(EXIT_FAILED_JOBS)
    except callbacks.SweepRefused as ex:
        print(f"escalation-sim: error: {ex}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    except (HydraException, OmegaConfBaseException) as ex:
        callbacks.abandon_sweep()
        if user_wants_traceback:
            raise
        print(f"escalation-sim: error: {describe_error(ex)}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    except Exception as ex:
        single_run = callbacks.CURRENT_SWEEP is None
        if single_run and isinstance(ex, OSError) and not user_wants_traceback:
            # a file or folder it cannot make, write or read (hydra.run.dir under a file,
            # a read-only folder...): named, with the system's reason
            print(
                f"escalation-sim: error: {ex.filename or 'a file'}: "
                f"{ex.strerror or type(ex).__name__} (the run's files go to hydra.run.dir)",
                file=sys.stderr,
            )
            sys.exit(EXIT_BAD_INPUT)
        if single_run or user_wants_traceback:
            raise
        # A job died outright (a point that fails returns, see job()), and Hydra skips its
        # end-of-sweep hook: gather what finished anyway.
        callbacks.stop_progress()
        print(
            f"escalation-sim: error: a sweep job failed ({type(ex).__name__}: {ex})",
            file=sys.stderr,
        )
        _gather_after_failure(callbacks.CURRENT_SWEEP)
        sys.exit(EXIT_FAILED_JOBS)


def _gather_after_failure(sweep_dir: Path) -> None:
    """Gather the finished points (as partial tables) after a failed job, in one line if
    even that fails."""
    from sim.sweeps import callbacks
    from sim.sweeps.collect import collect_and_report

    try:
        collect_and_report(sweep_dir, prefetched=callbacks.stop_prefetch())
    except Exception as ex:
        print(
            f"escalation-sim: error: gathering the finished points failed "
            f"({type(ex).__name__}: {ex}); retry with: python -m sim.sweeps.collect {sweep_dir}",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
