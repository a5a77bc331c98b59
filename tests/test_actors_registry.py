"""Each actor module declares what the model needs of it (``ACTOR``), and the world and the
model are built from those declarations alone."""

from __future__ import annotations

import pkgutil

import numpy as np

import sim.actors
from sim import EscalationModel
from sim.actors import ACTORS
from sim.model.world import World

from .conftest import SMALL


def test_every_actor_module_is_declared_in_order() -> None:
    modules = {m.name for m in pkgutil.iter_modules(sim.actors.__path__)} - {"registry", "views"}
    assert {a.build.__module__.rsplit(".", 1)[1] for a in ACTORS} == modules
    assert [a.name for a in ACTORS] == ["us", "militia", "iraq", "iran", "withdrawal"]


def test_the_world_holds_each_actors_agent_state_and_params() -> None:
    fields = [f for a in ACTORS for f in (a.name, f"{a.name}_params")]
    assert list(World._fields[: len(fields)]) == fields
    model = EscalationModel({**SMALL, "seed": 2})
    for actor in ACTORS:
        agent = getattr(model, actor.name)
        assert isinstance(agent.state, actor.state) and isinstance(agent.params, actor.params)
        assert getattr(model.world, actor.name) is agent.state  # the very arrays the day writes
        assert getattr(model.world, f"{actor.name}_params") is agent.params
    assert [m.name for m in model.militias] == [f.name for f in model.config.militia.factions]
    faction = model.militias[1]  # a faction's agent shows its column of the world's arrays
    model.run(days=30)
    assert (faction.capability == model.world.militia.capability[:, 1]).all()
    assert np.shares_memory(faction.capability, model.world.militia.capability)
