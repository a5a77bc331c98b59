"""Classroom play: a game turn by turn against the model (``game``) and its web app (``app``,
served by ``server``)."""
