"""The joblib_cached launcher gives every job exactly the config Hydra's joblib launcher does."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from hydra_plugins.escalation_sim.joblib_cached import chunk_sizes
from sim.sweeps.bookkeeping import DONE
from sim.sweeps.compose import split_overrides

from .conftest import run_cli

pytestmark = pytest.mark.slow

TINY = ["replicas=2", "horizon_days=20", "hydra.launcher.n_jobs=2"]


def _files(sweep: Path) -> dict[str, str]:
    """Every job's Hydra and scenario files, the sweep folder and the launcher's name masked."""
    out = {}
    for path in sorted(sweep.glob("jobs/*/.hydra/*.yaml")) + sorted(
        sweep.glob("jobs/*/scenario.yaml")
    ):
        text = path.read_text().replace(str(sweep), "SWEEP")
        text = re.sub(r"hydra_plugins\.\S*JoblibLauncher", "LAUNCHER", text)
        text = re.sub(r"(hydra/launcher[=:] ?)joblib(_cached)?", r"\1LAUNCHER", text)
        out[str(path.relative_to(sweep))] = text
    return out


def test_every_job_gets_hydras_own_config(tmp_path):
    """Every job of a named experiment that sweeps group choices (US policies) and values
    (perception noise) together, through both launchers: the same job folders, the same
    composed, Hydra and scenario files, and the same tables."""
    sweeps = {}
    for launcher in ("joblib", "joblib_cached"):
        sweep = tmp_path / launcher
        proc = run_cli(
            "-m",
            "experiment=policy_noise",
            f"hydra/launcher={launcher}",
            *TINY,
            f"hydra.sweep.dir={sweep}",
            cwd=tmp_path,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr
        sweeps[launcher] = sweep
    plain, cached = (_files(s) for s in sweeps.values())
    assert len(plain) == 25 * 4  # config, hydra, overrides and scenario of 25 jobs
    assert plain.keys() == cached.keys()
    assert [k for k in plain if plain[k] != cached[k]] == []
    pd.testing.assert_frame_equal(
        pd.read_parquet(sweeps["joblib"] / "sweep_summary.parquet"),
        pd.read_parquet(sweeps["joblib_cached"] / "sweep_summary.parquet"),
    )


def test_only_plain_changes_share_a_composition():
    def is_group(key: str) -> bool:
        return key in ("us/policy", "militia/policy")

    groups, values = split_overrides(
        ["us/policy=red_line", "withdrawal.start_month=6", "seed=3"], is_group
    )
    assert [o.input_line for o in groups] == ["us/policy=red_line"]
    assert [o.input_line for o in values] == ["withdrawal.start_month=6", "seed=3"]
    for other in ("+extra=1", "~seed", "++seed=2", "hydra.job.name=x", "us/policy@us=red_line"):
        assert split_overrides(["seed=3", other], is_group) is None, other


def test_chunks_shrink_and_cover_every_job_once():
    """Guided chunks: a share of the jobs still to send each, never empty, one job each at the
    end (so that the workers finish together), and every job in exactly one chunk."""
    for jobs, workers in [(60, 2), (25, 2), (96, 8), (5, 2), (1, 4), (3, 1)]:
        sizes = chunk_sizes(jobs, workers)
        assert sum(sizes) == jobs and min(sizes) >= 1
        assert sizes == sorted(sizes, reverse=True)
        assert sizes[-1] == 1
    assert chunk_sizes(60, 2) == [15, 12, 9, 6, 5, 4, 3, 2, 1, 1, 1, 1]
    assert chunk_sizes(0, 2) == []


def _cached_sweep(tmp_path: Path, name: str, *overrides: str):
    sweep = tmp_path / name
    proc = run_cli(
        "-m",
        "hydra/launcher=joblib_cached",
        *TINY,
        *overrides,
        f"hydra.sweep.dir={sweep}",
        cwd=tmp_path,
        timeout=600,
    )
    return sweep, proc


def test_a_failing_point_in_a_chunk_fails_alone(tmp_path):
    """The bad point is the first of the first chunk: the chunk's other points still run, and
    the sweep reports the one failure and publishes partial tables of the others."""
    noises = ["1.5", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"]
    assert chunk_sizes(len(noises), 2)[0] >= 2  # the bad point shares its chunk
    sweep, proc = _cached_sweep(tmp_path, "s", f"perception.noise={','.join(noises)}")
    assert proc.returncode == 1
    assert "perception.noise=1.5" in proc.stderr and "must be in [0.0, 1.0]" in proc.stderr
    assert "PARTIAL result: 7 of 8" in proc.stderr
    summary = pd.read_parquet(sweep / "sweep_summary.PARTIAL.parquet")
    assert sorted(summary["perception.noise"].unique()) == [float(n) for n in noises[1:]]


def test_resume_skips_the_finished_points_of_a_chunk(tmp_path):
    """A re-run recomputes only the point whose results were removed: the others, in the same
    chunks, are skipped (their completion records untouched), and the tables are the same."""
    seeds = "seed=1,2,3,4,5,6"
    sweep, proc = _cached_sweep(tmp_path, "s", seeds)
    assert proc.returncode == 0, proc.stderr
    before = pd.read_parquet(sweep / "sweep_summary.parquet")
    jobs = sorted((sweep / "jobs").iterdir())
    assert len(jobs) == 6
    (jobs[1] / DONE).unlink()
    records = {job.name: (job / DONE).read_bytes() for job in jobs if job != jobs[1]}
    sweep, proc = _cached_sweep(tmp_path, "s", seeds)
    assert proc.returncode == 0, proc.stderr
    assert "sweep: 6/6 scenario points done (5 already complete, skipped)" in proc.stderr
    assert (jobs[1] / DONE).exists()
    for name, record in records.items():  # confirmed by this sweep, never recomputed
        old, new = json.loads(record), json.loads((sweep / "jobs" / name / DONE).read_text())
        assert new["finished"] == old["finished"] and new["files"] == old["files"]
    pd.testing.assert_frame_equal(before, pd.read_parquet(sweep / "sweep_summary.parquet"))
