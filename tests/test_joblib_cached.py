"""The joblib_cached launcher gives every job exactly the config Hydra's joblib launcher does."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

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
