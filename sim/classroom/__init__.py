"""Classroom play: a game turn by turn against the model (``game``), a class room of teams
(``room``), an Explore run kept up to date incrementally (``explore``), every browser value
checked (``controls``), the model in plain words (``words``), and the web app (``app``)
served with safe settings (``server``)."""
