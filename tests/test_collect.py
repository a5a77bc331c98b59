"""Gathering job folders into the sweep tables, including jobs written by other versions of
the code (another column set, the series stored as plain names, rows in another order)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.sweeps.bookkeeping import DONE, FAILED, JOBS_DIR, POINT, SWEEP_STATE, mark_done
from sim.sweeps.collect import collect, main
from sim.sweeps.lock import lock_sweep, unlock_sweep
from sim.sweeps.publish import published, table_names


def _job(
    sweep: Path,
    name: str,
    point: dict,
    summary: pd.DataFrame,
    quantiles: pd.DataFrame,
    sweep_id: str | None = None,
) -> Path:
    """A finished job folder as a sweep job leaves it (its marker fingerprints its files)."""
    job = sweep / JOBS_DIR / name
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "config.yaml").write_text("{}\n")
    (job / POINT).write_text(json.dumps(point))
    summary.to_csv(job / "summary.csv", index=False)
    quantiles.to_parquet(job / "quantiles.parquet", index=False)
    _seal(job, sweep_id)
    return job


def _seal(job: Path, sweep_id: str | None = None) -> None:
    """(Re)write a job's completion marker for the files it holds now."""
    files = {n: job / n for n in ("summary.csv", "quantiles.parquet", POINT)}
    mark_done(job, "digest", 0.1, 2, files, sweep=sweep_id)


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
        _seal(tmp_path / JOBS_DIR / name)
    jobs = sorted((tmp_path / JOBS_DIR).iterdir())
    direct = pd.concat(
        [pd.read_csv(job / "summary.csv", engine="pyarrow") for job in jobs], ignore_index=True
    )
    summary = collect(tmp_path).summary
    pd.testing.assert_frame_equal(summary[direct.columns], direct, check_exact=True)


def _three_points(sweep: Path, sweep_id: str | None = "this") -> list[Path]:
    """A sweep of three finished points (seed 1-3), 50 replicas each, with its state file."""
    jobs = [
        _job(
            sweep,
            f"seed={seed}",
            {"seed": seed},
            pd.DataFrame({"replica": range(50), "seed": seed, "attacks": range(50)}),
            _quantiles(["us_troops", "escalation_index"], 4, categorical=True),
            sweep_id,
        )
        for seed in (1, 2, 3)
    ]
    state = {"started": 0.0, "sweep": sweep_id, "points": [j.name for j in jobs], "total": 3}
    (sweep / SWEEP_STATE).write_text(json.dumps(state))
    return jobs


def _collect_cli(sweep: Path, capsys) -> tuple[int, str]:
    code = main([str(sweep), "--no-figures"])
    return code, capsys.readouterr().err


def test_damaged_points_are_left_out_and_named(tmp_path, capsys):
    """A summary cut to 40 of 50 rows, and a 0-byte parquet: each point is named in one line
    and left out; the table left is partial, and no traceback."""
    jobs = _three_points(tmp_path)
    csv = jobs[0] / "summary.csv"
    csv.write_text("\n".join(csv.read_text().splitlines()[:41]) + "\n")
    (jobs[1] / "quantiles.parquet").write_bytes(b"")
    code, err = _collect_cli(tmp_path, capsys)
    assert code == 1
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert sum(line.startswith("DAMAGED point seed=1: summary.csv has") for line in lines) == 1
    assert (
        sum(line.startswith("DAMAGED point seed=2: quantiles.parquet has 0") for line in lines) == 1
    )
    assert any(line.startswith("PARTIAL result: 1 of 3") for line in lines)
    partial = pd.read_parquet(tmp_path / "sweep_summary.PARTIAL.parquet")
    assert partial["point"].unique().tolist() == ["seed=3"] and len(partial) == 50
    assert not (tmp_path / "sweep_summary.parquet").exists()
    assert not (tmp_path / "sweep_summary.csv").exists()


def test_stale_and_foreign_points_never_share_a_table(tmp_path, capsys):
    """Points finished under another config of the sweep are stale (named, left out); job
    folders of an earlier, different sweep are left out in one line."""
    jobs = _three_points(tmp_path, sweep_id="new")
    _seal(jobs[1], "old")  # finished before the sweep's config changed
    _job(
        tmp_path,
        "seed=9",
        {"seed": 9},
        pd.DataFrame({"replica": [0], "seed": 9, "attacks": [1]}),
        _quantiles(["us_troops"], 4, categorical=True),
        "new",
    )  # not among this sweep's points
    code, err = _collect_cli(tmp_path, capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert [line.split(":")[0] for line in lines if line.startswith("STALE")] == [
        "STALE point seed=2"
    ]
    foreign = [line for line in lines if "earlier, different sweep" in line]
    assert len(foreign) == 1 and "1 job folder(s)" in foreign[0] and "seed=9" in foreign[0]
    table = pd.read_parquet(tmp_path / "sweep_summary.PARTIAL.parquet")
    assert sorted(table["point"].unique()) == ["seed=1", "seed=3"]


def test_tables_are_published_as_one_set(tmp_path, capsys):
    """All three tables and a manifest naming them; leftover temporaries are removed; a set
    whose files do not match the manifest is not taken for a consistent one; a complete set
    replaces an earlier partial one."""
    jobs = _three_points(tmp_path)
    leftovers = [tmp_path / ".sweep_summary.parquet.x1.tmp", jobs[0] / ".summary.csv.x2.tmp"]
    for path in leftovers:
        path.write_text("half-written")
    (tmp_path / "sweep_summary.PARTIAL.parquet").write_text("an earlier partial table")
    code, err = _collect_cli(tmp_path, capsys)
    assert code == 0, err
    assert not any(path.exists() for path in leftovers)
    assert not (tmp_path / "sweep_summary.PARTIAL.parquet").exists()
    manifest = published(tmp_path)
    assert manifest is not None and manifest["complete"] and manifest["points"] == 3
    assert set(manifest["files"]) == set(table_names(partial=False))
    assert manifest["files"]["sweep_timeseries.parquet"]["rows"] == 3 * 2 * 4
    # a kill between the renames: one table from another gathering beside the others
    (tmp_path / "sweep_timeseries.parquet").write_bytes(
        (tmp_path / "sweep_summary.parquet").read_bytes()
    )
    assert published(tmp_path) is None


def test_gathering_interrupted_leaves_no_old_table_and_says_so_in_one_line(
    tmp_path, capsys, monkeypatch
):
    """Ctrl-C while gathering (here: as the tables are about to be written, after the old set
    was withdrawn) is one line and the shell's status 130; no table of the earlier gathering
    is left beside no manifest, looking like the current one."""
    import sim.sweeps.collect as collect_module

    _three_points(tmp_path)
    code, err = _collect_cli(tmp_path, capsys)
    assert code == 0, err
    assert all((tmp_path / name).exists() for name in table_names(partial=False))

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(collect_module, "publish_tables", interrupted)
    code, err = _collect_cli(tmp_path, capsys)
    assert code == 130
    assert err.strip().splitlines() == [
        "sim.sweeps.collect: error: interrupted; no table is published (the same command "
        "gathers again)"
    ]
    assert not any((tmp_path / name).exists() for name in table_names(partial=False))
    assert published(tmp_path) is None


def test_collect_of_a_garbage_folder_is_one_line(tmp_path, capsys):
    """Not a sweep: exit 2; a sweep whose files are garbage: exit 1; never a traceback."""
    (tmp_path / "notes.txt").write_bytes(b"\x00\xff garbage")
    code, err = _collect_cli(tmp_path, capsys)
    assert code == 2 and err.count("\n") == 1 and "not a sweep folder" in err
    (tmp_path / JOBS_DIR).mkdir()
    code, err = _collect_cli(tmp_path, capsys)
    assert code == 2 and err.count("\n") == 1
    (tmp_path / SWEEP_STATE).write_bytes(b"\x00\xff{")
    code, err = _collect_cli(tmp_path, capsys)
    assert code == 2 and err.count("\n") == 1 and SWEEP_STATE in err
    (tmp_path / SWEEP_STATE).unlink()
    for name, files in {
        "a": {DONE: b"\x00\xff", POINT: b"[1, 2"},
        "b": {DONE: b'{"files": {"summary.csv": 3}}', "summary.csv": b"\x00"},
        "c": {DONE: b"[]", "quantiles.parquet": b"PAR1"},
        "d": {FAILED: b"\xff\xfe"},
    }.items():
        job = tmp_path / JOBS_DIR / name
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "config.yaml").write_bytes(b"\x00garbage")
        for file, data in files.items():
            (job / file).write_bytes(data)
    code, err = _collect_cli(tmp_path, capsys)
    assert code == 1 and "Traceback" not in err
    assert [line.split(":")[0] for line in err.strip().splitlines()] == [
        "FAILED point d",
        "DAMAGED point a",
        "DAMAGED point b",
        "DAMAGED point c",
        "PARTIAL result",
    ]
    # a sweep state that lists no point: nothing to gather is not a complete result
    (tmp_path / SWEEP_STATE).write_text(json.dumps({"started": 0.0, "points": []}))
    code, err = _collect_cli(tmp_path, capsys)
    assert code == 1 and err.strip().splitlines()[-1].startswith("NO scenario point:")


def test_the_progress_counts_only_this_sweeps_failures(tmp_path):
    """A failure note left by an earlier run is removed when its point runs again: until
    then it must not count as a failure of this sweep (the bar would start settled and go
    back)."""
    import os

    from sim.sweeps.bookkeeping import tally

    for name in ("old", "new"):
        (tmp_path / JOBS_DIR / name).mkdir(parents=True)
        (tmp_path / JOBS_DIR / name / FAILED).write_text("boom\n")
    os.utime(tmp_path / JOBS_DIR / "old" / FAILED, (1_000, 1_000))
    state = {"started": time.time() - 60, "points": ["old", "new"]}
    assert tally(tmp_path, state).failed == 1


def test_collect_waits_for_no_sweep_running_in_the_folder(tmp_path):
    """While a sweep holds the folder, collect stops in one line naming it (exit 1)."""
    _three_points(tmp_path)
    lock_sweep(tmp_path)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "sim.sweeps.collect", str(tmp_path), "--no-figures"],
            capture_output=True,
            text=True,
        )
    finally:
        unlock_sweep(tmp_path)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1
    assert str(tmp_path) in proc.stderr and "in use by another sweep" in proc.stderr
    assert not (tmp_path / "sweep_summary.parquet").exists()


def test_points_read_while_the_sweep_runs_are_used_only_if_unchanged(tmp_path, monkeypatch):
    """The sweep's end takes a point read while the sweep ran (sim/sweeps/prefetch.py) without
    reading it again, unless its files changed since: a point cut short after it was read, or
    rewritten in place with its modification time put back, is still found damaged; one
    rewritten while it was read, or found damaged then, is not kept."""
    import os

    import sim.sweeps.collect as collect_module
    from sim.sweeps.point_reader import read_checked
    from sim.sweeps.prefetch import Prefetch

    jobs = _three_points(tmp_path)
    prefetch = Prefetch(tmp_path, [job.name for job in jobs])
    prefetch.read_finished(prefetch._finished(), read_checked)
    assert all(prefetch.get(job) is not None for job in jobs)
    assert prefetch._finished() == []  # read once
    # unchanged points are not read again at the end
    reads = []
    monkeypatch.setattr(
        collect_module, "read_checked", lambda job: reads.append(job) or read_checked(job)
    )
    assert collect(tmp_path, prefetch).complete and reads == []
    # cut short after it was read: read again, and found damaged
    csv = jobs[0] / "summary.csv"
    csv.write_text("\n".join(csv.read_text().splitlines()[:41]) + "\n")
    # rewritten in place, same size, modification time put back: read again, found damaged
    other = jobs[1] / "summary.csv"
    stat = os.stat(other)
    text = other.read_text()
    other.write_text(text[:-2] + ("8" if text[-2] == "9" else "9") + text[-1])  # last cell
    os.utime(other, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert os.stat(other).st_size == stat.st_size and os.stat(other).st_mtime_ns == stat.st_mtime_ns
    assert prefetch.get(jobs[0]) is None and prefetch.get(jobs[1]) is None
    tables = collect(tmp_path, prefetch)
    assert sorted(job.name for job in reads) == ["seed=1", "seed=2"]
    assert "summary.csv has" in tables.damaged["seed=1"]
    assert "checksum" in tables.damaged["seed=2"]
    assert tables.summary["point"].unique().tolist() == ["seed=3"]

    def rewritten_meanwhile(job):
        part = read_checked(job)
        os.utime(job / "summary.csv", ns=(0, 10**9))
        return part

    later = Prefetch(tmp_path, [jobs[2].name])
    later.read_finished(later._finished(), rewritten_meanwhile)
    assert jobs[2].name not in later._read
    damaged = Prefetch(tmp_path, [jobs[0].name])  # damaged when read: read again at the end
    damaged.read_finished(damaged._finished(), read_checked)
    assert jobs[0].name not in damaged._read
    foreign = Prefetch(tmp_path, [jobs[2].name], sweep_id="another sweep")
    foreign.read_finished(foreign._finished(), read_checked)
    assert foreign._read == {}  # a record of another sweep: its job recomputes it


def test_a_sweep_reads_its_points_while_it_runs(tmp_path):
    """The thread reads the points finished when it starts, then one that finishes later,
    and stops when asked."""
    from sim.sweeps.prefetch import Prefetch

    jobs = _three_points(tmp_path)
    (jobs[2] / DONE).unlink()  # not finished yet
    prefetch = Prefetch(tmp_path, [job.name for job in jobs], sweep_id="this", interval=0.01)
    prefetch.start()

    def wait_for(names):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not set(names) <= set(prefetch._read):
            time.sleep(0.01)
        return set(prefetch._read)

    assert wait_for(["seed=1", "seed=2"]) == {"seed=1", "seed=2"}
    _seal(jobs[2], "this")  # finishes now
    assert wait_for(["seed=3"]) == {"seed=1", "seed=2", "seed=3"}
    prefetch.stop()
    assert all(prefetch.get(job) is not None for job in jobs)
    assert not prefetch._thread.is_alive()
