"""Each actor module declares what the model needs of it (``ACTOR``), and the world and the
model are built from those declarations alone."""

from __future__ import annotations

import pkgutil

import numpy as np
import yaml

import sim.actors
from sim import EscalationModel
from sim.actors import ACTORS
from sim.core.ladder import ACTING_ACTORS, DEFAULT_LADDER, LADDER_DIR, actor_code
from sim.model.events import parties
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


def test_the_acting_actors_are_the_ladders() -> None:
    """An actor acts (takes rungs) because the shipped ladder gives it rungs; each acting
    actor declares its parties, and the model's deciders follow the ladder's order."""
    rungs = yaml.safe_load((LADDER_DIR / f"{DEFAULT_LADDER}.yaml").read_text())["rungs"]
    named = list(dict.fromkeys(a for r in rungs for a in r.get("actors", ())))
    assert list(ACTING_ACTORS) == named == ["us", "militia", "iraq"]
    assert [actor_code(a) for a in named] == [0, 1, 2]
    for actor in ACTORS:
        assert (actor.parties is not None) == (actor.name in ACTING_ACTORS), actor.name
    model = EscalationModel(SMALL)
    assert model.deciders == tuple(getattr(model, a).policy for a in ACTING_ACTORS)
    tables = model.world.ladder.by_actor
    for name in ACTING_ACTORS:  # each actor's row of level tables names only its own rungs
        own = {i for i, r in enumerate(model.config.ladder.rungs) if name in r.actors}
        assert set(tables[actor_code(name)]) <= own


def test_parties_are_numbered_from_the_declarations() -> None:
    config = EscalationModel(SMALL).config
    factions = [f.name for f in config.militia.factions]
    nf = len(factions)
    who = parties(config)
    assert who.names == ["United States", *factions, "Iraqi government", "all militia factions"]
    assert who.actors == ["us", *["militia"] * nf, "iraq", "militia"]
    assert who.first_party.tolist() == [0, 1, nf + 1] and who.columns == nf + 2
    assert who.everyone.tolist() == [0, nf + 2, nf + 1]  # a one-party actor: that party
