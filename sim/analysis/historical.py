"""Loaders for the public record of 2023-24 shipped in ``sim/data/`` (see docs/data_sources.md).

Every table is tidy (one observation per row) and every row names its source; the loaders
refuse a table with an unsourced row, so nothing uncited can slip into a comparison.
"""

from __future__ import annotations

import pandas as pd

from sim.paths import DATA_DIR


def _load(name: str) -> pd.DataFrame:
    df = pd.read_csv(DATA_DIR / name, parse_dates=["date"])
    unsourced = df[df["source"].isna() | df["url"].isna()]
    if not unsourced.empty:
        raise ValueError(f"{name}: rows without a source: {list(unsourced.index)}")
    return df


def attack_counts() -> pd.DataFrame:
    """Cumulative militia attacks on US forces in Iraq and Syria since 17 Oct 2023, as
    reported on given dates (DoD briefings as relayed by the press)."""
    return _load("attack_counts.csv")


def key_events() -> pd.DataFrame:
    """Dated key actions of the episode, each mapped to a rung of the default ladder."""
    return _load("events.csv")


def troop_levels() -> pd.DataFrame:
    """US troop levels in Iraq and Syria as reported."""
    return _load("troops.csv")


def monthly_attacks() -> pd.DataFrame:
    """Militia attacks on US forces in Iraq and Syria per month, Feb - Aug 2024 (``kind``:
    a reported count, a lower bound from listed incidents, or none reported)."""
    return _load("monthly_attacks.csv")


def regional_war() -> pd.DataFrame:
    """The dated schedule of the regional war's intensity (dates sourced, intensities an
    assumption), which ``regional_war.schedule: record`` runs."""
    return _load("regional_war.csv")
