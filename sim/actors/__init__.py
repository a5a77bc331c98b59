"""The actors: one module each, holding the actor's state (arrays over replicas), its
parameters, its compiled kernels (what it observes, how its chosen levels become rungs, what
it commits to, how it absorbs the day), its Mesa agent, a view on that state, and its
declaration for the model (``ACTOR``, :class:`sim.actors.registry.Actor`).

The kernels take the parts of the world (:class:`sim.model.world.World`) they read or write;
:mod:`sim.model.day` calls them in the day's order. Every module of this package is imported
here and its ``ACTOR`` collected in :data:`ACTORS`, so adding an actor adds it to the world and
the model with no edit of theirs.
"""

import importlib
import pkgutil

from sim.actors.registry import Actor, Logged

_NOT_ACTORS = {"registry", "views"}

ACTORS: tuple[Actor, ...] = tuple(
    sorted(
        (
            importlib.import_module(f"{__name__}.{module.name}").ACTOR
            for module in pkgutil.iter_modules(__path__)
            if module.name not in _NOT_ACTORS
        ),
        key=lambda actor: actor.order,
    )
)
"""Every actor, in the order the model builds them."""

__all__ = ["ACTORS", "Actor", "Logged"]
