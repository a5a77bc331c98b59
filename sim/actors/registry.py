"""What the model needs to know of an actor, declared in the actor's own module.

Why: the world (:class:`sim.model.world.World`) holds every actor's state and parameters, and
the model builds every actor's agent. Each actor module declares both in one
:class:`Actor` (``ACTOR = Actor(...)``); :mod:`sim.actors` collects them, and the world and the
model iterate over them, so a new actor touches its module, its config section
(:mod:`sim.config.schema`) and its place in the day (:mod:`sim.model.day`); one that takes
rungs also its rungs in the ladder (``sim/data/ladders/default.yaml``), which make it an acting
actor (:data:`sim.core.ladder.ACTING_ACTORS`), and declares the parties it acts as (``parties``) and
how the event log records its actions (a :class:`Logged` from one of its kernels).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from sim.config.schema import ScenarioConfig
    from sim.model.escalation import EscalationModel


class Logged(NamedTuple):
    """An acting actor's actions of a day as the event log records them: arrays (R, columns),
    a column per party the actor acts as (one per faction for the militias; the actor's rung
    ids are the same shape). Parties are named by actor code
    (:func:`sim.core.ladder.actor_code`) and column.

    The day holds every acting actor's ``Logged`` in one tuple that compiled code indexes by
    actor code at run time, which numba allows only if all are of one type: every field a
    C-contiguous 2-D int64 array (``np.full``, ``np.empty``, ``reshape`` of a contiguous
    array; not a slice or a transpose)."""

    target_actor: np.ndarray  # code of the actor the action was aimed at
    target_column: np.ndarray  # the party of that actor; -1: all its parties at once
    perceived_level: np.ndarray  # the level the target read the action as
    attributed: np.ndarray  # the acting actor's party its target blamed; -1: none (no attack)
    killed: np.ndarray  # deaths the action caused
    wounded: np.ndarray


@dataclass(frozen=True)
class Actor:
    """An actor as the model sees it.

    Attributes:
        name: The model's attribute for its agent and the world's field for its state (its
            parameters: ``<name>_params``).
        order: Its place in the order the model builds the actors: Mesa numbers agents as
            they are built, and an actor may draw from the model's generator when built.
        state: Its ``State`` named tuple (arrays over replicas).
        params: Its ``Params`` named tuple.
        build: Builds its agent from the model: an object with ``state`` and ``params``.
        parties: An acting actor's parties, by name, in the order of its columns (the US:
            one; the militias: their factions); None for an actor that takes no rungs.
        everyone: The name of all its parties as one target ("all militia factions"), for an
            actor acting as several; "" if none.
        draws: The random decisions it takes each day, by name: one column of the day's
            uniforms per replica each, which its kernels read at ``slots.<name>``
            (:func:`sim.model.world.slot_layout`). The first actors' are laid out in
            :data:`sim.model.world.FIRST_SLOTS` instead.
    """

    name: str
    order: int
    state: type
    params: type
    build: Callable[[EscalationModel], Any]
    parties: Callable[[ScenarioConfig], list[str]] | None = None
    everyone: str = ""
    draws: tuple[str, ...] = ()
