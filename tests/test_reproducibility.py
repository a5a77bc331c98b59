"""Replica r of seed s is the same trajectory however and wherever it is run."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim import EscalationModel

from .conftest import run_cli

SCENARIO = {"seed": 11, "horizon_days": 150, "us": {"policy": "tit_for_tat"}}


def _replica(model: EscalationModel, replica: int) -> pd.DataFrame:
    ts = model.timeseries()
    return ts[ts.replica == replica].reset_index(drop=True)


def test_replica_is_independent_of_how_many_run_beside_it():
    alone = EscalationModel({**SCENARIO, "replicas": 1}).run()
    few = EscalationModel({**SCENARIO, "replicas": 10}).run()
    many = EscalationModel({**SCENARIO, "replicas": 1000}).run()
    pd.testing.assert_frame_equal(_replica(alone, 0), _replica(few, 0))
    pd.testing.assert_frame_equal(_replica(few, 7), _replica(many, 7))
    # and the replicas really differ from each other (the check could fail)
    assert not _replica(many, 0).equals(_replica(many, 1).assign(replica=0))


def test_replica_subset_matches_full_run():
    full = EscalationModel({**SCENARIO, "replicas": 12}).run()
    part = EscalationModel({**SCENARIO, "replicas": 12}, replica_ids=[9, 3]).run()
    for r in (3, 9):
        pd.testing.assert_frame_equal(_replica(full, r), _replica(part, r))
    events_full = full.event_log().query("replica == 9").reset_index(drop=True)
    events_part = part.event_log().query("replica == 9").reset_index(drop=True)
    pd.testing.assert_frame_equal(events_full, events_part)


def test_replica_is_the_same_in_another_process():
    code = (
        "import json, sys; from sim import EscalationModel;"
        "m = EscalationModel(json.loads(sys.argv[1]), replica_ids=[4]).run();"
        "ts = m.timeseries();"
        "print(json.dumps(ts.escalation_index.tolist() + ts.cum_attacks.tolist()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps({**SCENARIO, "replicas": 5})],
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = np.array(json.loads(out.stdout))
    here = _replica(EscalationModel({**SCENARIO, "replicas": 5}).run(), 4)
    mine = np.concatenate([here.escalation_index.to_numpy(), here.cum_attacks.to_numpy()])
    np.testing.assert_array_equal(theirs, mine)


def test_seed_changes_the_numbers():
    a = EscalationModel({**SCENARIO, "replicas": 3, "seed": 1}).run().timeseries()
    b = EscalationModel({**SCENARIO, "replicas": 3, "seed": 2}).run().timeseries()
    assert not a.escalation_index.equals(b.escalation_index)


def test_levers_share_random_streams():
    """Common random numbers: a lever that does not touch the first days leaves them alone."""
    base = EscalationModel({**SCENARIO, "replicas": 4}).run().timeseries()
    later = EscalationModel(
        {**SCENARIO, "replicas": 4, "withdrawal": {"start_month": 3, "duration_months": 0}}
    ).run()
    lt = later.timeseries()
    early = base.day < 80
    pd.testing.assert_frame_equal(base[early], lt[early])
    assert not base.us_troops.equals(lt.us_troops)


@pytest.mark.slow
def test_same_command_twice_gives_identical_files_whichever_process_runs_the_model(tmp_path):
    """The plain command runs its model in a process forked at start (sim/sweeps/entry.py);
    with a flag (here one that changes nothing) the command's own process runs it."""
    outputs = []
    for name, flags in (("a", ()), ("b", ()), ("c", ("--config-name=config",))):
        out = tmp_path / name
        proc = run_cli(
            *flags, "replicas=20", "horizon_days=200", f"hydra.run.dir={out}", cwd=tmp_path
        )
        assert proc.returncode == 0, proc.stderr
        assert "median peak escalation" in proc.stdout
        outputs.append(out)
    a, *others = outputs
    for b in others:
        pd.testing.assert_frame_equal(
            pd.read_parquet(a / "timeseries.parquet"), pd.read_parquet(b / "timeseries.parquet")
        )
        for name in (
            "timeseries.parquet",
            "quantiles.parquet",
            "summary.csv",
            "events.csv",
            "scenario.yaml",
        ):
            assert (a / name).read_bytes() == (b / name).read_bytes(), (b.name, name)
