"""Gathering job folders into the sweep tables, including jobs written by other versions of
the code (another column set, the series stored as plain names, rows in another order)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.sweeps.bookkeeping import DONE, JOBS_DIR, POINT
from sim.sweeps.collect import collect


def _job(sweep: Path, name: str, point: dict, summary: pd.DataFrame, quantiles: pd.DataFrame):
    job = sweep / JOBS_DIR / name
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "config.yaml").write_text("{}\n")
    (job / POINT).write_text(json.dumps(point))
    summary.to_csv(job / "summary.csv", index=False)
    quantiles.to_parquet(job / "quantiles.parquet", index=False)
    (job / DONE).write_text("{}")


def _quantiles(series: list[str], days: int, categorical: bool) -> pd.DataFrame:
    names = np.repeat(series, days)
    return pd.DataFrame(
        {
            "day": np.tile(np.arange(days), len(series)),
            "series": pd.Categorical(names) if categorical else names,
            "q50": np.arange(len(names), dtype=float),
        }
    )


def test_jobs_of_other_code_versions_are_gathered(tmp_path):
    # this version: series as a dictionary, in the order the model lists them
    _job(
        tmp_path,
        "seed=1",
        {"seed": 1},
        pd.DataFrame({"replica": [0, 1], "seed": 1, "attacks": [3, 4], "gone": [None, None]}),
        _quantiles(["us_troops", "escalation_index"], 3, categorical=True),
    )
    # another version: plain names, rows shuffled, a column fewer and one more
    old = _quantiles(["us_troops", "escalation_index"], 3, categorical=False)
    _job(
        tmp_path,
        "seed=2",
        {"seed": 2},
        pd.DataFrame({"replica": [0, 1], "seed": 2, "attacks": [5, 6], "extra": [0.5, 0.25]}),
        old.sample(frac=1.0, random_state=0),
    )
    tables = collect(tmp_path)
    summary = tables.summary
    assert summary["attacks"].tolist() == [3, 4, 5, 6]
    assert summary["gone"].dtype == float and summary["gone"].isna().all()
    assert summary["extra"].isna().tolist() == [True, True, False, False]
    ts = tables.timeseries
    expected = [("escalation_index", d) for d in range(3)] + [("us_troops", d) for d in range(3)]
    for point in ("seed=1", "seed=2"):
        rows = ts[ts["point"] == point]
        assert list(zip(rows["series"], rows["day"], strict=True)) == expected
        assert rows["q50"].tolist() == [3.0, 4.0, 5.0, 0.0, 1.0, 2.0]
    assert ts["series"].map(type).eq(str).all()


def test_summaries_are_typed_as_pandas_reads_them(tmp_path):
    """Whatever the columns hold (here text with empty and 'None' cells, a column empty in
    one job, a job with no rows), the table is what pandas makes of the jobs' files."""
    header = "replica,seed,note,n,when\n"
    rows = {
        "seed=1": header + "0,1,a,,2024-01-01\n1,1,,,2024-01-02\n",
        "seed=2": header + "0,2,None,3,2024-01-03\n1,2,b,4,\n",
        "seed=3": header,
    }
    quantiles = _quantiles(["us_troops"], 2, categorical=True)
    for name, text in rows.items():
        _job(tmp_path, name, {"seed": int(name[-1])}, pd.DataFrame(), quantiles)
        (tmp_path / JOBS_DIR / name / "summary.csv").write_text(text)
    jobs = sorted((tmp_path / JOBS_DIR).iterdir())
    direct = pd.concat(
        [pd.read_csv(job / "summary.csv", engine="pyarrow") for job in jobs], ignore_index=True
    )
    summary = collect(tmp_path).summary
    pd.testing.assert_frame_equal(summary[direct.columns], direct, check_exact=True)
