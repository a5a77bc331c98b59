"""Benchmarks, printed as figures with ratios against baselines measured in the same run.

1. Replica batching: cost per replica-run of the default scenario at R = 1 and R = 200.
2. The event log's cost: the default single run (100 replicas, 730 days) with and without it.
3. ``--baseline REV``: the default scenario's model in one process, the default
   ``escalation-sim`` run through the command line and, with ``--flagship``, the flagship
   sweep, with the code of git revision REV and with this checkout, alternately (REV exported
   to a temporary folder on PYTHONPATH): the speed-up of this code over REV.
4. ``--flagship``: the withdrawal-timing experiment end to end through the real command line
   (60 scenario points x 200 replicas x 1826 days, joblib on all cores, every table and figure
   written) against the same points run directly (each point's model run and summarised,
   joblib on all cores, no files, no Hydra; measured before and after the sweep): the ratio
   end to end / model only (target <= 1.5x); peak memory of the whole process tree; Mesa's
   ``batch_run`` per replica-run (one replica per model, stepped day by day); and Hydra's own
   share: the same jobs with a task that does nothing (``hydra_floor.py``).

Machines here are shared and noisy: compare the ratios, not the absolute times. Run
``make bench`` or ``python benchmarks/run_benchmark.py [--flagship] [--baseline REV]
[--repeats N]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from revision import exported

from sim import EscalationModel
from sim.analysis.metrics import summarize
from sim.sweeps.bookkeeping import DONE, JOBS_DIR, SWEEP_STATE

FLAGSHIP_POINTS = 60
FLAGSHIP_REPLICAS = 200


def time_run(replicas: int, repeats: int, **config) -> float:
    """Median wall time (s) of building, running and summarising one scenario."""
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        model = EscalationModel(
            {"replicas": replicas, "seed": i, **config}, record_events=False
        ).run()
        summarize(model)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


class PeakMemory:
    """Samples the resident memory of a process and all its children (every 0.1 s), and the
    CPU time the process itself has used (its last sample: ``cpu``)."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        self.cpu = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            try:
                times = self.root.cpu_times()
                self.cpu = times.user + times.system
                for p in [self.root, *self.root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):  # a worker may have just exited
                        total += p.memory_info().rss
            except psutil.Error:
                break
            self.peak = max(self.peak, total)
            self._stop.wait(0.1)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def batching(repeats: int, replicas: int) -> None:
    time_run(1, 1)  # warm-up: imports, caches
    single = time_run(1, repeats)
    batched = time_run(replicas, repeats)
    per_single = 1000 * single
    per_batched = 1000 * batched / replicas
    print(f"default scenario, 730 days, median of {repeats} runs each")
    print(f"R = 1:   {per_single:8.2f} ms per replica-run ({single:.3f} s per run)")
    print(f"R = {replicas}: {per_batched:8.2f} ms per replica-run ({batched:.3f} s per run)")
    print(
        f"ratio (R = 1 cost / R = {replicas} cost per replica): "
        f"{per_single / per_batched:.1f}x (target >= 20x)"
    )


def event_log_cost(repeats: int) -> None:
    """The default single run with its event log against the same run without it: the two
    alternately, at least 30 of each (a run takes ~0.05 s, so a burst of other work on this
    shared machine moved a median of 5 by a third)."""
    repeats = max(repeats, 30)
    plain, logged, with_table = [], [], []
    EscalationModel({"seed": 0}).run().event_log()  # warm-up

    def without(seed: int) -> None:
        t0 = time.perf_counter()
        EscalationModel({"seed": seed}, record_events=False).run()
        plain.append(time.perf_counter() - t0)

    def with_log(seed: int) -> None:
        t0 = time.perf_counter()
        model = EscalationModel({"seed": seed}, record_events=True).run()
        logged.append(time.perf_counter() - t0)
        model.event_log()
        with_table.append(time.perf_counter() - t0)

    for i in range(repeats):  # ABBA: neither goes first every time
        for run in (without, with_log) if i % 2 == 0 else (with_log, without):
            run(i)
    plain_s, logged_s, table_s = (statistics.median(x) for x in (plain, logged, with_table))
    print(
        f"default single run (100 replicas, 730 days), median of {repeats} runs each, alternately"
    )
    print(f"without the event log: {plain_s:.3f} s")
    print(f"with the event log:    {logged_s:.3f} s ({logged_s / plain_s:.2f}x; target <= 1.5x)")
    print(f"... and its table:     {table_s:.3f} s ({table_s / plain_s:.2f}x)")


MODEL_ONLY = """
import statistics, sys, time
from sim import EscalationModel
times = []
for i in range(int(sys.argv[1]) + 1):
    t0 = time.perf_counter()
    EscalationModel({"seed": i}).run().event_log()
    times.append(time.perf_counter() - t0)
print(statistics.median(times[1:]))
"""
"""The default single run in one process, the event log's table included: median seconds."""


def versus(baseline: str, repeats: int, with_flagship: bool) -> None:
    """This checkout against git revision ``baseline``, runs alternating so that both see
    the same machine: the default scenario's model in one process (build, run, event log),
    the default ``escalation-sim`` run through the command line, and the flagship sweep."""
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="versus-") as tmp, exported(baseline) as tree:
        codes = {baseline: tree, "this code": root}
        jobs = {
            "default scenario's model (build, run, event log; in-process)": [
                "-c",
                MODEL_ONLY,
                str(repeats),
            ],
            "default escalation-sim run (command line, files and figure included)": [
                "-m",
                "sim",
                "hydra.run.dir={out}",
            ],
        }
        if with_flagship:
            jobs["flagship sweep (command line)"] = [
                "-m",
                "sim",
                "-m",
                "experiment=withdrawal_timing",
                "hydra.sweep.dir={out}",
            ]
        for job, args in jobs.items():
            in_process = args[0] == "-c"
            times: dict[str, list[float]] = {label: [] for label in codes}
            for round_ in range(1 if in_process else repeats + 1):
                for label, code in codes.items():  # round 0 also compiles each version
                    out = Path(tmp) / f"out-{round_}"
                    cmd = [sys.executable, *(a.replace("{out}", str(out)) for a in args)]
                    env = {**os.environ, "PYTHONPATH": str(code)}
                    t0 = time.perf_counter()
                    proc = subprocess.run(cmd, env=env, cwd=tmp, capture_output=True, text=True)
                    seconds = time.perf_counter() - t0
                    if proc.returncode != 0:
                        sys.exit(f"{job} with {label} failed:\n{proc.stderr[-2000:]}")
                    if in_process:
                        times[label].append(float(proc.stdout.split()[-1]))
                    elif round_:
                        times[label].append(seconds)
                    shutil.rmtree(out, ignore_errors=True)
            old, new = (statistics.median(times[label]) for label in codes)
            print(
                f"{job}, median of {repeats}: {baseline} {old:.3f} s, this code {new:.3f} s"
                f" = {old / new:.2f}x faster"
            )


def flagship_configs(replicas: int = FLAGSHIP_REPLICAS) -> list[dict]:
    """The flagship's scenario points as the sweep composes them (Hydra's compose API, the
    experiment's sweep lists crossed, ``replicas`` per point), validated: for running the same
    points directly."""
    import itertools

    import yaml
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    from sim.config.validation import validate
    from sim.paths import CONFIG_DIR
    from sim.sweeps.cli import register_configs

    register_configs()
    experiment = yaml.safe_load((CONFIG_DIR / "experiment" / "withdrawal_timing.yaml").read_text())
    lists = experiment["hydra"]["sweeper"]["params"]
    grid = itertools.product(
        *([f"{k}={v}" for v in str(values).split(",")] for k, values in lists.items())
    )
    size = replicas_override(replicas)
    configs = []
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        for point in grid:
            cfg = compose("config", overrides=["experiment=withdrawal_timing", *size, *point])
            configs.append(validate(OmegaConf.to_container(cfg, resolve=True)))
    assert len(configs) == FLAGSHIP_POINTS, len(configs)
    return configs


def replicas_override(replicas: int) -> list[str]:
    """The override that sets ``replicas`` per point: none for the experiment's own number, so
    that the sweep is exactly the documented command (a ``replicas=`` override would name
    every job folder and add a table column)."""
    return [] if replicas == FLAGSHIP_REPLICAS else [f"replicas={replicas}"]


def _run_point(config) -> int:
    model = EscalationModel(config, record_events=False).run()
    return len(summarize(model))


def model_only(configs: list) -> tuple[float, float]:
    """Wall time and CPU time (s; this process and its joblib workers) of the flagship's points
    run directly: each point's model run and summarised, joblib on all cores, no files, no
    Hydra (what the sweep machinery costs is the end-to-end time over this)."""
    from joblib import Parallel, delayed

    cpu0 = tree_cpu()
    t0 = time.perf_counter()
    rows = Parallel(n_jobs=-1)(delayed(_run_point)(c) for c in configs)
    seconds = time.perf_counter() - t0
    assert sum(rows) == sum(c.replicas for c in configs)
    return seconds, tree_cpu() - cpu0


def tree_cpu() -> float:
    """CPU seconds (user and system) used so far by this process, its live children (the
    joblib workers, which the model-only runs reuse) and the children it has reaped (a
    worker loky replaced meanwhile)."""
    me = psutil.Process()
    mine = me.cpu_times()
    total = mine.user + mine.system + mine.children_user + mine.children_system
    for p in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            times = p.cpu_times()
            total += times.user + times.system
    return total


class MesaStyle(EscalationModel):
    """The model driven as Mesa's ``batch_run`` drives a model: one replica per model, stepped
    day by day, a DataCollector collecting every step."""

    def __init__(self, seed: int, days: int = 1826) -> None:
        import mesa

        super().__init__({"seed": seed, "replicas": 1, "horizon_days": days}, record_events=False)
        self.datacollector = mesa.DataCollector(
            model_reporters={"attacks": lambda m: int(m.series.data["cum_attacks"][m.day - 1][0])}
        )

    def step(self) -> None:
        super().step()
        self.datacollector.collect(self)


def mesa_batch_run(runs: int = 10) -> float:
    """Seconds per replica-run of Mesa's ``batch_run`` on the flagship's horizon."""
    import mesa

    mesa.batch_run(MesaStyle, {"seed": [0]}, max_steps=1826, display_progress=False)  # warm
    t0 = time.perf_counter()
    mesa.batch_run(MesaStyle, {"seed": list(range(runs))}, max_steps=1826, display_progress=False)
    return (time.perf_counter() - t0) / runs


def flagship(keep: Path | None, replicas: int = FLAGSHIP_REPLICAS) -> None:
    """The flagship sweep end to end against its points run directly (``replicas`` per point:
    the experiment's 200, or more to see how the fixed costs weigh on a larger sweep)."""
    configs = flagship_configs(replicas)
    model_only(configs[:4])  # warm-up: the workers load the compiled kernels
    direct = [model_only(configs)]
    out = keep or Path(tempfile.mkdtemp(prefix="flagship-"))
    shutil.rmtree(out, ignore_errors=True)
    cmd = [
        sys.executable,
        "-m",
        "sim",
        "-m",
        "experiment=withdrawal_timing",
        f"hydra.sweep.dir={out}",
        *replicas_override(replicas),
    ]
    started = time.time()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    with PeakMemory(proc.pid) as memory:
        assert proc.stderr is not None
        err = proc.stderr.read()
        # The sweep's whole process tree, from the sweep's own rusage: each process counts
        # once its parent has reaped it (the sweep's workers are, when it stops them at its
        # end), and nothing of this process's own children (the model-only workers) counts.
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    ended = time.time()
    sweep_cpu = usage.ru_utime + usage.ru_stime
    if proc.returncode != 0:
        sys.exit(f"flagship sweep failed:\n{err}")
    direct.append(model_only(configs))  # before and after: the machine's drift shows
    # The faster of the two: a run slowed by other work on this shared machine would lower the
    # ratio (a mean once gave 0.92x from a 37 s "before" against 7.8 s after); the faster one
    # gives the ratio no better than it is.
    model, model_cpu = min(direct)
    from joblib import effective_n_jobs

    cores = effective_n_jobs(-1)  # what joblib uses (affinity and cgroup limits respected)
    runs = FLAGSHIP_POINTS * replicas
    days = configs[0].horizon_days
    per_mesa = mesa_batch_run()
    print(
        f"flagship sweep: {FLAGSHIP_POINTS} scenario points x {replicas} replicas "
        f"x {days} days = {runs} replica-runs, joblib on {cores} cores"
    )
    print(f"end to end:         {wall:8.1f} s (command line, tables and figures included)")
    print(
        f"model only:         {model:8.1f} s (the same points run directly, joblib on all cores,"
        f" no files; the faster of {direct[0][0]:.1f} s before the sweep and "
        f"{direct[1][0]:.1f} s after)"
    )
    print(f"ratio (end to end / model only): {wall / model:.2f}x (target <= 1.5x)")
    print(
        f"CPU, whole process trees: the sweep {sweep_cpu:.1f} s, the model only {model_cpu:.1f} s"
        f" = {sweep_cpu / model_cpu:.2f}x (less noisy than wall time on a shared machine; on "
        f"{cores} cores, wall time cannot fall below the sweep's CPU / {cores} = "
        f"{sweep_cpu / cores:.1f} s)"
    )
    print(f"replica-runs/s:     {runs / wall:8.0f}")
    print(f"peak memory:        {memory.peak / 2**30:8.2f} GB, whole process tree (target < 2 GB)")
    print(
        f"Mesa's batch_run (one replica per model, stepped day by day, a DataCollector): "
        f"{1000 * per_mesa:.0f} ms per replica-run, {per_mesa * runs / 60:.0f} min for the "
        f"flagship ({per_mesa * runs / wall:.0f}x the sweep)"
    )
    print(phases(out, started, ended))
    print(
        f"the sweep's main process (Hydra's sweeper and launcher, the tables): "
        f"{memory.cpu:.1f} s of CPU, {memory.cpu / wall:.0%} of one core over the sweep"
    )
    floor = hydra_floor()
    print(
        f"Hydra alone (the same {FLAGSHIP_POINTS} jobs, same config and launcher, a task that "
        f"does nothing): "
        f"{floor:.1f} s = {floor / wall:.0%} of the sweep's wall time"
    )
    if keep is None:
        shutil.rmtree(out, ignore_errors=True)


def hydra_floor() -> float:
    """Wall time (s) of the flagship's jobs through Hydra with a task that does nothing
    (benchmarks/hydra_floor.py): what no change to the model can remove."""
    with tempfile.TemporaryDirectory(prefix="hydra-floor-") as out:
        cmd = [
            sys.executable,
            str(Path(__file__).with_name("hydra_floor.py")),
            "-m",
            "experiment=withdrawal_timing",
            f"hydra.sweep.dir={out}",
            "~hydra.callbacks.sweep_bookkeeping",  # no tables to gather, no warm-up
        ]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        jobs = len(list(Path(out).glob(f"{JOBS_DIR}/*/.hydra/config.yaml")))
    if proc.returncode != 0 or jobs != FLAGSHIP_POINTS:
        sys.exit(f"the Hydra-only sweep failed ({jobs} jobs ran):\n{proc.stderr}")
    return seconds


def phases(sweep: Path, started: float, ended: float) -> str:
    """Where the sweep's wall time went, from its bookkeeping files: start-up (imports,
    composing the sweep) until the sweep is recorded, then until the first scenario point is
    done (workers starting), the scenario points, and the end (tables and figures)."""
    state = json.loads((sweep / SWEEP_STATE).read_text())["started"]
    markers = [json.loads(p.read_text()) for p in sweep.glob(f"{JOBS_DIR}/*/{DONE}")]
    done = sorted(m["finished"] for m in markers)
    seconds = [m["seconds"] for m in markers]
    tables = (sweep / "sweep_timeseries.parquet").stat().st_mtime
    figures = max(p.stat().st_mtime for p in (sweep / "figures").glob("*.png"))
    return (
        f"where the time went: start-up {state - started:.1f} s, first point {done[0] - state:.1f}"
        f" s, points {done[-1] - done[0]:.1f} s (each running its model and writing its files "
        f"in {statistics.median(seconds):.2f} s, median; the rest is Hydra's per-job work), "
        f"then gathering the tables {tables - done[-1]:.1f} s, the rest of the figures, "
        f"drawn while the tables are written, {max(figures - tables, 0):.1f} s, and the "
        f"process's exit {ended - max(figures, tables):.1f} s"
    )


def positive_int(text: str) -> int:
    """An argument that must be a whole number of at least 1 (argparse reports it in one
    line otherwise)."""
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=positive_int, default=5, help="runs per size (median taken)"
    )
    parser.add_argument("--replicas", type=positive_int, default=200, help="the batched size")
    parser.add_argument(
        "--flagship",
        action="store_true",
        help="also run the withdrawal-timing sweep (60 points) end to end",
    )
    parser.add_argument("--keep", type=Path, help="keep the flagship sweep in this folder")
    parser.add_argument(
        "--flagship-replicas",
        type=positive_int,
        default=FLAGSHIP_REPLICAS,
        help="replicas per flagship point (the experiment's 200 by default)",
    )
    parser.add_argument(
        "--baseline", help="a git revision to compare this code with, through the command line"
    )
    args = parser.parse_args()
    if args.baseline:
        versus(args.baseline, args.repeats, args.flagship)
    if args.flagship:
        flagship(args.keep, args.flagship_replicas)
    batching(args.repeats, args.replicas)
    event_log_cost(args.repeats)


if __name__ == "__main__":
    main()
