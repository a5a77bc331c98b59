"""Run one scenario and write its results: the job behind the CLI, usable from Python too."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from tqdm.auto import tqdm

from sim.analysis.metrics import daily_quantiles, summarize
from sim.config.schema import ScenarioConfig
from sim.config.validation import validate
from sim.files import write_csv, write_parquet, write_text
from sim.forked import Forked
from sim.model.escalation import EscalationModel
from sim.sweeps.run_result import RunResult

YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's safe dumper where PyYAML was built with it (about 5x faster: a sweep writes one
scenario.yaml per job), else the pure-Python one; both write plain, safe YAML."""


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


FIGURE = "sim.analysis.plots:plot_trajectory"
"""The function that draws a run's figure (matplotlib is imported only where one is drawn:
sweeps skip it)."""


def figure_process() -> Forked:
    """A process forked now to draw a run's figure, for :func:`run_scenario`: it imports
    matplotlib while this process works (sim/forked.py; fork only from a process with one
    thread, else the figure is drawn here)."""
    return Forked(FIGURE)


def run_scenario(
    config: ScenarioConfig | Mapping[str, Any] | None,
    out_dir: str | Path,
    *,
    progress: bool | None = None,
    figure: Forked | None = None,
) -> RunResult:
    """Simulate a scenario and write its result files into ``out_dir``.

    Files: summary.csv (one row per replica), quantiles.parquet (daily quantiles across
    replicas), timeseries.parquet (unless ``output.timeseries`` is false), events.csv (unless
    ``output.events`` is false), trajectory.png (unless ``output.plot`` is false) and
    scenario.yaml, the validated config with every default filled in. Each file is written
    atomically. The figure is drawn here, or by ``figure``, a process from
    :func:`figure_process` (the command line's single run), while the tables are written.
    """
    out = Path(out_dir)
    try:
        cfg = validate(config)
        if not cfg.output.plot and figure is not None:
            figure.close()
            figure = None
        elif cfg.output.plot and figure is None:
            figure = Forked(FIGURE, fork=False)
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
            figure.close()  # the failure to report is this one
        raise
    if figure is not None:
        figure.result()
        files["trajectory"] = out / "trajectory.png"
    return RunResult(
        timeseries=ts, summary=summary, quantiles=quantiles, events=events, files=files
    )
