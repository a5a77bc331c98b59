"""The actors: one module each, holding the actor's state (arrays over replicas), its
parameters, its compiled kernels (what it observes, how its chosen levels become rungs, what
it commits to, how it absorbs the day) and its Mesa agent, a view on that state.

The kernels take the parts of the world (:class:`sim.model.world.World`) they read or write;
:mod:`sim.model.day` calls them in the day's order.
"""
