"""Every value the browser sends, checked on the server before the model sees it.

A browser is not trusted: a crafted widget message can set any control to any value (a
string where a number belongs, a million replicas, a policy given as a mapping that names a
file). So the app never passes a widget's value on as it came: each control is declared here
with its type and bounds, :func:`parse` turns a raw value into a checked one or raises
:class:`BadInput` with a sentence a student can act on, and the scenario built from checked
values then goes through :func:`sim.config.validation.validate`, the command line's own
validation. Policies are chosen by name from a fixed list, so no browser value can reach a
policy's parameters (the ``human`` policy's ``log`` names a file: it is never offered).
"""

from __future__ import annotations

import csv
import io
import logging
import math
import numbers
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.config.schema import ScenarioConfig
from sim.config.validation import validate
from sim.core.params import ConfigError
from sim.policies import POLICIES, policies_for

logger = logging.getLogger("sim.classroom")

START_DATE = np.datetime64("2023-10-17")
"""Day 0 of the classroom scenarios (the schema's default start)."""

HORIZON = 365
"""Days an Explore run lasts."""


class BadInput(ValueError):
    """A value from the browser that cannot be used; ``str()`` is the message to show."""


def _whole(value: Any) -> int:
    """An integer from a widget value (int, integral float or a digit string), else ValueError."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit() and len(value) < 30:
        return int(value.strip())
    raise ValueError(value)


def _real(value: Any) -> float:
    """A finite float from a widget value, else ValueError."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, numbers.Real) and math.isfinite(value):
        return float(value)
    if isinstance(value, str) and len(value) < 30:
        number = float(value)
        if math.isfinite(number):
            return number
    raise ValueError(value)


def _shown(value: Any) -> str:
    """A raw value as quoted back to the user, cut short (it may be huge)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass(frozen=True)
class Control:
    """One control: its type and bounds, and its value in words (shown beside it, since a
    slider shows its number only while dragged and a projector needs words).

    Args:
        name: Key of the value.
        label: What it sets, as shown.
        default: Starting value.
        low, high, step: Bounds and step of a number.
        choices: Allowed values of a choice.
        words: The value in words.
    """

    name: str
    label: str
    default: Any
    low: float | None = None
    high: float | None = None
    step: float = 1
    choices: tuple[str, ...] = ()
    words: Callable[[Any], str] = field(default=str, compare=False)

    @property
    def kind(self) -> type:
        """int, float, bool or str, from the default."""
        return type(self.default)

    def parse(self, raw: Any) -> Any:
        """The checked value of a raw browser value; :class:`BadInput` if it cannot be used."""
        try:
            if self.kind is bool:
                if not isinstance(raw, bool):
                    raise ValueError(raw)
                return raw
            if self.kind is str:
                if not isinstance(raw, str) or raw not in self.choices:
                    raise ValueError(raw)
                return raw
            value = _whole(raw) if self.kind is int else _real(raw)
        except (ValueError, TypeError, OverflowError):
            raise BadInput(f"{self.label}: {self.expected()} (got {_shown(raw)}).") from None
        if not self.low <= value <= self.high:  # type: ignore[operator]
            raise BadInput(f"{self.label}: {self.expected()} (got {_shown(raw)}).")
        return value

    def describe(self, raw: Any) -> str:
        """A raw browser value in words, or what the control accepts if it cannot be used."""
        try:
            return self.words(self.parse(raw))
        except BadInput:
            return self.expected()

    def expected(self) -> str:
        """What the control accepts, in words."""
        if self.kind is bool:
            return "on or off"
        if self.kind is str:
            return "one of " + ", ".join(self.choices)
        what = "a whole number" if self.kind is int else "a number"
        return f"{what} from {self.low:,g} to {self.high:,g}"


def month_words(month: int) -> str:
    """A month of the scenario in words, e.g. 6 -> 'month 6 (April 2024)'."""
    date = (START_DATE.astype("datetime64[M]") + np.timedelta64(month, "M")).astype(object)
    return f"month {month} ({date:%B %Y})"


def day_words(day: int) -> str:
    """A day of the scenario in words, e.g. 100 -> 'day 100 (25 Jan 2024)'."""
    date = (START_DATE + np.timedelta64(day, "D")).astype(object)
    return f"day {day} ({date.day} {date:%b %Y})"


def policy_words(name: str) -> str:
    """A policy's name and the first line of its docstring ('tit for tat: Answer in kind...')."""
    doc = (POLICIES[name].__doc__ or "").strip().splitlines()[0].replace("``", "")
    return f"{name.replace('_', ' ')}: {doc}"


def _share(level: str) -> Callable[[float], str]:
    def words(x: float) -> str:
        band = "low" if x < 0.34 else "medium" if x < 0.67 else "high"
        return f"{x:.2f} ({band} {level})"

    return words


def _choices(actor: str) -> tuple[str, ...]:
    return tuple(p for p in policies_for(actor) if p != "human")


EXPLORE = (
    Control(
        "withdrawal_start",
        "Coalition withdrawal starts",
        -1,
        -1,
        24,
        words=lambda m: "never (no scheduled withdrawal)" if m < 0 else f"at {month_words(m)}",
    ),
    Control(
        "withdrawal_months",
        "Withdrawal lasts",
        12,
        0,
        24,
        words=lambda m: "all at once" if m == 0 else f"{m} month{'s' if m != 1 else ''}",
    ),
    Control("us_policy", "US policy", "proportional", choices=_choices("us"), words=policy_words),
    Control(
        "militia_policy",
        "Militia policy",
        "hazard",
        choices=_choices("militia"),
        words=policy_words,
    ),
    Control(
        "noise",
        "Misperception",
        0.05,
        0.0,
        0.3,
        0.01,
        words=lambda x: f"{x:.0%} of actions misread one rung up or down",
    ),
    Control("iran_restraint", "Iranian restraint", 0.3, 0.0, 1.0, 0.05, words=_share("restraint")),
    Control(
        "war_intensity",
        "Regional war intensity",
        1.0,
        0.0,
        1.0,
        0.05,
        words=lambda x: f"{x:.2f} (1 = the Gaza war at its October 2023 peak)",
    ),
    Control(
        "shock",
        "Mass-casualty attack shock",
        False,
        words=lambda on: "on" if on else "off",
    ),
    Control("shock_day", "Shock on", 100, 0, HORIZON - 1, words=day_words),
    Control("seed", "Seed", 0, 0, 999_999, words=lambda s: f"random world number {s}"),
    Control(
        "replicas",
        "Simulated worlds",
        20,
        1,
        200,
        words=lambda r: "1 world" if r == 1 else f"{r} worlds (bands show their spread)",
    ),
)
"""The Explore page's controls, in the order shown."""

EXPLORE_DEFAULTS = {c.name: c.default for c in EXPLORE}


def parse_all(controls: tuple[Control, ...], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Every control's checked value (its default when absent); unknown keys are refused."""
    names = {c.name for c in controls}
    unknown = sorted(map(str, set(raw) - names))
    if unknown:
        raise BadInput(f"Unknown setting: {_shown(unknown[0])}.")
    return {c.name: c.parse(raw.get(c.name, c.default)) for c in controls}


def checked(config: Mapping[str, Any]) -> ScenarioConfig:
    """The command line's validation of a scenario, its error as :class:`BadInput`."""
    try:
        return validate(config)
    except ConfigError as error:
        raise BadInput(f"This scenario cannot be run: {error}.") from None


def explore_scenario(raw: Mapping[str, Any]) -> ScenarioConfig:
    """The scenario of the Explore page's controls (raw browser values), fully checked."""
    v = parse_all(EXPLORE, raw)
    config: dict[str, Any] = {
        "seed": v["seed"],
        "replicas": v["replicas"],
        "horizon_days": HORIZON,
        "us": {"policy": {"name": v["us_policy"]}},
        "militia": {"policy": {"name": v["militia_policy"]}},
        "perception": {"noise": v["noise"]},
        "iran": {"restraint": v["iran_restraint"]},
        "regional_war": {"initial": v["war_intensity"]},
        "withdrawal": {
            "start_month": None if v["withdrawal_start"] < 0 else v["withdrawal_start"],
            "duration_months": v["withdrawal_months"],
        },
    }
    if v["shock"]:
        config["shocks"] = [
            {"day": v["shock_day"], "actor": "militia", "action": "mass_casualty_attack"}
        ]
    return checked(config)


SEED = Control("seed", "Seed", 0, 0, 999_999, words=lambda s: f"random world number {s}")
TURN_DAYS = Control(
    "turn_days",
    "Days per turn",
    7,
    1,
    28,
    words=lambda d: "a week" if d == 7 else f"{d} day{'s' if d != 1 else ''}",
)


def turns(default: int, most: int) -> Control:
    """The number of turns of a game (Play and class games differ in default and bound)."""
    return Control(
        "turns", "Turns", default, 1, most, words=lambda n: f"{n} turn{'s' if n != 1 else ''}"
    )


PLAY = (
    Control(
        "role",
        "Your role",
        "us",
        choices=("us", "iraq"),
        words=lambda r: {"us": "the United States", "iraq": "the Iraqi government"}[r],
    ),
    SEED,
    turns(26, 104),
    TURN_DAYS,
)
"""The Play page's settings."""

PLAY_DEFAULTS = {c.name: c.default for c in PLAY}


def play_settings(raw: Mapping[str, Any]) -> tuple[ScenarioConfig, str, int]:
    """(scenario, role, days per turn) of the Play page's settings (raw browser values)."""
    v = parse_all(PLAY, raw)
    scenario = checked({"seed": v["seed"], "horizon_days": v["turns"] * v["turn_days"]})
    return scenario, v["role"], v["turn_days"]


CLASS = (
    SEED,
    turns(12, 52),
    TURN_DAYS,
    Control(
        "turn_seconds",
        "Seconds to choose",
        90,
        10,
        600,
        words=lambda t: f"{t} seconds per turn",
    ),
)
"""The settings of a class room (the instructor's)."""

CLASS_DEFAULTS = {c.name: c.default for c in CLASS}


def class_settings(raw: Mapping[str, Any]) -> tuple[ScenarioConfig, int, int]:
    """(scenario, days per turn, seconds per turn) of a room's settings (raw browser values)."""
    v = parse_all(CLASS, raw)
    scenario = checked({"seed": v["seed"], "horizon_days": v["turns"] * v["turn_days"]})
    return scenario, v["turn_days"], v["turn_seconds"]


ROOM_CODE = re.compile(r"[A-Z2-9]{5}")


def room_code(raw: Any) -> str:
    """A room code as typed (any case, spaces around), checked for its form."""
    code = raw.strip().upper() if isinstance(raw, str) else ""
    if not ROOM_CODE.fullmatch(code):
        raise BadInput("A room code is 5 letters or digits, as shown on the projector.")
    return code


UPLOAD_LIMIT = 64 * 1024
"""Largest replay file accepted (bytes): a year of weekly turns is about 3 KB."""


def read_uploaded_choices(data: bytes, limit: int = UPLOAD_LIMIT) -> list[tuple[int, str]]:
    """The (day, action) turns of an uploaded ``choices.csv``, read in memory.

    An upload is never written to disk nor named as a path (the ``human`` policy's ``log``
    stays out of the browser's reach); ``data`` is at most ``limit`` bytes of the upload
    (the caller reads ``limit + 1`` to tell a larger file).
    """
    if len(data) > limit:
        raise BadInput(f"That file is larger than {limit // 1024} KB: it is not a choices.csv.")
    try:
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    except (UnicodeDecodeError, csv.Error):
        raise BadInput("That file is not a CSV file (choose the game's choices.csv).") from None
    if not rows or not {"day", "action"} <= set(rows[0]):
        raise BadInput("A choices.csv has the columns turn, day, date, level and action.")
    turns = []
    for number, row in enumerate(rows, start=1):
        try:
            day = _whole(row["day"])
        except ValueError:
            raise BadInput(f"Row {number} of the file has no day number.") from None
        turns.append((day, str(row["action"])))
    return turns


SORRY = "Something went wrong on the server; the run was stopped. Try again, or reload the page."
"""What a student sees when the server fails unexpectedly (the details go to the server log)."""


def guarded(action: Callable[[], Any], on_error: Callable[[str], None]) -> Callable[[], None]:
    """``action`` with no traceback ever reaching the page: a :class:`BadInput` is shown as
    it is, anything else as :data:`SORRY` with the traceback in the server log."""

    def run() -> None:
        try:
            action()
        except BadInput as error:
            on_error(str(error))
        except Exception:
            logger.exception("classroom app: unexpected error")
            on_error(SORRY)

    return run
