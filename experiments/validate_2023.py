"""Out-of-sample check: what follows the first deadly attack, in the calibrated model and in
the record (Tower 22, 28 Jan 2024, and the weeks after it).

Usage: ``python experiments/validate_2023.py [OUT_DIR] [--replicas 1000] [--days 365]``.
Runs the historical scenario (configs/scenario/historical_2023.yaml, calibrated only on
17 Oct 2023 - 27 Jan 2024) and writes patterns.csv (one row per replica) and
patterns_vs_record.csv (median and quartiles beside the record) into OUT_DIR.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import yaml

from sim import EscalationModel
from sim.paths import CONFIG_DIR
from sim.patterns import compare_with_record, first_deadly_attack_patterns
from sim.results import write_csv


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, nargs="?", default=Path("outputs/validation"))
    parser.add_argument("--replicas", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    cfg = yaml.safe_load((CONFIG_DIR / "scenario" / "historical_2023.yaml").read_text())
    cfg.update({"replicas": args.replicas, "horizon_days": args.days, "seed": args.seed})
    model = EscalationModel(cfg).run()
    patterns = first_deadly_attack_patterns(model)
    table = compare_with_record(patterns)
    write_csv(patterns, args.out_dir / "patterns.csv")
    write_csv(table, args.out_dir / "patterns_vs_record.csv")
    print(
        f"{len(patterns)} of {args.replicas} replicas had a measurable first deadly attack "
        f"(median day {patterns.day.median():.0f}; Tower 22 was day 103)"
    )
    with pd.option_context("display.width", 120):
        print(table.round(2).to_string(index=False))


if __name__ == "__main__":
    main()
