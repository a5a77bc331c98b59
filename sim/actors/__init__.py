"""The actors: one module each, holding the actor's state (arrays over replicas), its
parameters, its compiled kernels (what it observes, how its chosen levels become rungs, what
it commits to, how it absorbs the day) and its Mesa agent, a view on that state.

The kernels take the whole world (:class:`sim.model.world.World`) and read the fields they
need by name; :mod:`sim.model.day` calls them in the day's order.
"""
