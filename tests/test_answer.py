"""The withdrawal answer: paired differences against never, its words, labels and figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.metrics import summarize
from sim.model.escalation import EscalationModel
from sim.sweeps.answer import answer, headline, in_words, plot_answer, timing_label

START = np.datetime64("2023-10-17")
POINTS = (None, 0.0, 11.37)
REPLICAS = 60


@pytest.fixture(scope="module")
def sweep_summary() -> pd.DataFrame:
    """A small real sweep table: three withdrawal timings, two US policies, one seed (common
    random numbers), as the sweep's gathering labels it."""
    frames = []
    for policy in ("proportional", "restraint"):
        for months in POINTS:
            config = {
                "seed": 5,
                "replicas": REPLICAS,
                "horizon_days": 500,
                "withdrawal": {"start_month": months},
                "us": {"policy": {"name": policy}},
            }
            summary = summarize(EscalationModel(config, record_events=False).run())
            summary.insert(0, "withdrawal.start_month", np.nan if months is None else months)
            summary.insert(1, "us.policy", policy)
            frames.append(summary)
    return pd.concat(frames, ignore_index=True)


def test_changes_are_paired_replica_by_replica(sweep_summary):
    table = answer(sweep_summary)
    row = table[(table["us.policy"] == "proportional") & (table["timing"] == "Oct 2023 (at once)")]
    assert len(row) == 1
    s = sweep_summary[sweep_summary["us.policy"] == "proportional"]
    now = s[s["withdrawal.start_month"] == 0.0].set_index("replica")["total_attacks"]
    never = s[s["withdrawal.start_month"].isna()].set_index("replica")["total_attacks"]
    diff = (now - never).to_numpy(dtype=float)
    assert row["attacks_change"].item() == pytest.approx(diff.mean())
    half = 1.6448536269514722 * diff.std(ddof=1) / np.sqrt(len(diff))
    assert row["attacks_change_high"].item() - row["attacks_change"].item() == pytest.approx(half)
    # common random numbers: the paired interval is far narrower than two independent ensembles'
    unpaired = 1.6448536269514722 * np.sqrt((now.var() + never.var()) / len(diff))
    assert half < 0.7 * unpaired
    assert row["attacks"].item() == pytest.approx(now.median())
    # a withdrawal at once removes most targets: fewer attacks than never, in the model
    assert row["attacks_change_high"].item() < 0


def test_chances_are_shares_with_wilson_intervals(sweep_summary):
    table = answer(sweep_summary)
    s = sweep_summary[
        (sweep_summary["us.policy"] == "proportional")
        & sweep_summary["withdrawal.start_month"].isna()
    ]
    row = table[(table["us.policy"] == "proportional") & (table["timing"] == "never")]
    share = s["first_day_targeted_killing"].notna().mean()
    assert row["targeted_killing"].item() == pytest.approx(share)
    assert row["targeted_killing_low"].item() <= share <= row["targeted_killing_high"].item()
    assert row["targeted_killing_change"].item() == 0.0  # never against itself


def test_headline_is_the_reference_combination_in_words(sweep_summary):
    table = answer(sweep_summary)
    rows = headline(table)
    assert set(rows["us.policy"]) == {"proportional"}
    assert list(rows["timing"]) == ["never", "Oct 2023 (at once)", "Sep 2024 (as agreed)"]
    text = in_words(table)
    assert "US policy: proportional" in text and "militia posture: as configured" in text
    assert "Sep 2024 (as agreed)" in text and "never" in text


def test_no_answer_without_a_never_level(sweep_summary):
    assert answer(sweep_summary[sweep_summary["withdrawal.start_month"].notna()]) is None
    assert answer(sweep_summary.drop(columns="withdrawal.start_month")) is None


def test_timing_labels_read_as_dates():
    assert timing_label(None, START) == "never"
    assert timing_label(float("nan"), START) == "never"
    assert timing_label(0.0, START) == "Oct 2023 (at once)"
    assert timing_label(6.0, START) == "Apr 2024"
    assert timing_label(11.37, START) == "Sep 2024 (as agreed)"
    assert timing_label(24.0, START) == "Oct 2025"
    assert timing_label(6.0, None) == "month 6"


def test_figure_is_written(sweep_summary, tmp_path):
    path = plot_answer(answer(sweep_summary), tmp_path / "answer.png")
    assert path.stat().st_size > 10_000


def test_spillover_day_is_the_first_day_iran_risk_reaches_the_threshold():
    model = EscalationModel(
        {"seed": 2, "replicas": 80, "horizon_days": 400, "index": {"spillover_risk": 1.5}},
        record_events=False,
    ).run()
    summary = summarize(model)
    risk = model.series.data["iran_risk"][: model.day]
    for r in range(80):
        hit = np.flatnonzero(risk[:, r] >= 1.5)
        expected = hit[0] if hit.size else None
        got = summary["spillover_day"].iloc[r]
        assert (pd.isna(got) and expected is None) or got == expected
    assert summary["spillover_day"].notna().any() and summary["spillover_day"].isna().any()
