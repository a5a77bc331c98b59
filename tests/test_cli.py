"""End to end through the real command line, as users run it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.model.outputs import SERIES
from sim.policies import policies_for

from .conftest import run_cli

pytestmark = pytest.mark.slow

EVENT_COLUMNS = [
    "replica",
    "day",
    "date",
    "actor",
    "actor_name",
    "target",
    "target_name",
    "action",
    "rung",
    "severity",
    "perceived_as",
    "perceived_level",
    "attributed_to",
    "killed",
    "wounded",
]


def test_default_run_writes_every_output(tmp_path):
    out = tmp_path / "run"
    proc = run_cli(
        "seed=7", "replicas=30", "horizon_days=365", f"hydra.run.dir={out}", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert str(out) in proc.stdout and "trajectory.png" in proc.stdout

    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == 30 * 365
    assert list(ts.columns[:3]) == ["replica", "day", "date"]
    assert set(SERIES) <= set(ts.columns)
    assert ts.date.min() == pd.Timestamp("2023-10-17")
    assert ts.date.max() == pd.Timestamp("2023-10-17") + pd.Timedelta(days=364)
    assert ts.cum_attacks.max() > 0 and ts.escalation_index.max() > 0

    events = pd.read_csv(out / "events.csv")
    assert list(events.columns) == EVENT_COLUMNS
    assert set(events.actor) <= {"us", "militia", "iraq"}
    assert {"harassment_attack", "threaten"} <= set(events.action)
    attacks = events[events.rung >= 4].query("actor == 'militia'")
    per_replica = attacks.groupby("replica").size()
    final = ts[ts.day == 364].set_index("replica").cum_attacks
    pd.testing.assert_series_equal(per_replica, final.loc[per_replica.index], check_names=False)

    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 30 and summary.replica.tolist() == list(range(30))
    for col in (
        "peak_escalation",
        "peak_day",
        "peak_date",
        "total_attacks",
        "total_strikes",
        "us_killed",
        "militia_killed",
        "days_in_crisis",
        "withdrawal_complete_day",
        "first_day_targeted_killing",
        "first_day_mass_casualty_attack",
        "first_day_strike_campaign",
        "first_day_casualty_attack",
    ):
        assert col in summary.columns, col
    assert (summary.seed == 7).all()

    png = (out / "trajectory.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000

    composed = yaml.safe_load((out / ".hydra" / "config.yaml").read_text())
    assert composed["seed"] == 7 and composed["us"]["policy"]["name"] == "proportional"
    resolved = yaml.safe_load((out / "scenario.yaml").read_text())
    assert resolved["replicas"] == 30 and resolved["militia"]["policy"]["name"] == "hazard"


def test_levers_take_effect(tmp_path):
    out = tmp_path / "run"
    proc = run_cli(
        "replicas=5",
        "horizon_days=400",
        "withdrawal.start_month=6",
        "withdrawal.duration_months=3",
        "withdrawal.residual_troops=500",
        "us/policy=generous_tit_for_tat",
        "us.policy.generosity=0.2",
        "perception.noise=0.2",
        "us.reaction_lag_days=3",
        "iran.restraint=0.5",
        "regional_war.initial=0.8",
        "shocks=[{day:100,actor:militia,action:mass_casualty_attack,killed:3}]",
        f"hydra.run.dir={out}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert (ts[ts.day == 399].us_troops == 500).all()
    assert (ts[ts.day < 183].us_troops == 2500).all()
    assert (ts[ts.day == 100].us_killed >= 3).all()
    summary = pd.read_csv(out / "summary.csv")
    assert (summary.withdrawal_start_day == 183).all()
    assert (summary.first_day_mass_casualty_attack <= 100).all()
    cfg = yaml.safe_load((out / "scenario.yaml").read_text())
    assert cfg["us"]["policy"] == {"name": "generous_tit_for_tat", "generosity": 0.2}


def test_every_policy_runs_from_the_command_line(tmp_path):
    sweep = tmp_path / "sweep"
    us = ",".join(policies_for("us"))
    militia = ",".join(policies_for("militia"))
    proc = run_cli(
        "-m",
        f"us/policy={us}",
        f"militia/policy={militia}",
        "replicas=2",
        "horizon_days=20",
        "output.plot=false",
        "output.events=false",
        "withdrawal.start_month=null",
        f"hydra.sweep.dir={sweep}",
        cwd=tmp_path,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    jobs = sorted(sweep.glob("jobs/*/summary.csv"))
    assert len(jobs) == len(policies_for("us")) * len(policies_for("militia"))


def test_help_lists_groups_and_cfg_job_shows_config(tmp_path):
    help_text = run_cli("--help", cwd=tmp_path).stdout
    for group in ("us/policy", "militia/policy", "iraq/policy"):
        assert group in help_text
    assert "tit_for_tat" in help_text and "hazard" in help_text
    cfg = yaml.safe_load(run_cli("--cfg", "job", "us/policy=red_line", cwd=tmp_path).stdout)
    assert cfg["us"]["policy"]["name"] == "red_line"
    assert cfg["horizon_days"] == 730 and len(cfg["militia"]["factions"]) == 3
    assert cfg["ladder"] == "default"  # read from sim/data/ladders/default.yaml


def test_a_ladder_of_ones_own_is_chosen_by_path(tmp_path):
    """``ladder=PATH`` runs on that file's rungs, and scenario.yaml records them in full."""
    from sim.core.ladder import read_ladder

    ladder = read_ladder("default")
    for rung in ladder["rungs"]:
        if rung["name"] == "casualty_attack":
            rung["killed_mean"] = 0.5
    mine = tmp_path / "mine.yaml"
    mine.write_text(yaml.safe_dump(ladder))
    out = tmp_path / "run"
    proc = run_cli(
        f"ladder={mine}", "replicas=2", "horizon_days=30", f"hydra.run.dir={out}", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    saved = yaml.safe_load((out / "scenario.yaml").read_text())["ladder"]["rungs"]
    assert {r["name"]: r["killed_mean"] for r in saved}["casualty_attack"] == 0.5
    assert saved != read_ladder("default")["rungs"]


def test_console_script_is_the_same_command(tmp_path):
    script = Path(sys.executable).parent / "escalation-sim"
    proc = subprocess.run(
        [str(script), "--cfg", "job"], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert yaml.safe_load(proc.stdout)["start_date"] == "2023-10-17"


def test_isis_threat_holds_iraqi_pressure_down():
    """An ISIS resurgence keeps the coalition wanted: lower Iraqi pressure, so an endogenous
    withdrawal comes later or not at all (same random streams for both runs)."""
    from sim import EscalationModel

    runs = {}
    for threat in (0.0, 1.0):
        model = EscalationModel(
            {
                "seed": 3,
                "replicas": 30,
                "horizon_days": 600,
                "withdrawal": {"endogenous": True, "pressure_threshold": 0.5},
                "iraq": {"isis_threat": threat},
            },
            record_events=False,
        ).run()
        start, _ = model.withdrawal_days()
        runs[threat] = (model.timeseries().iraq_pressure.mean(), np.nan_to_num(start, nan=1e9))
    (calm_pressure, calm_start), (isis_pressure, isis_start) = runs[0.0], runs[1.0]
    assert isis_pressure < calm_pressure - 0.2
    assert (isis_start >= calm_start).all() and (isis_start > calm_start).any()


def test_ctrl_c_stops_a_single_run_in_one_line(tmp_path):
    """Ctrl-C reaches the whole process group (the command, its model's and figure's
    processes): one line, the shell's status 130, no traceback and no completion record."""
    out = tmp_path / "run"
    command = subprocess.Popen(
        [sys.executable, "-m", "sim", "replicas=3000", "horizon_days=3000",
         f"hydra.run.dir={out}"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own group, as a terminal's foreground job
        # ... whose Ctrl-C is not ignored: a test run in the background of a script (`cmd &`)
        # inherits SIGINT ignored, and Python then leaves it ignored in the command too
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not (out / ".hydra" / "config.yaml").exists() and time.monotonic() < deadline:
        time.sleep(0.05)  # Hydra has composed the config: the run is under way
    time.sleep(0.5)
    os.killpg(command.pid, signal.SIGINT)
    _, err = command.communicate(timeout=60)
    assert command.returncode == 130, err
    assert err.strip().splitlines()[-1].startswith("escalation-sim: interrupted; the run did")
    assert "Traceback" not in err
    assert not (out / "_DONE.json").exists()
