"""A sweep folder never shows stale, damaged or foreign results as the sweep's result, through
the real command line: changed configs, narrower re-runs, cut files, two sweeps at once, bad
input, and the one progress bar."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.sweeps.bookkeeping import DONE, SWEEP_STATE
from sim.sweeps.publish import published

from .conftest import run_cli

pytestmark = pytest.mark.slow

SMALL = ["replicas=5", "horizon_days=60"]


def _collect(sweep: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim.sweeps.collect", str(sweep), "--no-figures"],
        capture_output=True,
        text=True,
    )


def _experiment(conf: Path, horizon_days: int, replicas: int) -> list[str]:
    """A small named experiment (seeds 1-4) in a config folder of the test's own; the
    arguments that run it. Its folder names do not show its settings, as in a real one."""
    (conf / "experiment").mkdir(parents=True, exist_ok=True)
    (conf / "experiment" / "mini.yaml").write_text(
        "# @package _global_\n"
        f"replicas: {replicas}\nhorizon_days: {horizon_days}\n"
        "output: {timeseries: false, events: false, plot: false}\n"
        "hydra:\n  sweeper:\n    params:\n      seed: 1,2,3,4\n"
    )
    return ["-m", "experiment=mini", f"hydra.searchpath=[file://{conf}]"]


def _kill_after_new_points(cmd: list[str], sweep: Path, since: float, cwd: Path) -> set[str]:
    """Run a sweep and kill it once it has finished a point after ``since``; the points it
    finished."""
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )

    def new_points() -> set[str]:
        done = set()
        for marker in sweep.glob(f"jobs/*/{DONE}"):
            try:
                if json.loads(marker.read_text())["finished"] > since:
                    done.add(marker.parent.name)
            except (OSError, ValueError):
                continue
        return done

    deadline = time.time() + 180
    while not new_points() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return new_points()


def test_points_of_an_earlier_config_are_never_gathered(tmp_path):
    """An experiment's horizon changed and its re-run interrupted: the points still from the
    old horizon are named stale and left out; the table is partial, of the new horizon only;
    the old complete tables are gone. Resuming recomputes the stale points."""
    sweep = tmp_path / "s"
    conf = tmp_path / "conf"
    args = [*_experiment(conf, 60, 5), f"hydra.sweep.dir={sweep}"]
    first = run_cli(*args, cwd=tmp_path, timeout=300)
    assert first.returncode == 0, first.stderr
    assert len(pd.read_parquet(sweep / "sweep_summary.parquet")) == 4 * 5

    _experiment(conf, 1500, 200)
    rerun = [sys.executable, "-m", "sim", *args]
    new = _kill_after_new_points(rerun, sweep, time.time(), tmp_path)
    assert 1 <= len(new) < 4, "the re-run should have been cut part way"
    collect = _collect(sweep)
    assert collect.returncode == 1, collect.stderr
    lines = collect.stderr.splitlines()
    stale = [ln for ln in lines if ln.startswith("STALE point")]
    cut = [ln for ln in lines if ln.startswith("UNFINISHED point")]  # killed while running
    assert len(stale) >= 1 and len(stale) + len(cut) + len(new) == 4
    assert "PARTIAL result" in collect.stderr
    assert not (sweep / "sweep_summary.parquet").exists()
    partial = pd.read_parquet(sweep / "sweep_summary.PARTIAL.parquet")
    assert set(partial["point"]) == new and len(partial) == 200 * len(new)

    resumed = run_cli(*args, cwd=tmp_path, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert f"({len(new)} already complete, skipped)" in resumed.stderr
    log = resumed.stdout + resumed.stderr  # the jobs' warnings go where Hydra's logging sends them
    assert log.count("finished under another config or other data; recomputing it") == len(stale)
    assert len(pd.read_parquet(sweep / "sweep_summary.parquet")) == 4 * 200
    assert not (sweep / "sweep_summary.PARTIAL.parquet").exists()


def test_points_whose_data_changed_are_recomputed(tmp_path):
    """A point's record fingerprints the data its run read, not only its config: the same
    sweep resumed after its posterior file was edited (same name, same config) recomputes
    every point, saying why; resumed unchanged, it skips them all."""
    from sim.core.posterior import POSTERIOR_FILE

    posterior = tmp_path / "posterior.csv"
    posterior.write_bytes(POSTERIOR_FILE.read_bytes())
    sweep = tmp_path / "s"
    args = ["-m", "seed=1,2", *SMALL, f"posterior={posterior}", f"hydra.sweep.dir={sweep}"]
    first = run_cli(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    column = "drawn.militia.policy.base_rate"
    before = pd.read_parquet(sweep / "sweep_summary.parquet").sort_values(["seed", "replica"])
    same = run_cli(*args, cwd=tmp_path)
    assert "sweep: 2/2 scenario points done (2 already complete, skipped)" in same.stderr
    draws = pd.read_csv(posterior)
    draws["militia.policy.base_rate"] *= 2.0  # the record's medians no longer hold
    draws.to_csv(posterior, index=False)
    edited = run_cli(*args, cwd=tmp_path)
    assert edited.returncode == 0, edited.stderr
    assert "already complete" not in edited.stderr
    log = edited.stdout + edited.stderr
    assert log.count("finished under another config or other data; recomputing it") == 2
    after = pd.read_parquet(sweep / "sweep_summary.parquet").sort_values(["seed", "replica"])
    assert (after[column].to_numpy() == 2.0 * before[column].to_numpy()).all()  # the new data


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["seed=1,1"], "two scenario points would share the job folder jobs/"),
        (
            ["militia.policy.base_rate=1.5,1.50"],  # two spellings, one folder once sanitised
            "two scenario points would share the job folder jobs/",
        ),
        (["hydra.sweep.subdir=${hydra.job.num}"], "hydra.sweep.subdir: set by escalation-sim"),
        (
            ["hydra/launcher=joblib_cached", "hydra.launcher.n_jobs=0"],
            "hydra.launcher.n_jobs: 0 is not allowed; choose a number of workers",
        ),
        (["hydra.sweep.dir="], "hydra.sweep.dir: empty"),
        (["hydra.sweep.dir=afile"], "hydra.sweep.dir: cannot make the folder afile (a file"),
    ],
    ids=["a-value-repeated", "one-folder-for-two-values", "numbered-folders", "no-workers",
         "no-folder", "a-file"],
)  # fmt: skip
def test_a_sweep_that_cannot_keep_its_points_apart_is_refused_in_one_line(
    tmp_path, overrides, message
):
    """Refused before any job runs, in one line naming the key (exit status 2): job folders
    Hydra would number instead of naming (the sweep would gather nothing), two points that
    would share one folder (one overwritten, the table counting the other twice), no
    workers, no folder or a file for the folder."""
    (tmp_path / "afile").write_text("not a folder\n")
    seeds = [] if any(o.startswith("seed=") for o in overrides) else ["seed=1,2"]
    out = run_cli(
        "-m", *seeds, *SMALL, f"hydra.sweep.dir={tmp_path / 's'}", *overrides, cwd=tmp_path
    )
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("escalation-sim: error: "), out.stderr
    assert message in lines[0]
    assert not list(tmp_path.glob("**/_DONE.json")), "no job ran"


def test_a_single_run_into_a_folder_it_cannot_make_is_one_line(tmp_path):
    (tmp_path / "afile").write_text("not a folder\n")
    out = run_cli(*SMALL, f"hydra.run.dir={tmp_path / 'afile' / 'run'}", cwd=tmp_path)
    assert out.returncode == 2, out.stderr
    assert out.stderr.strip().splitlines() == [
        f"escalation-sim: error: {tmp_path / 'afile' / 'run'}: Not a directory (the run's "
        "files go to hydra.run.dir)"
    ]


def test_the_data_fingerprint_reads_only_the_files_a_run_reads(tmp_path, monkeypatch):
    """The fingerprint covers a replay log the config names (edited: another fingerprint),
    and no other string of the config: one that happens to name a file in the working folder
    moves nothing, and free text too long for a file name is no error."""
    import dataclasses

    from sim.config.validation import validate
    from sim.sweeps.bookkeeping import scenario_digest

    monkeypatch.chdir(tmp_path)
    log = tmp_path / "us_choices.csv"
    log.write_text("day,level\n0,4\n")
    config = {"us": {"policy": {"name": "human", "log": str(log)}}}
    digest = scenario_digest(dataclasses.asdict(validate(config)))
    log.write_text("day,level\n0,5\n")
    assert scenario_digest(dataclasses.asdict(validate(config))) != digest
    plain = dataclasses.asdict(validate({}))
    before = scenario_digest(plain)
    (tmp_path / "proportional").write_text("a file named like the US policy\n")
    assert scenario_digest(plain) == before
    long_name = dataclasses.asdict(validate({}))
    long_name["militia"]["factions"][0]["name"] = "K" * 300
    scenario_digest(long_name)  # no OSError (a name too long for a file)


def test_without_its_state_file_a_folder_still_never_mixes_two_sweeps(tmp_path):
    """A sweep folder copied without its dot files has lost the record of which sweep is
    current: gathering then takes the sweep of the newest completion record and leaves the
    earlier sweep's points out as stale, rather than mixing two configs in one table."""
    sweep = tmp_path / "s"
    conf = tmp_path / "conf"
    first = run_cli(*_experiment(conf, 60, 5), f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    narrower = [*_experiment(conf, 60, 3), "seed=1", f"hydra.sweep.dir={sweep}"]
    second = run_cli(*narrower, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    (sweep / SWEEP_STATE).unlink()
    collect = _collect(sweep)
    assert collect.returncode == 1, collect.stderr
    stale = [ln for ln in collect.stderr.splitlines() if ln.startswith("STALE point")]
    assert len(stale) == 3, collect.stderr
    partial = pd.read_parquet(sweep / "sweep_summary.PARTIAL.parquet")
    assert set(partial["point"]) == {"seed=1"} and len(partial) == 3


def test_a_narrower_sweep_leaves_the_earlier_points_out(tmp_path):
    sweep = tmp_path / "s"
    wide = run_cli("-m", "seed=1,2,3,4", *SMALL, f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert wide.returncode == 0, wide.stderr
    narrow = run_cli("-m", "seed=1,2", *SMALL, f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert narrow.returncode == 0, narrow.stderr
    assert "sweep: 2/2 scenario points done (2 already complete, skipped)" in narrow.stderr
    foreign = [ln for ln in narrow.stderr.splitlines() if "earlier, different sweep" in ln]
    assert len(foreign) == 1 and "left out 2 job folder(s)" in foreign[0]
    summary = pd.read_parquet(sweep / "sweep_summary.parquet")
    assert sorted(summary["seed"].unique()) == [1, 2] and len(summary) == 2 * 5
    assert published(sweep)["points"] == 2


def test_a_damaged_point_is_recomputed_on_resume(tmp_path):
    sweep = tmp_path / "s"
    args = ["-m", "seed=1,2", *SMALL, f"hydra.sweep.dir={sweep}"]
    assert run_cli(*args, cwd=tmp_path).returncode == 0
    before = pd.read_parquet(sweep / "sweep_summary.parquet")
    csv = sweep / "jobs" / "horizon_days=60,replicas=5,seed=1" / "summary.csv"
    csv.write_text("\n".join(csv.read_text().splitlines()[:3]) + "\n")  # 2 of 5 rows
    collect = _collect(sweep)
    assert collect.returncode == 1 and "DAMAGED point horizon_days=60,replicas=5,seed=1" in (
        collect.stderr
    )
    resumed = run_cli(*args, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "(1 already complete, skipped)" in resumed.stderr
    log = resumed.stdout + resumed.stderr  # the jobs' warnings go where Hydra's logging sends them
    recomputed = [ln for ln in log.splitlines() if "recomputing it" in ln]
    assert len(recomputed) == 1 and "seed=1: summary.csv has" in recomputed[0]
    pd.testing.assert_frame_equal(before, pd.read_parquet(sweep / "sweep_summary.parquet"))


def test_two_sweeps_cannot_write_one_folder(tmp_path):
    sweep = tmp_path / "s"
    cmd = [
        sys.executable,
        "-m",
        "sim",
        "-m",
        "seed=1,2,3",
        "replicas=200",
        "horizon_days=1500",
        f"hydra.sweep.dir={sweep}",
    ]
    first = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while not (sweep / SWEEP_STATE).exists() and time.time() < deadline:
        time.sleep(0.02)
    second = run_cli(*cmd[3:], cwd=tmp_path)
    _, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    assert second.returncode == 1
    assert second.stderr.count("\n") == 1 and str(sweep) in second.stderr
    assert "in use by another sweep" in second.stderr and second.stdout == ""
    assert len(pd.read_parquet(sweep / "sweep_summary.parquet")) == 3 * 200


def test_bad_input_into_a_result_folder_leaves_nothing_complete(tmp_path):
    out = tmp_path / "run"
    good = run_cli(*SMALL, "output.plot=false", f"hydra.run.dir={out}", cwd=tmp_path)
    assert good.returncode == 0, good.stderr
    assert (out / DONE).exists() and (out / "summary.csv").exists()
    bad = run_cli(*SMALL, "perception.noise=1.5", f"hydra.run.dir={out}", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert not (out / DONE).exists()
    assert not (out / "summary.csv").exists() and not (out / "quantiles.parquet").exists()


def test_a_sweep_with_a_bad_value_publishes_only_partial_tables(tmp_path):
    sweep = tmp_path / "s"
    good = run_cli(
        "-m", "withdrawal.start_month=0,6", *SMALL, f"hydra.sweep.dir={sweep}", cwd=tmp_path
    )
    assert good.returncode == 0, good.stderr
    assert (sweep / "sweep_summary.parquet").exists()
    bad = run_cli(
        "-m", "withdrawal.start_month=0,abc", *SMALL, f"hydra.sweep.dir={sweep}", cwd=tmp_path
    )
    assert bad.returncode == 1
    assert "PARTIAL result: 1 of 2" in bad.stderr and "start_month=abc" in bad.stderr
    for name in ("sweep_summary.parquet", "sweep_summary.csv", "sweep_timeseries.parquet"):
        assert not (sweep / name).exists(), name
    partial = pd.read_parquet(sweep / "sweep_summary.PARTIAL.parquet")
    assert partial["point"].nunique() == 1 and len(partial) == 5
    manifest = published(sweep)
    assert manifest is not None and manifest["complete"] is False


def _on_a_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run the command line on a pseudo-terminal of 120 columns: its exit status and all it
    drew."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # 120 columns
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the sweep ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return proc.wait(timeout=60), b"".join(chunks).decode(errors="replace")


def test_a_sweep_shows_one_progress_bar_on_a_terminal(tmp_path):
    args = ["-m", "seed=1,2,3", *SMALL, f"hydra.sweep.dir={tmp_path / 's'}"]
    code, screen = _on_a_terminal(args, tmp_path)
    assert code == 0
    assert "sweep: 3/3 points" in screen and "0 failed" in screen  # the bar
    assert "sweep: 3/3 scenario points done, 0 failed" in screen  # the summary line
    assert "[HYDRA]" not in screen and "done in" not in screen


def test_the_bar_of_a_sweep_with_a_failed_point_reaches_its_end(tmp_path):
    """A failed point is settled too: the bar ends at 2/2 (not stuck at 1/2 with time left)
    and says one failed."""
    args = ["-m", "withdrawal.start_month=0,abc", *SMALL, f"hydra.sweep.dir={tmp_path / 's'}"]
    code, screen = _on_a_terminal(args, tmp_path)
    assert code == 1
    assert "sweep: 2/2 points" in screen and "1 failed" in screen  # the bar, at its end
    assert "sweep: 1/2 scenario points done, 1 failed" in screen  # the summary line


def test_a_typo_in_a_rerun_keeps_the_finished_sweep(tmp_path):
    """A re-run rejected before any job runs leaves the folder describing the sweep before."""
    sweep = tmp_path / "s"
    args = ["-m", "seed=1,2", *SMALL, f"hydra.sweep.dir={sweep}"]
    assert run_cli(*args, cwd=tmp_path).returncode == 0
    typo = run_cli(*args, "perception.nosie=0.1", cwd=tmp_path)
    assert typo.returncode == 2 and "perception.nosie" in typo.stderr
    collect = _collect(sweep)
    assert collect.returncode == 0, collect.stderr
    assert "Collected 2 scenario point(s)" in collect.stdout
