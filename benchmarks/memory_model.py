"""Peak memory of single runs, measured, against the estimate the memory guard uses
(sim/model/memory.py): the source of its constants.

Each run is made in a fresh process (as the command line's job makes it: the model, its
summary, quantiles and files, no figure), and its peak resident memory over what the process
held once the model was loaded is compared with ``needed_memory`` (which adds a margin, so a
ratio below 1 is what the guard intends). Usage: ``python benchmarks/memory_model.py``
(a few minutes; the largest run needs ~5 GB).
"""

from __future__ import annotations

import json
import subprocess
import sys

from sim.model.memory import needed_memory

PROBE = """
import json, resource, sys, tempfile
from sim.config.validation import validate
from sim.model.escalation import EscalationModel
from sim.sweeps.job import run_scenario
R, D, events, table = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4] == "1"
EscalationModel({"replicas": 1, "horizon_days": 1}).run()  # the model and its kernels loaded
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
cfg = validate({"replicas": R, "horizon_days": D,
                "output": {"events": events, "timeseries": table, "plot": False}})
with tempfile.TemporaryDirectory() as out:
    run_scenario(cfg, out, progress=False)
print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base))
"""

RUNS = [  # replicas, days, event log, per-day table
    (100, 730, True, True),  # the default run
    (500, 365, True, True),
    (20_000, 30, True, True),  # the crisis's first month: the most actions a day
    (100_000, 2, True, True),
    (2_000, 1826, False, False),
    (2_000, 1826, False, True),
    (2_000, 1826, True, False),
    (2_000, 1826, True, True),
]


def main() -> None:
    print(f"{'replicas':>8} {'days':>5} {'events':>6} {'table':>5} {'measured':>9} "
          f"{'estimate':>9} {'ratio':>6}")  # fmt: skip
    for replicas, days, events, table in RUNS:
        args = [str(replicas), str(days), str(int(events)), str(int(table))]
        out = subprocess.run(
            [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
        )
        measured = json.loads(out.stdout.strip().splitlines()[-1])
        estimate = needed_memory(days, replicas, events=events, table=table)
        print(
            f"{replicas:>8} {days:>5} {events!s:>6} {table!s:>5} {measured / 2**20:>7.0f}MB "
            f"{estimate / 2**20:>7.0f}MB {measured / estimate:>6.2f}"
        )


if __name__ == "__main__":
    main()
