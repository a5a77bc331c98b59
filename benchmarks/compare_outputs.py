"""Compare every output of every scenario family between two versions of the code.

Why: a refactoring of the model's core must not change a single number (except where it fixes
a bug, which the comparison then shows). This script runs each scenario family with the code
of a git revision (exported to a temporary folder) and with the code of this checkout,
in separate processes, and compares the time series, the event log and the summary of each,
exactly (to the last bit)::

    python benchmarks/compare_outputs.py --baseline f663c3e

Each family runs twice in each version, with and without the event log, so the compiled and
the day-by-day paths of either version are covered. Only the public API is used
(``sim.EscalationModel`` and ``sim.summarize``), which both versions share.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from revision import exported

ROOT = Path(__file__).resolve().parents[1]

SMALL = {"seed": 11, "replicas": 40, "horizon_days": 300}


def historical() -> dict:
    """The historical scenario as a mapping (the Hydra package line is a comment)."""
    text = (ROOT / "configs" / "scenario" / "historical_2023.yaml").read_text()
    return yaml.safe_load(text)


def families(workdir: Path) -> dict[str, dict]:
    """Every scenario family of the model, by name."""
    choices = workdir / "choices.csv"
    choices.write_text("day,level\n3,4\n10,2\n11,5\n40,6\n41,-1\n90,4\n")
    from sim.policies import policies_for  # the registry of the version being run

    out = {"default": {}}
    for actor in ("us", "militia", "iraq"):  # every policy (a person's: below)
        for policy in policies_for(actor):
            if policy != "human":
                out[f"{actor}_{policy}"] = {actor: {"policy": policy}}
    out["withdrawal_6_months"] = {
        "withdrawal": {"start_month": 6, "duration_months": 3, "residual_troops": 500}
    }
    out["withdrawal_endogenous"] = {
        "withdrawal": {"endogenous": True, "pressure_threshold": 0.3},
        "iraq": {"pressure": 0.25},
    }
    out["noise_misattribution"] = {"perception": {"noise": 0.3, "misattribution": 0.4}}
    out["iran_off"] = {"iran": {"enabled": False}}
    out["one_replica"] = {"replicas": 1}
    out["lags"] = {
        "us": {"reaction_lag_days": 5},
        "militia": {"reaction_lag_days": 3},
        "iraq": {"reaction_lag_days": 4},
    }
    out["historical"] = {**historical(), "replicas": 40}
    out["human_replay_us"] = {"us": {"policy": {"name": "human", "log": str(choices)}}}
    out["human_replay_iraq"] = {"iraq": {"policy": {"name": "human", "log": str(choices)}}}
    out["human_replay_militia"] = {  # choices include a truce (level -1) on day 41
        "militia": {"policy": {"name": "human", "log": str(choices)}}
    }
    # Nine factions: numpy sums the faction means of 8 or more factions pairwise.
    out["nine_factions"] = {
        "militia": {
            "factions": [
                {"name": f"faction {i}", "resolve": 0.5 + 0.1 * i, "compliance": 0.1 * i}
                for i in range(9)
            ]
        }
    }
    # Shocks: a US shock has no side effect to undo; the Iraqi one overrides a mediation on
    # some replicas (the bug fixed by the one-day core), so it may differ from day 6 on.
    out["shock_us_and_militia"] = {
        "shocks": [
            {"day": 50, "actor": "us", "action": "targeted_killing", "faction": "Kataib Hezbollah"},
            {"day": 100, "actor": "militia", "action": "mass_casualty_attack", "killed": 3},
        ]
    }
    out["shock_iraq_condemn_day_6"] = {
        "shocks": [{"day": 6, "actor": "iraq", "action": "condemn"}],
        "perception": {"noise": 0.0},
    }
    return out


def merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for k, v in extra.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def write(outdir: Path) -> None:
    """Run every family with the code on sys.path and write its tables."""
    from sim import EscalationModel, summarize

    outdir.mkdir(parents=True, exist_ok=True)
    for name, extra in families(outdir).items():
        config = merge(SMALL, extra)
        for events in (True, False):
            model = EscalationModel(config, record_events=events).run()
            tag = f"{name}.{'events' if events else 'compiled'}"
            model.timeseries().to_parquet(outdir / f"{tag}.timeseries.parquet")
            summarize(model).to_parquet(outdir / f"{tag}.summary.parquet")
            if events:
                model.event_log().to_parquet(outdir / f"{tag}.events.parquet")


def compare(old: Path, new: Path) -> int:
    """Print, family by family, whether the tables are identical; the number that differ."""
    import pandas as pd

    differing = 0
    for path in sorted(old.glob("*.parquet")):
        a = pd.read_parquet(path)
        b = pd.read_parquet(new / path.name)
        added = [c for c in b.columns if c not in a.columns]
        removed = [c for c in a.columns if c not in b.columns]
        if added or removed:  # a new or dropped column: compare the ones both versions have
            common = [c for c in a.columns if c in b.columns]
            same_common = a[common].equals(b[common])
            print(
                f"{path.name:60s} {'identical' if same_common else 'DIFFERS'} in the common "
                f"columns; added {added or 'none'}, removed {removed or 'none'}"
            )
            differing += not same_common
            continue
        same = a.shape == b.shape and a.columns.equals(b.columns) and a.equals(b)
        note = "identical"
        if not same:
            differing += 1
            note = "DIFFERS"
            if {"day", "replica"} <= set(a.columns) and a.columns.equals(b.columns):
                first = _first_difference(a, b)
                note += f" (from day {first[0]}, {first[1]} replicas differ)" if first else ""
        print(f"{path.name:60s} {note}")
    return differing


def _first_difference(a, b) -> tuple[int, int] | None:
    """The first day on which the tables differ, and in how many replicas they do (rows of
    one replica compared in order: a series or an event log, sorted by replica and day)."""
    first, replicas = None, 0
    for replica, rows_a in a.groupby("replica", sort=True):
        rows_b = b[b["replica"] == replica]
        x, y = rows_a.reset_index(drop=True), rows_b.reset_index(drop=True)
        size = min(len(x), len(y))
        same = (x.iloc[:size] == y.iloc[:size]) | (x.iloc[:size].isna() & y.iloc[:size].isna())
        bad = ~same.all(axis=1)
        if bad.any() or len(x) != len(y):
            day = int(x.loc[bad.idxmax(), "day"]) if bad.any() else int(x["day"].iloc[size - 1])
            first = day if first is None else min(first, day)
            replicas += 1
    return None if first is None else (first, replicas)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", help="git revision to compare this checkout against")
    parser.add_argument("--write", type=Path, help="(internal) write the tables here")
    args = parser.parse_args()
    if args.write:
        write(args.write)
        return
    if not args.baseline:
        parser.error("--baseline REV is required")
    with tempfile.TemporaryDirectory() as tmp, exported(args.baseline) as tree:
        tmp = Path(tmp)
        for label, code in (("old", tree), ("new", ROOT)):
            env = {**os.environ, "PYTHONPATH": str(code)}
            print(f"running the families with the {label} code ({code}) ...", flush=True)
            subprocess.run(
                [sys.executable, __file__, "--write", str(tmp / label)],
                env=env,
                cwd=tmp,
                check=True,
            )
        differing = compare(tmp / "old", tmp / "new")
    print(f"{differing} table(s) differ")
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
