"""Mesa agents as views on state arrays: an agent's attributes read its actor's state."""

from __future__ import annotations

from typing import Any


def state_view(field: str, doc: str) -> Any:
    """A read-only attribute that is the actor's ``state.<field>`` array (per replica)."""

    def get(self: Any) -> Any:
        return getattr(self.state, field)

    return property(get, doc=doc)
