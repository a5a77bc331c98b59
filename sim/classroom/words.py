"""The model in plain words for a class: what each rung of the ladder and each of Iran's
orders means and does, and what a value of the escalation index means.

The ladder's ``label`` names a rung; a student also needs to know why it matters, in one line.
Those lines live here, beside the app, not in the ladder file (the model reads that file and
needs none of this); ``tests/test_app.py`` checks that every rung of the default ladder has one.
"""

from __future__ import annotations

import numpy as np

from sim.core.ladder import Ladder

RUNG_NOTES = {
    "withdrawal_step": "part of the coalition leaves Iraq: fewer US targets, less to fight over",
    "truce": "a pause in operations: no attacks or strikes while it holds",
    "mediation": "Baghdad brokers talks between the US and the militias to calm things down",
    "none": "nothing is done this time",
    "condemn": "words only: a public protest that costs nothing on the ground",
    "threaten": "a warning of force to come; no one is hurt",
    "demand_withdrawal": "Iraq's government tells the coalition to leave: pressure on the US",
    "sanction": "financial sanctions or a terrorist designation: slows militia supply a little",
    "harassment_attack": "a drone or rocket attack on a base; usually no one is killed",
    "limited_strike": "US strikes on militia depots or facilities; few deaths, angers Baghdad",
    "casualty_attack": "an attack aimed at killing US personnel",
    "strike_campaign": "many US strikes at once (like 2 Feb 2024): dozens of militia deaths",
    "mass_casualty_attack": "an attack that kills several Americans (Tower 22, 28 Jan 2024)",
    "targeted_killing": "the US kills a militia commander (Baghdad, 7 Feb 2024): revenge follows",
}
"""One line per rung of the default ladder: what it is, and what it does in the model."""


IRAN_ORDER_WORDS = {
    "halt": (
        "order every faction to halt",
        "ordered a halt",
        "the factions that heed Iran declare a truce while the halt lasts; the others feel "
        "strong restraint",
    ),
    "restrain": (
        "urge restraint",
        "urged restraint",
        "Iran's usual line: pressure on the US, but no war with it; no halt",
    ),
    "back": (
        "back the campaign",
        "backed the campaign",
        "no restraint and more supplies: the militias rebuild their strength faster",
    ),
}
"""Iran's orders (:data:`sim.config.schema.IRAN_ORDERS`): the button's label, what the debrief
says Iran's team did, and what the order does in the model, one line."""


def rung_note(name: str) -> str:
    """The one-line note of a rung ('' for a rung of a custom ladder without one)."""
    return RUNG_NOTES.get(name, "")


def move_note(actor: str, name: str) -> str:
    """The one-line note of a move open to ``actor``: one of Iran's orders, or a rung."""
    if actor == "iran":
        return IRAN_ORDER_WORDS[name][2]
    return rung_note(name)


def index_words(value: float, ladder: Ladder, threshold: float = 5.0) -> str:
    """What an escalation index means, e.g. 'as if the worst act of each recent day were a
    drone/rocket attack on a US base (level 4 of 6)'.

    The index is a moving average (a half-life of days) of ten times the day's highest level
    over the top level, so index x corresponds to a typical worst act of level x * top / 10.
    """
    top = int(ladder.level.max())
    level = float(np.clip(value * top / 10, 0, top))
    if level < 0.5:
        return "quiet: hardly any hostile act recently"

    def acts(lv: int) -> str:
        names = [n for n, x in zip(ladder.names, ladder.level, strict=True) if x == lv]
        return " or ".join(ladder.label_of[n] for n in names) + f" (level {lv} of {top})"

    low, high = int(np.floor(level)), int(np.ceil(level))
    crisis = "; a crisis" if value >= threshold else ""
    if high - level < 0.25 or low == 0:
        return f"as if the worst act of each recent day were: {acts(high)}{crisis}"
    if level - low < 0.25:
        return f"as if the worst act of each recent day were: {acts(low)}{crisis}"
    return (
        f"as if the worst act of each recent day were between {acts(low)} and {acts(high)}{crisis}"
    )


def index_explanation(half_life_days: float, threshold: float) -> str:
    """One paragraph on the escalation index, shown where the index is shown."""
    return (
        "The escalation index runs from 0 (quiet) to 10 (the top of the ladder every day). "
        "Each day it moves toward the most severe act of that day, and older days fade "
        f"(half of a day's weight is gone after {half_life_days:g} days). From "
        f"{threshold:g} on, the model counts the day as a crisis day."
    )
