"""The scenario's configuration: the typed schema with every default's source (``schema``),
validation of user input to one-line errors (``validation``), and the generated parameter
reference (``paramdoc``). Nothing here imports Hydra."""
