"""In-run recording: daily series in preallocated arrays, actions as filtered array chunks.

Both become tidy pandas tables (one observation per row) only when asked, so the step loop
pays for an array copy per variable per day and nothing else.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SERIES = {
    "escalation_index": "Escalation index, 0-10: EWMA of the day's highest rung level",
    "peak_level": "Highest escalation level any actor played that day",
    "goldstein": "Sum of the Goldstein scores of the day's actions",
    "militia_attacks": "Militia attacks on US forces (actions at level >= 4)",
    "us_strikes": "US strikes on militias (actions at level >= 4)",
    "us_killed": "US service members killed",
    "us_wounded": "US service members wounded",
    "militia_killed": "Militia members killed by US action",
    "cum_attacks": "Cumulative militia attacks",
    "cum_strikes": "Cumulative US strikes",
    "cum_us_killed": "Cumulative US killed",
    "cum_us_wounded": "Cumulative US wounded",
    "cum_militia_killed": "Cumulative militia killed",
    "us_troops": "US troops in Iraq",
    "us_pressure": "US domestic pressure to retaliate, 0-1",
    "us_deterrence": "US deterrence credibility, 0-1",
    "us_force_protection": "US force-protection level, 0-1",
    "iraq_grievance": "Iraqi sovereignty grievance, 0-1",
    "iraq_pressure": "Iraqi pressure to end the coalition mission, 0-1",
    "militia_capability": "Mean militia capability over factions, 0-1",
    "militia_grievance": "Mean militia grievance over factions, 0-1",
    "iran_restraint": "Iranian restraint signal, 0-1",
    "regional_war": "Regional war intensity, 0-1",
}
"""Daily series and what they mean (the column documentation of timeseries.parquet)."""

COUNTS = {
    "peak_level",
    "militia_attacks",
    "us_strikes",
    "us_killed",
    "us_wounded",
    "militia_killed",
    "cum_attacks",
    "cum_strikes",
    "cum_us_killed",
    "cum_us_wounded",
    "cum_militia_killed",
    "us_troops",
}


COUNT_SERIES = tuple(k for k in SERIES if k in COUNTS)
"""The integer series, in the order of :attr:`SeriesRecorder.counts`."""
LEVEL_SERIES = tuple(k for k in SERIES if k not in COUNTS)
"""The float series, in the order of :attr:`SeriesRecorder.levels`."""


class SeriesRecorder:
    """Daily values of every series in :data:`SERIES`, shape (days, replicas).

    The series are views of two blocks, counts (:data:`COUNT_SERIES`, integers) and levels
    (:data:`LEVEL_SERIES`, floats), each (series, days, replicas): the compiled run of days
    (:mod:`sim.model.engine`) writes a day of every series through them.
    """

    def __init__(self, horizon: int, n_replicas: int) -> None:
        self.counts = np.zeros((len(COUNT_SERIES), horizon, n_replicas), dtype=np.int64)
        self.levels = np.zeros((len(LEVEL_SERIES), horizon, n_replicas))
        views = {k: self.counts[i] for i, k in enumerate(COUNT_SERIES)}
        views.update({k: self.levels[i] for i, k in enumerate(LEVEL_SERIES)})
        self.data = {k: views[k] for k in SERIES}

    def record(self, t: int, values: dict[str, np.ndarray | float]) -> None:
        """Store day t's values."""
        for k, v in values.items():
            self.data[k][t] = v

    def frame(self, days: int, replica_ids: np.ndarray, start: np.datetime64) -> pd.DataFrame:
        """The first ``days`` days as a tidy table: one row per replica per day."""
        n = len(replica_ids)
        day = np.repeat(np.arange(days), n)
        cols = {
            "replica": np.tile(replica_ids, days),
            "day": day,
            "date": (start + day.astype("timedelta64[D]")).astype("datetime64[ns]"),
        }
        cols.update({k: v[:days].reshape(-1) for k, v in self.data.items()})
        return pd.DataFrame(cols).sort_values(["replica", "day"], kind="stable", ignore_index=True)


EVENT_FIELDS = (
    "replica",
    "day",
    "party",
    "target_party",
    "rung",
    "perceived",
    "perceived_level",
    "attributed",
    "killed",
    "wounded",
)


class EventLog:
    """One row per action (no-action days are not logged), kept as array chunks."""

    def __init__(self) -> None:
        self.chunks: list[dict[str, np.ndarray]] = []

    def log(self, mask: np.ndarray, **cols: np.ndarray | int) -> None:
        """Log the replicas where ``mask`` holds; scalar columns are broadcast."""
        idx = np.flatnonzero(mask)  # 2-D masks (replica x faction) flatten row-major
        if idx.size == 0:
            return
        chunk = {}
        for k in EVENT_FIELDS:
            v = cols[k]
            chunk[k] = v.reshape(-1)[idx] if isinstance(v, np.ndarray) else np.full(idx.size, v)
        self.chunks.append(chunk)

    def frame(
        self,
        ladder,
        parties: list[str],
        actors: list[str],
        replica_ids: np.ndarray,
        start: np.datetime64,
    ) -> pd.DataFrame:
        """The log as a tidy table with names in place of codes."""
        if self.chunks:
            cols = {k: np.concatenate([c[k] for c in self.chunks]) for k in EVENT_FIELDS}
        else:
            cols = {k: np.zeros(0, dtype=np.int64) for k in EVENT_FIELDS}
        names = np.array(ladder.names, dtype=object)
        party_names = np.array(parties, dtype=object)
        actor_of = np.array(actors, dtype=object)
        day = cols["day"].astype(np.int64)
        attributed = np.where(cols["attributed"] >= 0, party_names[cols["attributed"]], "")
        df = pd.DataFrame(
            {
                "replica": replica_ids[cols["replica"]],
                "day": day,
                "date": (start + day.astype("timedelta64[D]")).astype("datetime64[ns]"),
                "actor": actor_of[cols["party"]],
                "actor_name": party_names[cols["party"]],
                "target": actor_of[cols["target_party"]],
                "target_name": party_names[cols["target_party"]],
                "action": names[cols["rung"]],
                "rung": ladder.level[cols["rung"]],
                "severity": ladder.goldstein[cols["rung"]],
                "perceived_as": names[cols["perceived"]],
                "perceived_level": cols["perceived_level"].astype(np.int64),
                "attributed_to": attributed,
                "killed": cols["killed"].astype(np.int64),
                "wounded": cols["wounded"].astype(np.int64),
            }
        )
        return df.sort_values(["replica", "day", "actor"], kind="stable", ignore_index=True)
