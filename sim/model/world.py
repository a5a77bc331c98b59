"""The world: every array and parameter a day reads or writes, in one value compiled code takes.

Why: the day (:mod:`sim.model.day`) is compiled, and compiled code cannot look up a Python
object's attributes. The model's state is therefore held as arrays over replicas, grouped per
actor in named tuples (each actor's ``State`` and ``Params``, in its module under
:mod:`sim.actors`), and the groups are gathered here into one named tuple, :class:`World`.
Its arrays are the very arrays the Mesa agents show, so a stepped day, a compiled stretch of
days and the agents always see one state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.actors import ACTORS, Actor
from sim.core.ladder import LadderTables
from sim.core.params import half_life_decay
from sim.model.events import EventBuffer
from sim.model.outputs import SeriesArrays
from sim.model.regional_war import war_intensity
from sim.model.resolve import Tallies
from sim.model.shocks import ShockTable

if TYPE_CHECKING:
    from sim.model.escalation import EscalationModel


FIRST_SLOTS: tuple[tuple[str, bool], ...] = (
    ("us_policy", False),
    ("us_read", False),
    ("strike_killed", False),
    ("iraq_policy", False),
    ("mil_policy", True),
    ("mil_read", True),
    ("mil_absorb", True),
    ("mil_killed", True),
    ("mil_wounded", True),
    ("mil_blame", True),
    ("mil_blame_pick", True),
    ("us_jitter", True),
    ("mil_truce", True),
)
"""The random decisions of the first actors, in the layout of the random streams, each with
whether it takes a column per faction: kept here, in this order, because reordering them
changes every number the model draws. An actor added since declares its own
(``Actor.draws``, a column each); they follow these, in the actors' order."""

PER_FACTION = frozenset(name for name, per_faction in FIRST_SLOTS if per_faction)
"""Slots with one column per faction (the others have one column)."""

Slots = NamedTuple(  # functional form: the fields of later actors come from the registry
    "Slots",
    [(name, int) for name in (*(n for n, _ in FIRST_SLOTS), *(d for a in ACTORS for d in a.draws))],
)
Slots.__doc__ = """First column of each random decision in a day's block of uniforms (per
replica); per-faction slots take one column per faction. The fields' order *is* the layout of
the random streams (:data:`FIRST_SLOTS`)."""


def slot_layout(n_factions: int) -> tuple[Slots, int]:
    """The slots for ``n_factions`` factions and the width of a day's block."""
    starts, width = [], 0
    for name in Slots._fields:
        starts.append(width)
        width += n_factions if name in PER_FACTION else 1
    return Slots(*starts), width


def actor_fields(actor: Actor) -> tuple[tuple[str, type], tuple[str, type]]:
    """An actor's two fields of the world: its state and its parameters."""
    return (actor.name, actor.state), (f"{actor.name}_params", actor.params)


class Readings(NamedTuple):
    """What each actor read of the others, by day, kept for their reaction lags: ring
    buffers of ``depth`` days (day t in row ``t % depth``; read by
    :func:`sim.core.perception.read_lagged`)."""

    seen_by_us: np.ndarray  # (depth, R, F) level the US perceived of each faction's action
    blamed_by_us: np.ndarray  # (depth, R, F) faction the US blamed for it
    seen_by_militia: np.ndarray  # (depth, R) level the militias perceived of the US action
    us_target_log: np.ndarray  # (depth, R) faction the US aimed at
    us_level_log: np.ndarray  # (depth, R) level of the US action (as Iraq sees it)
    militia_level_log: np.ndarray  # (depth, R) the militias' highest level


class Perception(NamedTuple):
    """How actions are misread: the chance of a rung up or down, and of blaming another
    faction for an attack."""

    noise: float
    false_alarm: float
    misattribution: float


World = NamedTuple(  # functional form: its actors' fields come from the registry
    "World",
    [
        *((field, kind) for a in ACTORS for field, kind in actor_fields(a)),
        ("readings", Readings),
        ("perception", Perception),
        ("ladder", LadderTables),
        ("slots", Slots),
        ("tallies", Tallies),
        ("war", np.ndarray),  # regional war intensity on each day of the horizon
        ("shocks", ShockTable),
        ("series", SeriesArrays),
        ("events", EventBuffer),
    ],
)
World.__doc__ = """Everything a day reads or writes (module docstring): each actor's state and
parameters (``us``, ``us_params``, ``militia``, ... in the order of :data:`sim.actors.ACTORS`),
then the rest."""


def readings(depth: int, n_replicas: int, n_factions: int) -> Readings:
    """Empty readings (zeros: before day 0 nothing was seen)."""
    per_faction = np.zeros((depth, n_replicas, n_factions), dtype=np.int64)
    per_replica = np.zeros((depth, n_replicas), dtype=np.int64)
    return Readings(
        per_faction,
        per_faction.copy(),
        per_replica,
        per_replica.copy(),
        per_replica.copy(),
        per_replica.copy(),
    )


def build_world(model: EscalationModel) -> World:
    """The world of a freshly built model: its agents' state and parameters, and the rest."""
    cfg = model.config
    n, nf = model.n_replicas, model.n_factions
    lags = (getattr(getattr(cfg, a.name), "reaction_lag_days", 0) for a in ACTORS)
    depth = 1 + max(lags)  # deep enough for the slowest actor's reading
    agents = {}
    for actor in ACTORS:
        agent = getattr(model, actor.name)
        agents[actor.name], agents[f"{actor.name}_params"] = agent.state, agent.params
    return World(
        **agents,
        readings=readings(depth, n, nf),
        perception=Perception(
            float(cfg.perception.noise),
            float(cfg.perception.false_alarm),
            float(cfg.perception.misattribution),
        ),
        ladder=model.ladder.tables(),
        slots=model.slots,
        tallies=Tallies(
            index=np.zeros(n),
            cumulative=np.zeros((5, n), dtype=np.int64),
            first_day=np.full((n, len(model.ladder.names)), -1, dtype=np.int64),
            index_decay=half_life_decay(cfg.index.half_life_days),
        ),
        war=war_intensity(cfg.regional_war, cfg.start_date, model.horizon),
        shocks=ShockTable.of(cfg, model.ladder),
        series=model.series.arrays,
        events=model.events.buffer if model.events is not None else EventBuffer.none(),
    )
