"""An Explore run: the model and what the page shows of it, kept up to date incrementally.

A step of the model costs well under a millisecond; what cost 0.1-0.2 s a step in the first
app was redrawing everything from scratch (a matplotlib PNG, the whole event log rebuilt into
a table). Here each advance only adds: the new days' quantiles are appended to arrays, only the
event-log rows written since the last advance are decoded, and the chart is an ECharts option
(a few kilobytes of numbers) that the browser draws.
"""

from __future__ import annotations

import copy
from collections import deque
from typing import Any

import numpy as np

from sim.analysis.metrics import QUANTILES
from sim.analysis.quantiles import quantiles
from sim.classroom.game import event_sentence
from sim.classroom.words import index_words, rung_note
from sim.config.schema import ScenarioConfig
from sim.model.escalation import EscalationModel
from sim.model.events import FIELDS

FEED_LENGTH = 12
"""Events shown in the feed (the newest)."""


class ExploreRun:
    """One scenario run for the Explore page.

    Args:
        scenario: A checked scenario (:func:`sim.classroom.controls.explore_scenario`).
        feed_length: How many of the newest events of world 0 the feed keeps.
    """

    def __init__(self, scenario: ScenarioConfig, feed_length: int = FEED_LENGTH) -> None:
        self.model = EscalationModel(scenario)
        self.quantiles = np.zeros((self.model.horizon, len(QUANTILES)))
        self.feed: deque[str] = deque(maxlen=feed_length)
        self._blocks_read = 0
        days = self.model.start_date + np.arange(self.model.horizon)
        self.dates = [str(d) for d in days]

    @property
    def day(self) -> int:
        """Days simulated so far."""
        return self.model.day

    @property
    def finished(self) -> bool:
        """Whether the run reached its horizon."""
        return self.model.day >= self.model.horizon

    def advance(self, days: int) -> int:
        """Simulate up to ``days`` more days; returns the number simulated."""
        first = self.model.day
        self.model.run(max(int(days), 0))
        last = self.model.day
        if last > first:
            index = self.model.series.data["escalation_index"][first:last]
            # across worlds: the 90% band, the 50% band, the median
            self.quantiles[first:last] = quantiles(index, QUANTILES).T
            self._read_events()
        return last - first

    def _read_events(self) -> None:
        """Decode the event-log rows of world 0 written since the last call, and only those
        (the model's own decoder, run on the new rows)."""
        log = self.model.events
        if log is None:
            return
        new = log.blocks[self._blocks_read :]
        self._blocks_read = len(log.blocks)
        rows = [b[b[:, 0] == 0] for b in new]  # column 0: the replica's index in the model
        rows = [r for r in rows if len(r)]
        if not rows:
            return
        newest = np.concatenate(rows)
        # The feed's length of rows, widened to whole days: the decoder orders a day's rows by
        # actor, so a day cut in its logged order would show other events than the event log.
        day = newest[:, FIELDS.index("day")]
        newest = newest[day >= day[-min(self.feed.maxlen or len(day), len(day))]]
        view = copy.copy(log)
        view.blocks = [newest]
        frame = view.frame(self.model.ladder, self.model.replica_ids, self.model.start_date)
        labels = self.model.ladder.label_of
        for row in frame.itertuples():
            note = rung_note(row.action)
            self.feed.append(event_sentence(row, labels) + (f" — {note}" if note else ""))

    def median_now(self) -> float:
        """Median escalation index across worlds after the latest day (0 before day 1)."""
        return float(self.quantiles[self.day - 1, 2]) if self.day else 0.0

    def index_text(self) -> str:
        """Today's median index and what it means."""
        value = self.median_now()
        return f"Escalation index now: {value:.1f} / 10 — {index_words(value, self.model.ladder)}"

    def chart_option(self) -> dict[str, Any]:
        """An ECharts option: the escalation index by date, the median with the bands where
        50% and 90% of the worlds lie (a single line for one world)."""
        return chart_option(self.dates, self.quantiles[: self.day], self.model.n_replicas)


def _rounded(values: np.ndarray) -> list[float]:
    return np.round(values, 2).tolist()


def chart_option(
    dates: list[str],
    quantiles: np.ndarray,
    worlds: int,
    extra: list[dict[str, Any]] | None = None,
    band_name: str = "worlds",
) -> dict[str, Any]:
    """ECharts option of the escalation index over ``dates`` (the whole horizon, so the axis
    does not move as days are added): ``quantiles`` (days x 5, :data:`QUANTILES`) drawn as a
    median with 50% and 90% bands, or as one line when ``worlds`` is 1; ``extra`` series on
    top (e.g. a student's game)."""
    low90, low50, median, high50, high90 = (quantiles[:, i] for i in range(5))
    series: list[dict[str, Any]] = []
    if worlds > 1:
        for stack, low, high, opacity, name in (
            ("90", low90, high90, 0.18, f"90% of {worlds} {band_name}"),
            ("50", low50, high50, 0.35, f"50% of {worlds} {band_name}"),
        ):
            common = {"type": "line", "stack": stack, "symbol": "none", "silent": True}
            series.append({**common, "data": _rounded(low), "lineStyle": {"opacity": 0}})
            series.append(
                {
                    **common,
                    "name": name,
                    "data": _rounded(high - low),
                    "lineStyle": {"opacity": 0},
                    "areaStyle": {"color": "#d62728", "opacity": opacity},
                    "itemStyle": {"color": "#e8a0a0"},
                }
            )
    series.append(
        {
            "type": "line",
            "name": "median" if worlds > 1 else "escalation index",
            "data": _rounded(median),
            "symbol": "none",
            "lineStyle": {"width": 3, "color": "#d62728"},
            "itemStyle": {"color": "#d62728"},
        }
    )
    series += extra or []
    return {
        "animation": False,
        "grid": {"left": 60, "right": 20, "top": 50, "bottom": 60},
        "legend": {"top": 0, "textStyle": {"fontSize": 16}},
        "tooltip": {"trigger": "axis"},
        "xAxis": {
            "type": "category",
            "data": dates,
            "name": "date",
            "nameLocation": "middle",
            "nameGap": 35,
            "nameTextStyle": {"fontSize": 16},
            "axisLabel": {"fontSize": 15},
        },
        "yAxis": {
            "type": "value",
            "min": 0,
            "max": 10,
            "name": "escalation index (0 = quiet, 10 = top of the ladder)",
            "nameTextStyle": {"fontSize": 15, "align": "left"},
            "axisLabel": {"fontSize": 15},
        },
        "series": series,
    }


def totals_text(model: EscalationModel, hint: str = "press *Step* or *Play*") -> str:
    """Running totals with **bold** numbers: the median over worlds, or the one game's own."""
    if model.day == 0:
        return f"**Day 0** — {hint}."
    d = model.series.data
    t = model.day - 1
    med = {
        k: int(np.median(d[k][t]))
        for k in ("cum_attacks", "cum_strikes", "cum_us_killed", "cum_militia_killed", "us_troops")
    }
    date = model.date_of(t).astype(object)
    where = (
        "so far in this game"
        if model.n_replicas == 1
        else f"median of {model.n_replicas} simulated worlds"
    )
    return (
        f"**Day {model.day}** ({date.day} {date:%b %Y}) — {where}: militia attacks "
        f"**{med['cum_attacks']}**, US strikes **{med['cum_strikes']}**, US killed "
        f"**{med['cum_us_killed']}**, militia killed **{med['cum_militia_killed']}**, US troops "
        f"in Iraq **{med['us_troops']}**"
    )
