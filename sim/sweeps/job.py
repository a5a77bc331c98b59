"""Run one scenario and write its results: the job behind the CLI, usable from Python too."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from tqdm.auto import tqdm

from sim.analysis.metrics import daily_quantiles, summarize
from sim.config.schema import ScenarioConfig
from sim.config.validation import validate
from sim.files import write_csv, write_parquet, write_text
from sim.forked import Forked
from sim.model.escalation import EscalationModel

YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's safe dumper where PyYAML was built with it (about 5x faster: a sweep writes one
scenario.yaml per job), else the pure-Python one; both write plain, safe YAML."""


@dataclass
class RunResult:
    """Tables of a finished run and the files written for it."""

    timeseries: pd.DataFrame | None
    summary: pd.DataFrame
    quantiles: pd.DataFrame
    events: pd.DataFrame | None
    files: dict[str, Path]


class _Bar(tqdm):
    """tqdm's bar with a thread lock of its own: tqdm's default lock is also a multiprocessing
    lock, whose first use starts multiprocessing's resource tracker, a second Python process
    that the run then waits for at exit (0.1-0.2 s of the command line's run), for a bar that
    only this process draws."""


_Bar.set_lock(threading.RLock())

PROGRESS_DAYS = 30
"""Days run between updates of the progress bar (a stretch the model may run compiled)."""


def simulate(
    config: ScenarioConfig | Mapping[str, Any] | None = None,
    *,
    progress: bool | None = None,
    record_events: bool = True,
) -> EscalationModel:
    """Build and run a model to its horizon (a progress bar on a terminal when ``progress``
    is None; forced on or off otherwise)."""
    model = EscalationModel(config, record_events=record_events)
    disable = None if progress is None else not progress
    with _Bar(
        total=model.horizon, unit="day", desc="simulating", disable=disable, leave=False
    ) as bar:
        while model.running:
            before = model.day
            model.run(days=PROGRESS_DAYS)
            bar.update(model.day - before)
    return model


def run_scenario(
    config: ScenarioConfig | Mapping[str, Any] | None,
    out_dir: str | Path,
    *,
    progress: bool | None = None,
    figure_apart: bool = False,
) -> RunResult:
    """Simulate a scenario and write its result files into ``out_dir``.

    Files: summary.csv (one row per replica), quantiles.parquet (daily quantiles across
    replicas), timeseries.parquet (unless ``output.timeseries`` is false), events.csv (unless
    ``output.events`` is false), trajectory.png (unless ``output.plot`` is false) and
    scenario.yaml, the validated config with every default filled in. Each file is written
    atomically. With ``figure_apart`` the figure is drawn in a forked process while the model
    runs and the tables are written (sim/forked.py; the command line's single run, a process
    with one thread).
    """
    cfg = validate(config)
    out = Path(out_dir)
    figure = None
    if cfg.output.plot:
        # matplotlib only when plotting: sweeps skip it
        figure = Forked("sim.analysis.plots:plot_trajectory", fork=figure_apart)
    try:
        model = simulate(cfg, progress=progress, record_events=cfg.output.events)
        summary = summarize(model)
        quantiles = daily_quantiles(model)
        if figure is not None:
            figure.call(quantiles, cfg, out / "trajectory.png")
        files = {
            "scenario": write_text(
                yaml.dump(dataclasses.asdict(cfg), Dumper=YAML_DUMPER, sort_keys=False),
                out / "scenario.yaml",
            ),
            "summary": write_csv(summary, out / "summary.csv"),
            "quantiles": write_parquet(quantiles, out / "quantiles.parquet"),
        }
        ts = None
        if cfg.output.timeseries:
            ts = model.timeseries()
            files["timeseries"] = write_parquet(ts, out / "timeseries.parquet")
        events = None
        if cfg.output.events:
            events = model.event_log()
            files["events"] = write_csv(events, out / "events.csv")
    except BaseException:
        if figure is not None:
            figure.wait(check=False)  # the failure to report is this one
        raise
    if figure is not None:
        figure.wait()
        files["trajectory"] = out / "trajectory.png"
    return RunResult(
        timeseries=ts, summary=summary, quantiles=quantiles, events=events, files=files
    )
