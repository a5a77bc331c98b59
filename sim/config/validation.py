"""Turn user input (a mapping from Hydra or Python, or a config object) into a checked config.

One mechanism serves every entry point: the dataclass schema in :mod:`sim.config.schema` is walked
field by field; unknown keys, wrong types, out-of-range values and impossible combinations
raise :class:`ConfigError`, whose one-line message names the key and what is allowed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from sim.config.initial_states import initial_states
from sim.config.schema import DEFAULT_POLICIES, ScenarioConfig, ShockConfig
from sim.core.ladder import (
    ACTING_ACTORS,
    FORCE_LEVEL,
    LadderConfig,
    RungConfig,
    ladder_names,
    read_ladder,
)
from sim.core.params import ConfigError
from sim.core.posterior import load_posterior, posterior_path
from sim.files import read_rows
from sim.policies import POLICIES, PolicyParams, policies_for

POLICY_FIELDS = {f"{actor}.policy": actor for actor in ACTING_ACTORS}


def validate(config: ScenarioConfig | Mapping[str, Any] | None = None) -> ScenarioConfig:
    """Return a fully checked :class:`ScenarioConfig` (policies resolved to their Params).

    Args:
        config: A ScenarioConfig, a (possibly partial) nested mapping of overrides to the
            defaults, or None for the default scenario.

    Raises:
        ConfigError: naming the first offending key and the allowed values.
    """
    if config is None:
        data: Any = {}
    elif dataclasses.is_dataclass(config):
        data = dataclasses.asdict(config)
    else:
        data = config
    cfg = _build(ScenarioConfig, data, "")
    _check_scenario(cfg)
    return cfg


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    """A schema class's field types, resolved once (resolving the string annotations is two
    thirds of a validation's cost, and every sweep job validates its config)."""
    return typing.get_type_hints(cls)


def _build(cls: type, data: Any, path: str) -> Any:
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        data = dataclasses.asdict(data)
    if not isinstance(data, Mapping):
        raise ConfigError(path or "config", f"expected a mapping, got {data!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(map(str, data)) - set(fields))
    if unknown:
        key = _join(path, unknown[0])
        raise ConfigError(key, f"unknown key; allowed keys here: {', '.join(fields)}")
    hints = _type_hints(cls)
    values = {}
    for name, f in fields.items():
        key = _join(path, name)
        if name in data:
            raw = data[name]
        elif f.default is not dataclasses.MISSING:
            raw = f.default
        else:
            raw = f.default_factory()  # type: ignore[misc]
        if key in POLICY_FIELDS:
            values[name] = _build_policy(POLICY_FIELDS[key], raw, key)
        elif key == "ladder" and isinstance(raw, str | Path):
            values[name] = _coerce(hints[name], _read_ladder(raw), key, f.metadata)
        elif key == "iran.orders" and isinstance(raw, str | Path):
            values[name] = _coerce(hints[name], _read_orders(raw), key, f.metadata)
        else:
            values[name] = _coerce(hints[name], raw, key, f.metadata)
    return cls(**values)


def _read_ladder(name: str | Path) -> Any:
    """A ladder given by name or path, read from its file (then checked like inline rungs)."""
    try:
        return read_ladder(name)
    except FileNotFoundError:
        raise ConfigError(
            "ladder",
            f"no ladder {str(name)!r}; choose from: {', '.join(ladder_names())}, or give the "
            "path of a YAML file with a 'rungs' list",
        ) from None
    except (OSError, yaml.YAMLError) as ex:
        first = str(ex).strip().splitlines()[0] if str(ex).strip() else type(ex).__name__
        raise ConfigError("ladder", f"cannot read {name}: {first}") from None


def _read_orders(path: str | Path) -> list[dict[str, Any]]:
    """Iran's orders from a CSV file (columns day, order and optionally days; a class game's
    ``iran_orders.csv``) as the list the schema checks, each row's whole numbers read as such
    (a row that is not one is then refused naming its row)."""
    key = "iran.orders"
    try:
        rows = read_rows(path, ("day", "order"))
    except ValueError as ex:
        raise ConfigError(key, str(ex)) from None

    def number(text: Any) -> Any:
        try:
            return int(str(text).strip())
        except ValueError:
            return text

    return [
        {"day": number(r["day"]), "order": (r["order"] or "").strip()}
        | ({"days": number(r["days"])} if r.get("days") not in (None, "") else {})
        for r in rows
    ]


def _build_policy(actor: str, raw: Any, key: str) -> PolicyParams:
    allowed = policies_for(actor)
    if raw is None:
        raw = {"name": DEFAULT_POLICIES[actor]}
    if dataclasses.is_dataclass(raw) and not isinstance(raw, type):
        raw = dataclasses.asdict(raw)
    if isinstance(raw, str):
        raw = {"name": raw}
    if isinstance(raw, Mapping) and "name" not in raw:
        raw = {"name": DEFAULT_POLICIES[actor], **raw}  # parameters of the default policy
    if not isinstance(raw, Mapping) or "name" not in raw:
        raise ConfigError(
            key,
            f"expected a policy name or a mapping with 'name'; choose from: {', '.join(allowed)}",
        )
    name = raw["name"]
    if name not in allowed:
        raise ConfigError(
            f"{key}.name", f"unknown {actor} policy {name!r}; choose from: {', '.join(allowed)}"
        )
    params = _build(POLICIES[name].Params, raw, key)
    if getattr(params, "fallback", None) is not None:  # a policy that plays when it does not
        params.fallback = _build_policy(actor, params.fallback, f"{key}.fallback")
    return params


def _type_name(tp: Any) -> str:
    return {int: "an integer", float: "a number", bool: "true or false", str: "a string"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _coerce(tp: Any, value: Any, key: str, meta: Mapping[str, Any]) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _coerce(args[0], value, key, meta)
    if origin is list:
        if not isinstance(value, list | tuple):
            raise ConfigError(key, f"expected a list, got {value!r}")
        (item,) = typing.get_args(tp)
        return [_coerce(item, v, f"{key}[{i}]", {}) for i, v in enumerate(value)]
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, key)
    if tp is Any:
        return value
    if value is None:
        raise ConfigError(key, f"must be {_type_name(tp)}, got null")
    value = _check_type(tp, value, key)
    _check_bounds(value, key, meta)
    return value


def _check_type(tp: Any, value: Any, key: str) -> Any:
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(key, f"must be true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise ConfigError(key, f"must be an integer, got {value!r}")
        return int(value)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(key, f"must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ConfigError(key, f"must be a finite number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(key, f"must be a string, got {value!r}")
        return value
    raise TypeError(f"{key}: unsupported schema type {tp!r}")  # a bug in the schema, not input


def _check_bounds(value: Any, key: str, meta: Mapping[str, Any]) -> None:
    choices = meta.get("choices")
    if choices is not None and value not in choices:
        raise ConfigError(key, f"must be one of {', '.join(choices)}; got {value!r}")
    lo, hi = meta.get("ge", meta.get("gt")), meta.get("le", meta.get("lt"))
    bad = (
        ("ge" in meta and value < meta["ge"])
        or ("gt" in meta and value <= meta["gt"])
        or ("le" in meta and value > meta["le"])
        or ("lt" in meta and value >= meta["lt"])
    )
    if bad:
        left = "[" if "ge" in meta else "("
        right = "]" if "le" in meta else ")"
        if lo is not None and hi is not None:
            allowed = f"in {left}{lo}, {hi}{right}"
        elif lo is not None:
            allowed = f"{'>=' if 'ge' in meta else '>'} {lo}"
        else:
            allowed = f"{'<=' if 'le' in meta else '<'} {hi}"
        raise ConfigError(key, f"must be {allowed}, got {value!r}")


def _check_scenario(cfg: ScenarioConfig) -> None:
    try:
        dt.date.fromisoformat(cfg.start_date)
    except ValueError:
        raise ConfigError(
            "start_date", f"must be a date YYYY-MM-DD, got {cfg.start_date!r}"
        ) from None
    if cfg.start_date not in initial_states():
        raise ConfigError(
            "start_date",
            f"no initial state is defined for {cfg.start_date}; choose from: "
            f"{', '.join(initial_states())} (sim/data/initial_states.yaml)",
        )
    if cfg.withdrawal.residual_troops > cfg.us.troops_iraq:
        raise ConfigError(
            "withdrawal.residual_troops",
            f"must not exceed us.troops_iraq ({cfg.us.troops_iraq}), got "
            f"{cfg.withdrawal.residual_troops}",
        )
    names = [f.name for f in cfg.militia.factions]
    if not names:
        raise ConfigError("militia.factions", "at least one faction is needed")
    if len(set(names)) != len(names):
        raise ConfigError("militia.factions", f"faction names must be unique, got {names}")
    for key, actor in POLICY_FIELDS.items():  # after the factions: a log may name them
        policy = getattr(cfg, actor).policy
        POLICIES[policy.name].check(policy, key, names if actor == "militia" else ())
    _check_ladder(cfg.ladder)
    _check_war_schedule(cfg.regional_war.schedule, cfg)
    if cfg.parameters == "posterior":
        load_posterior(posterior_path(cfg.posterior))  # one-line ConfigError if unusable
    for i, shock in enumerate(cfg.shocks):
        _check_shock(shock, f"shocks[{i}]", cfg, names)
    for i, order in enumerate(cfg.iran.orders):
        key = f"iran.orders[{i}]"
        if not cfg.iran.enabled:
            raise ConfigError(key, "Iran gives no orders when it is switched off (iran.enabled)")
        if order.day >= cfg.horizon_days:
            raise ConfigError(
                f"{key}.day", f"must be < horizon_days ({cfg.horizon_days}), got {order.day}"
            )


def _check_war_schedule(schedule: Any, cfg: ScenarioConfig) -> None:
    """A dated schedule: ``record`` or a list of {date, intensity} points, dates ascending,
    intensities in [0, 1], and at least one point on or before the horizon's last day."""
    key = "regional_war.schedule"
    if schedule is None or schedule == "record":
        return
    if isinstance(schedule, str) or not isinstance(schedule, Sequence) or not schedule:
        raise ConfigError(
            key, f"must be 'record' or a non-empty list of {{date, intensity}}, got {schedule!r}"
        )
    previous = None
    for i, point in enumerate(schedule):
        here = f"{key}[{i}]"
        if not isinstance(point, Mapping) or set(point) != {"date", "intensity"}:
            raise ConfigError(here, f"must be {{date: YYYY-MM-DD, intensity: 0-1}}, got {point!r}")
        try:
            day = dt.date.fromisoformat(str(point["date"]))
        except ValueError:
            raise ConfigError(
                f"{here}.date", f"must be a date YYYY-MM-DD, got {point['date']!r}"
            ) from None
        value = point["intensity"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ConfigError(f"{here}.intensity", f"must be a number in [0, 1], got {value!r}")
        if previous is not None and day <= previous:
            raise ConfigError(
                f"{here}.date", f"dates must be in ascending order, got {day} after {previous}"
            )
        previous = day
    start = dt.date.fromisoformat(cfg.start_date)
    first = dt.date.fromisoformat(str(schedule[0]["date"]))
    end = start + dt.timedelta(days=cfg.horizon_days - 1)
    if first > end:
        raise ConfigError(
            f"{key}[0].date",
            f"the schedule starts after the horizon ends ({end}), got {first}",
        )


KILLING_ACTORS = ("militia", "us")
"""Actors whose actions' deaths the day resolves (sim/model/resolve.py: a militia attack's, a
US strike's), so a shock may force them."""

REQUIRED_RUNGS = {"none": ACTING_ACTORS, "truce": ("militia",), "withdrawal_step": ("us",)}
"""Rungs the model itself plays (no action, an Iran-ordered truce, a withdrawal step)."""


def _check_ladder(ladder: LadderConfig) -> None:
    rungs: list[RungConfig] = ladder.rungs
    seen: dict[str, int] = {}
    owned: set[tuple[str, int]] = set()
    for i, r in enumerate(rungs):
        key = f"ladder.rungs[{i}]"
        if r.name in seen:
            raise ConfigError(f"{key}.name", f"duplicate rung name {r.name!r}")
        seen[r.name] = i
        for actor in r.actors:
            if actor not in ACTING_ACTORS:
                raise ConfigError(
                    f"{key}.actors",
                    f"unknown actor {actor!r}; choose from: {', '.join(ACTING_ACTORS)}",
                )
            if (actor, r.level) in owned:
                raise ConfigError(
                    f"{key}.level",
                    f"{actor} already has a rung at level "
                    f"{r.level}; each actor owns at most one rung per level",
                )
            owned.add((actor, r.level))
        if not -10.0 <= r.goldstein <= 10.0:
            raise ConfigError(f"{key}.goldstein", f"must be in [-10, 10], got {r.goldstein}")
        for name in ("killed_mean", "wounded_mean"):
            if getattr(r, name) < 0:
                raise ConfigError(f"{key}.{name}", f"must be >= 0, got {getattr(r, name)}")
        for name in (
            "capability_damage",
            "capability_cost",
            "grievance",
            "iraq_sovereignty",
            "coercion",
            "iran_risk",
        ):
            if not 0.0 <= getattr(r, name) <= 1.0:
                raise ConfigError(f"{key}.{name}", f"must be in [0, 1], got {getattr(r, name)}")
    for name, actors in REQUIRED_RUNGS.items():
        if name not in seen:
            raise ConfigError("ladder.rungs", f"the ladder needs a rung named {name!r}")
        missing = set(actors) - set(rungs[seen[name]].actors)
        if missing:
            raise ConfigError(
                f"ladder.rungs[{seen[name]}].actors",
                f"rung {name!r} must be open to {', '.join(sorted(missing))}",
            )
    if rungs[seen["none"]].level != 0:
        raise ConfigError(f"ladder.rungs[{seen['none']}].level", "rung 'none' must be level 0")


def _check_shock(shock: ShockConfig, key: str, cfg: ScenarioConfig, factions: list[str]) -> None:
    if shock.day >= cfg.horizon_days:
        raise ConfigError(
            f"{key}.day", f"must be < horizon_days ({cfg.horizon_days}), got {shock.day}"
        )
    rungs = {r.name: r for r in cfg.ladder.rungs}
    if shock.action not in rungs:
        raise ConfigError(
            f"{key}.action", f"unknown rung {shock.action!r}; choose from: {', '.join(rungs)}"
        )
    if shock.actor not in rungs[shock.action].actors:
        raise ConfigError(
            f"{key}.action",
            f"{shock.actor} cannot take {shock.action!r}; its "
            f"rungs: {', '.join(n for n, r in rungs.items() if shock.actor in r.actors)}",
        )
    if shock.killed is not None and rungs[shock.action].level < FORCE_LEVEL:
        raise ConfigError(
            f"{key}.killed",
            f"only a use of force (a rung of level >= {FORCE_LEVEL}) can kill; "
            f"{shock.action!r} is level {rungs[shock.action].level}",
        )
    if shock.killed is not None and shock.actor not in KILLING_ACTORS:
        raise ConfigError(
            f"{key}.killed",
            f"the day resolves the deaths of {' and '.join(KILLING_ACTORS)} actions only; "
            f"{shock.actor}'s are not drawn, so none can be forced",
        )
    if shock.faction is not None and shock.faction not in factions:
        raise ConfigError(
            f"{key}.faction",
            f"unknown faction {shock.faction!r}; choose from: {', '.join(factions)}",
        )
