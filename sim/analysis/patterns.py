"""Pattern-oriented checks (Grimm et al. 2005, *Science* 310): what follows the first deadly
attack on US forces, in the model and in the record.

Tower 22 (28 Jan 2024) was the first attack of the wave that killed US soldiers. The model's
analogue in each replica is its first day with US deaths. Around it we measure the patterns
that the calibration (which stops the day before Tower 22) was not fitted to.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.escalation import EscalationModel

BEFORE_DAYS = 28
AFTER_DAYS = 60

RECORD = {
    "attacks_per_day_before": 38 / 28,  # 102 on 21 Dec 2023 -> 140 on 18 Jan 2024 (DoD)
    "attacks_per_day_after": 2 / 84,  # early Feb -> 22 Apr 2024: none, then 2 (Ryder)
    "days_to_major_strike": 5,  # 28 Jan -> 2 Feb 2024: 85 targets
    "days_to_targeted_killing": 10,  # 28 Jan -> 7 Feb 2024: Abu Baqir al-Saadi
    "days_to_truce": 2,  # 28 Jan -> 30 Jan 2024: Kataib Hezbollah suspends attacks
    "lull_days": 78,  # ~4 Feb -> 22 Apr 2024: no attacks on US forces in Iraq and Syria
}
"""The record's values of the patterns (sources: sim/data/*.csv, docs/data_sources.md)."""


def _first(mask: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Per replica (columns), days from ``start`` to the first True at or after it (NaN if
    none)."""
    out = np.full(mask.shape[1], np.nan)
    for r in range(mask.shape[1]):
        if start[r] < 0:
            continue
        hits = np.flatnonzero(mask[start[r] :, r])
        if hits.size:
            out[r] = hits[0]
    return out


def first_deadly_attack_patterns(model: EscalationModel) -> pd.DataFrame:
    """One row per replica that saw US deaths: the patterns around its first deadly attack.

    Columns: replica, day (of the first deadly attack), attacks_per_day_before (the 28 days
    before), attacks_per_day_after (days 7-66 after: the record's lull began about a week after
    Tower 22), days_to_major_strike (first US strike at level >= 5 on or after the attack day),
    days_to_targeted_killing, days_to_truce (first militia truce), lull_days (days from a week
    after the attack until the first 7-day window with at least half the pre-attack rate;
    censored at the horizon).
    """
    data = model.series.data
    killed = data["us_killed"][: model.day]
    attacks = data["militia_attacks"][: model.day].astype(float)
    days = killed.shape[0]
    deadly = killed > 0
    has = deadly.any(axis=0)
    first = np.where(has, deadly.argmax(axis=0), -1)
    # Days of major US strikes, targeted killings and truces, from the event log.
    strikes5 = np.zeros(killed.shape, dtype=bool)
    kills = np.zeros(killed.shape, dtype=bool)
    truces = np.zeros(killed.shape, dtype=bool)
    if model.events is not None:
        ev = model.event_log()
        ev = ev[ev.replica.isin(model.replica_ids)]
        index = {int(r): i for i, r in enumerate(model.replica_ids)}
        for row in ev[(ev.actor == "us") & (ev.rung >= 5)].itertuples():
            strikes5[row.day, index[row.replica]] = True
        for row in ev[ev.action == "targeted_killing"].itertuples():
            kills[row.day, index[row.replica]] = True
        for row in ev[(ev.actor == "militia") & (ev.action == "truce")].itertuples():
            truces[row.day, index[row.replica]] = True
    rows = []
    rate_after_window = (7, 7 + AFTER_DAYS)
    for r in np.flatnonzero(has):
        d = first[r]
        if d < BEFORE_DAYS or d + rate_after_window[1] > days:
            continue  # not enough days on either side to measure
        before = attacks[d - BEFORE_DAYS : d, r].mean()
        after = attacks[d + rate_after_window[0] : d + rate_after_window[1], r].mean()
        weekly = np.convolve(attacks[d + 7 :, r], np.ones(7), "valid") / 7
        recovered = np.flatnonzero(weekly >= 0.5 * before) if before > 0 else np.array([0])
        lull = float(recovered[0]) if recovered.size else float(len(weekly))
        rows.append(
            {
                "replica": int(model.replica_ids[r]),
                "day": int(d),
                "attacks_per_day_before": before,
                "attacks_per_day_after": after,
                "lull_days": lull,
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    cols = out.replica.map({int(rid): i for i, rid in enumerate(model.replica_ids)}).to_numpy()
    starts = out.day.to_numpy()
    for name, mask in (
        ("days_to_major_strike", strikes5),
        ("days_to_targeted_killing", kills),
        ("days_to_truce", truces),
    ):
        out[name] = _first(mask[:, cols], starts)
    return out


def compare_with_record(patterns: pd.DataFrame) -> pd.DataFrame:
    """Median and 25-75% range of each pattern across replicas, beside the record's value."""
    rows = []
    for name, recorded in RECORD.items():
        values = patterns[name].dropna()
        rows.append(
            {
                "pattern": name,
                "record": recorded,
                "model_median": values.median() if len(values) else np.nan,
                "model_q25": values.quantile(0.25) if len(values) else np.nan,
                "model_q75": values.quantile(0.75) if len(values) else np.nan,
                "replicas": len(values),
                "share_reached": len(values) / max(len(patterns), 1),
            }
        )
    return pd.DataFrame(rows)
