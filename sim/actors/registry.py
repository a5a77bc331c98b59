"""What the model needs to know of an actor, declared in the actor's own module.

Why: the world (:class:`sim.model.world.World`) holds every actor's state and parameters, and
the model builds every actor's agent. Each actor module declares both in one
:class:`Actor` (``ACTOR = Actor(...)``); :mod:`sim.actors` collects them, and the world and the
model iterate over them, so a new actor that takes no rungs touches its module, its config
section (:mod:`sim.config.schema`) and its place in the day (:mod:`sim.model.day`) only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.model.escalation import EscalationModel


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
    """

    name: str
    order: int
    state: type
    params: type
    build: Callable[[EscalationModel], Any]
