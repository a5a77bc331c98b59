"""Fit the attack process to the 2023-24 record (17 Oct 2023 - 27 Jan 2024) and report it.

Usage: ``python experiments/calibrate_2023.py [OUT_DIR] [--samples 120] [--replicas 100]``.
Method (sim/analysis/calibration.py): Latin-hypercube candidates, each run with the same
replicas and seed, scored by the log-scale RMSE of median cumulative attacks against the
recorded counts; the best 10% are accepted (rejection ABC) and give the uncertainty. Writes
calibration_fit.csv, calibration_candidates.csv and calibration.png (the best fit over the
record) into OUT_DIR.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from sim.analysis.calibration import FREE, calibrate, historical_base, observed
from sim.analysis.sensitivity import _merge, _nested
from sim.files import atomic_path, write_csv
from sim.model.escalation import EscalationModel


def plot_fit(best: dict, base: dict, path: Path) -> None:
    obs = observed()
    model = EscalationModel(_merge(base, _nested(best)), record_events=False).run()
    cum = model.series.data["cum_attacks"]
    days = np.arange(cum.shape[0])
    dates = np.datetime64(base["start_date"]) + days.astype("timedelta64[D]")
    fig = Figure(figsize=(9, 4.5))
    ax = fig.subplots()
    q = np.quantile(cum, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
    ax.fill_between(dates, q[0], q[4], color="tab:orange", alpha=0.2, lw=0, label="90% band")
    ax.fill_between(dates, q[1], q[3], color="tab:orange", alpha=0.4, lw=0, label="50% band")
    ax.plot(dates, q[2], color="tab:orange", lw=2, label="simulated median (best fit)")
    ax.plot(obs.date, obs.cumulative_attacks, "ko-", label="recorded (DoD)")
    ax.set_ylabel("cumulative militia attacks")
    ax.set_title("Calibration window 17 Oct 2023 - 27 Jan 2024")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=150, format="png")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, nargs="?", default=Path("outputs/calibration"))
    parser.add_argument("--samples", type=int, default=120, help="Latin-hypercube candidates")
    parser.add_argument("--replicas", type=int, default=100, help="replicas per candidate")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    base = historical_base(args.replicas, args.seed)
    print(
        f"Calibrating {', '.join(p.key for p in FREE)}: {args.samples} candidates x "
        f"{args.replicas} replicas, 17 Oct 2023 - 27 Jan 2024"
    )
    started = time.perf_counter()
    cands, fit = calibrate(base, samples=args.samples, seed=args.seed)
    write_csv(fit, args.out_dir / "calibration_fit.csv")
    write_csv(cands, args.out_dir / "calibration_candidates.csv")
    best = {p.key: cands.loc[0, p.key] for p in FREE}
    plot_fit(best, base, args.out_dir / "calibration.png")
    print(f"done in {time.perf_counter() - started:.0f} s; wrote {args.out_dir}")
    print(fit.to_string(index=False))


if __name__ == "__main__":
    main()
