"""The model: the day defined once (``day``), the world it acts on (``world``), resolution,
shocks, output columns, the event log, and :class:`~sim.model.escalation.EscalationModel`."""
