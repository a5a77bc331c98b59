"""Scenario discovery finds what is planted in real cases, end to end, reproducibly."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim.analysis.discovery import NEVER_CODE, Target, discover, high_cases, inputs
from sim.analysis.lever_design import Design, run_design
from sim.analysis.metrics import DRAWN_PREFIX, summarize
from sim.core.params import ConfigError
from sim.model.escalation import EscalationModel

from .conftest import ROOT


def _load_command():
    """experiments/discover.py as a module (experiments/ is no package), to call its main()
    in this process: the EMA Workbench and the model are imported once for all the tests."""
    spec = importlib.util.spec_from_file_location("discover", ROOT / "experiments" / "discover.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


command = _load_command()

TINY = Design(points=12, replicas=8, days=90, seed=4)


@pytest.fixture(scope="module")
def cases() -> pd.DataFrame:
    """Real runs: 12 design points (each US policy twice) x 8 replicas x 90 days."""
    return run_design(TINY, n_jobs=1)


def test_the_summary_records_each_replicas_draws():
    model = EscalationModel({"replicas": 5, "horizon_days": 5, "seed": 2}).run()
    summary = summarize(model)
    drawn = [c for c in summary.columns if c.startswith(DRAWN_PREFIX)]
    assert drawn == [DRAWN_PREFIX + key for key in model.draws]
    assert drawn, "the default scenario draws its calibrated parameters"
    for key, values in model.draws.items():
        np.testing.assert_array_equal(summary[DRAWN_PREFIX + key], values)
    point = EscalationModel({"replicas": 2, "horizon_days": 5, "parameters": "point"}).run()
    assert not any(c.startswith(DRAWN_PREFIX) for c in summarize(point).columns)


def test_inputs_are_the_levers_and_the_draws(cases):
    x = inputs(cases)
    assert list(x.columns[:3]) == ["us.policy", "withdrawal.start_month", "militia.policy.posture"]
    assert all(c.startswith(DRAWN_PREFIX) for c in x.columns[3:])
    assert "drawn.militia.policy.base_rate" in x  # posture multiplies each replica's own draw
    never = cases["withdrawal.start_month"].isna().to_numpy()
    assert never.any() and (x["withdrawal.start_month"][never] == NEVER_CODE).all()
    assert sorted(x["us.policy"].unique()) == sorted(TINY.us_policies)
    # a drawn parameter some cases lack, and an input that never varies, are left out
    partial = cases.assign(**{"drawn.extra": np.where(never, np.nan, 1.0)})
    assert "drawn.extra" not in inputs(partial)


def test_a_planted_policy_effect_is_found(cases):
    """High escalation planted exactly where the US escalates: the box must say so."""
    x = inputs(cases)
    y = (cases["us.policy"] == "escalate").to_numpy().astype(int)
    result = discover(x, y, "planted", min_coverage=0.9)
    policy = [r for r in result.restrictions if r.feature == "us.policy"]
    assert len(policy) == 1 and policy[0].categories == ("escalate",)
    assert result.density == 1.0 and result.coverage >= 0.9
    assert result.scores.index[0] == "us.policy"
    assert "US policy in {escalate}" in result.words()


def test_restrictions_chance_explains_are_dropped(cases):
    """Planted: 80% of the escalate cases are high, the rest at random. Peeling then also cuts
    a few low cases off along drawn parameters (noise); those cuts are not significant and
    go, the policy stays."""
    x = inputs(cases)
    noise = np.random.default_rng(0).random(len(cases)) < 0.8
    y = ((cases["us.policy"] == "escalate").to_numpy() & noise).astype(int)
    kept = discover(x, y, "planted", max_qp=1)
    assert {r.feature for r in kept.restrictions} > {"us.policy"} and not kept.dropped
    result = discover(x, y, "planted")
    assert [r.feature for r in result.restrictions] == ["us.policy"]
    assert set(result.dropped) == {r.feature for r in kept.restrictions} - {"us.policy"}
    assert result.peeled == kept.chosen and result.chosen == len(result.trajectory) - 1
    assert result.coverage == 1.0 and result.density == pytest.approx(y.sum() / 16)


def test_a_planted_threshold_is_bounded(cases):
    """High escalation planted above a militia posture of 1: the box's lower limit is near 1
    and the restriction reads as plain words."""
    x = inputs(cases)
    y = (x["militia.policy.posture"] >= 1).to_numpy().astype(int)
    result = discover(x, y, "planted", min_coverage=0.9)
    posture = {r.feature: r for r in result.restrictions}["militia.policy.posture"]
    assert posture.upper is None and 0.9 < posture.lower <= 1
    assert result.density == 1.0
    assert f"militia posture >= {posture.lower:.3g}" in result.words()


def test_high_cases_follow_the_target(cases):
    cut = float(cases["total_attacks"].median())
    y, rule = high_cases(cases, Target("total_attacks", threshold=cut))
    np.testing.assert_array_equal(y, (cases["total_attacks"] >= cut).astype(int))
    assert rule == f"total_attacks >= {cut:.3g}"
    y, _ = high_cases(cases, Target("total_attacks", quantile=0.75))
    assert 0.2 <= y.mean() <= 0.3
    y, rule = high_cases(cases, Target("first_day_casualty_attack"))
    np.testing.assert_array_equal(y, cases["first_day_casualty_attack"].notna().astype(int))
    assert rule == "casualty_attack reached"
    y, rule = high_cases(cases, Target("spillover_day"))
    np.testing.assert_array_equal(y, cases["spillover_day"].notna().astype(int))
    assert rule == "spillover reached"
    with pytest.raises(ConfigError, match="outcome: unknown outcome 'nope'; choose from: peak"):
        high_cases(cases, Target("nope"))
    with pytest.raises(ConfigError, match="threshold: no case is high"):
        high_cases(cases, Target("peak_escalation", threshold=11))
    with pytest.raises(ConfigError, match="quantile: must be between 0 and 1"):
        Target(quantile=1.0)
    with pytest.raises(ConfigError, match="min_coverage"):
        discover(inputs(cases), np.ones(len(cases)), min_coverage=0)


ARGS = ["--points", "6", "--replicas", "5", "--days", "60", "--jobs", "1", "--seed", "1"]
FILES = ("discovery_box.csv", "feature_scores.csv", "peeling_trajectory.csv")


def test_the_command_end_to_end_and_again_the_same(tmp_path, capsys):
    first, second = tmp_path / "a", tmp_path / "b"
    assert command.main([*ARGS, "--out", str(first)]) == 0
    printed = capsys.readouterr().out
    assert "coverage" in printed and "density" in printed and "Feature scores" in printed
    assert (first / "discovery.png").stat().st_size > 10_000
    box = pd.read_csv(first / "discovery_box.csv")
    assert {"feature", "words", "coverage", "density", "mass"} <= set(box.columns)
    assert len(pd.read_parquet(first / "sweep_summary.parquet")) == 6 * 5
    # same arguments, same output
    assert command.main([*ARGS, "--out", str(second)]) == 0
    for name in (*FILES, "sweep_summary.parquet"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    # the saved cases read back as a sweep folder, with another target
    assert command.main([str(first), "--outcome", "total_attacks", "--quantile", "0.5"]) == 0
    assert "total_attacks >= " in capsys.readouterr().out
    assert all((first / "discovery" / name).exists() for name in FILES)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}/missing"], "SWEEP_DIR: {tmp}/missing is not a folder"),
        (["{tmp}"], "SWEEP_DIR: {tmp} has no sweep_summary.parquet"),
        (["--outcome", "nope"], "outcome: unknown outcome 'nope'; choose from: peak_escalation"),
        (["--quantile", "2"], "quantile: must be between 0 and 1, not 2.0"),
        (["--max-qp", "-1"], "max_qp: must be in [0, 1], not -1.0"),
    ],
)
def test_bad_input_is_one_line(tmp_path, capsys, args, message):
    argv = [a.format(tmp=tmp_path) for a in args]
    assert command.main([*argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"discover: error: {message.format(tmp=tmp_path)}")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_corrupt_sweep_table_is_one_line(tmp_path, capsys):
    (tmp_path / "sweep_summary.parquet").write_text("junk")
    assert command.main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"discover: error: SWEEP_DIR: {tmp_path}/sweep_summary.parquet cannot")
    assert len(err.strip().splitlines()) == 1


def test_the_script_runs_as_a_command(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "experiments" / "discover.py"), str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"discover: error: SWEEP_DIR: {tmp_path / 'none'} is not a folder"
