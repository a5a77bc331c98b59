"""Sweeps end to end through the real CLI: tables, resume, failures, collect, launchers, CRN."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis.metrics import MAIN_SERIES
from sim.sweeps.bookkeeping import DONE

from .conftest import run_cli

pytestmark = pytest.mark.slow

SMALL = ["replicas=5", "horizon_days=60"]


def _sweep(tmp_path: Path, name: str, *overrides: str, timeout: float = 300):
    sweep = tmp_path / name
    proc = run_cli(
        "-m", *overrides, *SMALL, f"hydra.sweep.dir={sweep}", cwd=tmp_path, timeout=timeout
    )
    return sweep, proc


def test_sweep_builds_one_tidy_table_and_figures(tmp_path):
    sweep, proc = _sweep(
        tmp_path, "s", "withdrawal.start_month=null,0,6", "us/policy=tit_for_tat,restraint"
    )
    assert proc.returncode == 0, proc.stderr
    summary = pd.read_parquet(sweep / "sweep_summary.parquet")
    assert len(summary) == 3 * 2 * 5
    for col in (
        "withdrawal.start_month",
        "us.policy",
        "seed",
        "replica",
        "point",
        "peak_escalation",
        "days_in_crisis",
        "first_day_targeted_killing",
    ):
        assert col in summary.columns, col
    assert set(summary["us.policy"]) == {"tit_for_tat", "restraint"}
    assert summary["withdrawal.start_month"].isna().sum() == 2 * 5  # 'null' = never
    csv = pd.read_csv(sweep / "sweep_summary.csv")
    assert len(csv) == len(summary) and list(csv.columns) == list(summary.columns)
    ts = pd.read_parquet(sweep / "sweep_timeseries.parquet")
    assert len(ts) == 6 * 60 * len(MAIN_SERIES)
    assert {"point", "day", "date", "series", "q05", "q50", "q95", "mean"} <= set(ts.columns)
    for fig in (
        "trajectories.png",
        "heatmap_p_targeted_killing.png",
        "heatmap_peak_escalation.png",
        "outcome_vs_withdrawal.png",
    ):
        assert (sweep / "figures" / fig).stat().st_size > 20_000, fig
    # job folders are named by their parameters, not by job index
    names = sorted(p.name for p in (sweep / "jobs").iterdir())
    assert "horizon_days=60,replicas=5,us.policy=restraint,withdrawal.start_month=6" in names
    # one summary line instead of a log line per job (no terminal here: no bar)
    log = proc.stderr + proc.stdout
    assert "sweep: 6/6 scenario points done, 0 failed" in log
    assert "[HYDRA]" not in log and "done in" not in log and "#5 :" not in log


def test_interrupted_sweep_resumes_to_the_same_table(tmp_path):
    overrides = ["seed=1,2,3,4,5,6,7,8", "replicas=40", "horizon_days=400"]
    reference = tmp_path / "reference"
    proc = run_cli("-m", *overrides, f"hydra.sweep.dir={reference}", cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr

    sweep = tmp_path / "interrupted"
    cmd = [sys.executable, "-m", "sim", "-m", *overrides, f"hydra.sweep.dir={sweep}"]
    first = subprocess.Popen(
        cmd,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 120
    while len(list(sweep.glob(f"jobs/*/{DONE}"))) < 2 and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    finished_before = len(list(sweep.glob(f"jobs/*/{DONE}")))
    assert 2 <= finished_before < 8, "the sweep should have been cut part way"
    assert not (sweep / "sweep_summary.parquet").exists()

    resumed = run_cli(*cmd[3:], cwd=tmp_path, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    log = resumed.stdout + resumed.stderr
    assert f"sweep: 8/8 scenario points done ({finished_before} already complete, skipped)" in log
    a = pd.read_parquet(reference / "sweep_summary.parquet")
    b = pd.read_parquet(sweep / "sweep_summary.parquet")
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(
        pd.read_parquet(reference / "sweep_timeseries.parquet"),
        pd.read_parquet(sweep / "sweep_timeseries.parquet"),
    )


def test_failing_job_is_named_and_the_others_are_kept(tmp_path):
    sweep, proc = _sweep(tmp_path, "s", "perception.noise=0.1,1.5,0.2")
    assert proc.returncode == 1
    assert "perception.noise=1.5" in proc.stderr and "FAILED" in proc.stderr
    assert "must be in [0.0, 1.0]" in proc.stderr
    assert "PARTIAL result: 2 of 3" in proc.stderr
    assert not (sweep / "sweep_summary.parquet").exists()  # nothing that looks complete
    summary = pd.read_parquet(sweep / "sweep_summary.PARTIAL.parquet")
    assert sorted(summary["perception.noise"].unique()) == [0.1, 0.2]
    collect = subprocess.run(
        [sys.executable, "-m", "sim.sweeps.collect", str(sweep), "--no-figures"],
        capture_output=True,
        text=True,
    )
    assert collect.returncode == 1
    assert "perception.noise=1.5" in collect.stderr


def test_a_failure_to_gather_the_tables_fails_the_command(tmp_path):
    """Hydra reduces an end-of-sweep callback's error to a warning; the CLI must not."""
    sweep = tmp_path / "s"
    sweep.mkdir()
    (sweep / "figures").write_text("a file where the figures folder should go")
    sweep, proc = _sweep(tmp_path, "s", "seed=1,2")
    assert proc.returncode == 1
    assert "gathering their tables failed" in proc.stderr and "sim.sweeps.collect" in proc.stderr
    assert len(pd.read_parquet(sweep / "sweep_summary.parquet")) == 2 * 5  # tables kept


def test_collect_command_rebuilds_the_tables(tmp_path):
    sweep, proc = _sweep(tmp_path, "s", "seed=1,2")
    assert proc.returncode == 0, proc.stderr
    before = pd.read_parquet(sweep / "sweep_summary.parquet")
    (sweep / "sweep_summary.parquet").unlink()
    (sweep / "sweep_summary.csv").unlink()
    collect = subprocess.run(
        [sys.executable, "-m", "sim.sweeps.collect", str(sweep)], capture_output=True, text=True
    )
    assert collect.returncode == 0, collect.stderr
    assert "Collected 2 scenario point(s)" in collect.stdout
    pd.testing.assert_frame_equal(before, pd.read_parquet(sweep / "sweep_summary.parquet"))
    # the jobs' own rows, typed as pandas reads them (no withdrawal: those columns all empty)
    jobs = sorted((sweep / "jobs").iterdir())
    direct = pd.concat(
        [pd.read_csv(job / "summary.csv", engine="pyarrow") for job in jobs], ignore_index=True
    )
    assert direct["withdrawal_start_day"].isna().all()
    pd.testing.assert_frame_equal(before[direct.columns], direct)
    bad = subprocess.run(
        [sys.executable, "-m", "sim.sweeps.collect", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


@pytest.mark.parametrize("launcher", ["joblib", "submitit_local"])
def test_launchers_run_the_same_sweep(tmp_path, launcher):
    sweep, proc = _sweep(tmp_path, launcher, f"hydra/launcher={launcher}", "seed=1,2,3")
    assert proc.returncode == 0, proc.stderr
    summary = pd.read_parquet(sweep / "sweep_summary.parquet")
    basic, proc = _sweep(tmp_path, "basic", "seed=1,2,3")
    assert proc.returncode == 0, proc.stderr
    pd.testing.assert_frame_equal(summary, pd.read_parquet(basic / "sweep_summary.parquet"))


def test_common_random_numbers(tmp_path):
    """Two points whose levers cannot matter (the withdrawal step length, with no
    withdrawal) give identical replicas under CRN, and different ones without it."""
    sweep, proc = _sweep(tmp_path, "crn", "withdrawal.step_days=30,31")
    assert proc.returncode == 0, proc.stderr
    s = pd.read_parquet(sweep / "sweep_summary.parquet")
    a, b = (
        g.drop(columns=["withdrawal.step_days", "point"]).reset_index(drop=True)
        for _, g in s.groupby("withdrawal.step_days")
    )
    pd.testing.assert_frame_equal(a, b)

    sweep, proc = _sweep(
        tmp_path, "nocrn", "withdrawal.step_days=30,31", "common_random_numbers=false"
    )
    assert proc.returncode == 0, proc.stderr
    s = pd.read_parquet(sweep / "sweep_summary.parquet")
    a, b = (
        g.drop(columns=["withdrawal.step_days", "point"]).reset_index(drop=True)
        for _, g in s.groupby("withdrawal.step_days")
    )
    assert not a.equals(b)


def test_named_experiments_compose(tmp_path):
    for name, points in (
        ("withdrawal_timing", 60),
        ("policy_noise", 25),
        ("endogenous_withdrawal", 25),
    ):
        cfg = run_cli(f"experiment={name}", "--cfg", "hydra", cwd=tmp_path)
        assert cfg.returncode == 0, cfg.stderr
        assert "sweeper" in cfg.stdout and f"multirun/{name}" in cfg.stdout
        from omegaconf import OmegaConf

        from sim.sweeps.callbacks import job_overrides

        hydra_cfg = OmegaConf.create(cfg.stdout)
        assert len(job_overrides(hydra_cfg)) == points, name


def _slurm_up() -> bool:
    """A Slurm controller answers and runs a trivial job within a minute."""
    try:
        out = subprocess.run(
            ["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=10
        )
        if out.returncode != 0 or not any(s in out.stdout for s in ("idle", "mix", "alloc")):
            return False
        probe = subprocess.run(
            ["sbatch", "--wait", "--time=1", "-o", "/dev/null", "--wrap", "true"],
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


@pytest.mark.skipif(
    not _slurm_up(),
    reason="no Slurm cluster here (.ci/start_slurm.sh starts "
    "a one-node cluster where root and apt are available)",
)
def test_slurm_launcher_on_a_real_cluster(tmp_path):
    sweep, proc = _sweep(
        tmp_path,
        "slurm",
        "hydra/launcher=slurm",
        "hydra.launcher.partition=debug",
        "hydra.launcher.timeout_min=5",
        "seed=1,2,3",
    )
    assert proc.returncode == 0, proc.stderr
    assert list(sweep.glob(".submitit/*")), "submitit should have submitted Slurm jobs"
    basic, proc = _sweep(tmp_path, "basic", "seed=1,2,3")
    assert proc.returncode == 0, proc.stderr
    pd.testing.assert_frame_equal(
        pd.read_parquet(sweep / "sweep_summary.parquet"),
        pd.read_parquet(basic / "sweep_summary.parquet"),
    )


@pytest.mark.slow
def test_warm_up_readies_the_workers_the_launcher_then_uses():
    """The workers started at the sweep's start have the model loaded, and a Parallel with
    the launcher's arguments runs on those same workers (else the warm-up is wasted)."""
    from joblib import Parallel, delayed

    from sim.sweeps.callbacks import warm_up

    from . import probe

    workers = {"n_jobs": 2, "backend": "loky", "prefer": "processes", "pre_dispatch": "2*n_jobs"}
    thread = warm_up(workers, jobs=96)
    assert thread is not None
    thread.join(timeout=120)
    assert not thread.is_alive()
    seen = Parallel(**workers)(delayed(probe.loaded)("sim.model.escalation") for _ in range(8))
    assert all(loaded for _, loaded in seen), seen
    assert warm_up({**workers, "n_jobs": 1}) is None  # jobs run here: no workers to warm
    assert warm_up(workers, jobs=1) is None  # one job: one worker, nothing to overlap


def test_heatmap_numbers_are_dark_on_pale_cells_and_light_on_dark_ones():
    from matplotlib import colormaps

    from sim.sweeps.report import level_label, text_color

    cmap = colormaps["magma_r"]
    assert text_color(cmap(0.0)) == "black"  # the palest cell
    assert text_color(cmap(1.0)) == "white"  # the darkest
    assert level_label(float("nan")) == "never" and level_label(12.0) == "12"


def test_the_launchers_workers_are_stopped_when_the_sweep_ends():
    """At the sweep's end its idle joblib workers are killed at once, not left to finalise
    their interpreters at this process's exit (~0.9 s of the flagship)."""
    psutil = pytest.importorskip("psutil")
    from joblib import Parallel, delayed

    from sim.sweeps.callbacks import stop_workers

    pids = Parallel(n_jobs=2, backend="loky")(delayed(os.getpid)() for _ in range(4))
    workers = [psutil.Process(pid) for pid in set(pids) if pid != os.getpid()]
    assert workers and all(w.is_running() for w in workers)
    stop_workers()
    assert not any(w.is_running() for w in workers)
