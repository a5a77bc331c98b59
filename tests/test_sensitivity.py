"""Morris screening runs end to end at a small size and ranks parameters for each outcome."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pandas as pd
import pytest

from sim.analysis.metrics import OUTCOMES
from sim.analysis.sensitivity import Uncertain, morris, write_results
from sim.config.validation import ConfigError

from .conftest import ROOT

PARAMS = (
    Uncertain("militia.policy.base_rate", 0.5, 3.0),
    Uncertain("iran.restraint", 0.0, 0.9),
    Uncertain("militia.truce_days", 10, 120, integer=True),
)


def test_morris_ranks_parameters(tmp_path):
    base = {"replicas": 6, "horizon_days": 90, "seed": 3}
    samples, indices = morris(base, PARAMS, trajectories=3, n_jobs=1)
    assert len(samples) == 3 * (len(PARAMS) + 1)
    assert set(OUTCOMES) <= set(samples.columns)
    assert (samples["militia.truce_days"] % 1 == 0).all()
    assert len(indices) == len(PARAMS) * len(OUTCOMES)
    for _, group in indices.groupby("outcome"):
        assert sorted(group["rank"]) == sorted(
            group["mu_star"].rank(ascending=False, method="min").astype(int)
        )
        assert (group["mu_star"] >= 0).all()
    # the attack rate must matter for the number of attacks: a check that can fail
    attacks = indices[indices.outcome == "total_attacks"].set_index("parameter")
    assert attacks.loc["militia.policy.base_rate", "mu_star"] > 0
    paths = write_results(samples, indices, tmp_path)
    assert all(p.exists() for p in paths)
    assert pd.read_csv(tmp_path / "morris_indices.csv").shape == indices.shape


def test_bad_base_scenario_fails_before_running():
    with pytest.raises(ConfigError, match=r"perception\.noise"):
        morris({"perception": {"noise": 2}}, PARAMS, trajectories=2, n_jobs=1)


def test_config_errors_cross_process_boundaries():
    err = pickle.loads(pickle.dumps(ConfigError("seed", "must be an integer")))
    assert str(err) == "seed: must be an integer" and err.key == "seed"


@pytest.mark.slow
def test_sensitivity_script(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "experiments" / "sensitivity.py"),
            str(tmp_path),
            "--trajectories",
            "2",
            "--replicas",
            "4",
            "--days",
            "60",
            "--sobol",
            "2",
            "--sobol-n",
            "8",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "morris.png").stat().st_size > 10_000
    assert "peak_escalation:" in proc.stdout
    assert (tmp_path / "sobol_indices.csv").exists()


def test_sobol_indices_at_a_small_size():
    from sim.analysis.sensitivity import sobol, top_parameters

    base = {"replicas": 4, "horizon_days": 60, "seed": 1}
    _, screening = morris(base, PARAMS, trajectories=2, n_jobs=1)
    shortlist = top_parameters(screening, 2, params=PARAMS)
    assert len(shortlist) == 2
    samples, indices = sobol(base, shortlist, n=8, n_jobs=1)
    assert len(samples) == 8 * (len(shortlist) + 2)
    assert len(indices) == len(shortlist) * len(OUTCOMES)
    assert {"S1", "S1_conf", "ST", "ST_conf", "rank"} <= set(indices.columns)


def test_the_screening_set_names_each_parameter_once_and_spans_the_posterior():
    from sim.analysis.sensitivity import UNCERTAIN
    from sim.core.posterior import UNCERTAIN as CALIBRATED
    from sim.core.posterior import posterior_interval

    keys = [u.key for u in UNCERTAIN]
    assert len(keys) == len(set(keys))
    spans = {u.key: (u.low, u.high) for u in UNCERTAIN}
    for key in CALIBRATED:
        assert spans[key] == posterior_interval(key)
