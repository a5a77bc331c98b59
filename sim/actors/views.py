"""Mesa agents as views on state arrays.

An actor's state is a named tuple of arrays over replicas (its ``State``), which the compiled
day reads and writes; its Mesa agent holds that tuple as ``state`` and shows each of its
fields as an attribute, so there is one copy of the state and Mesa stays the agent API.

The attributes are live: the day updates the arrays in place, so an array read on one day
holds the next day's values after a step. Copy what you keep (``agent.pressure.copy()``), as
a Mesa data collector's reporter should.
"""

from __future__ import annotations

from typing import Any


class StateView:
    """Mixin: an attribute named like a field of ``self.state`` is that field's array.

    The arrays are shared with the running model: change them in place (``agent.pressure[:]
    = ...``); rebinding a field (``agent.pressure = ...``) is refused, since it would leave
    the model's copy behind.
    """

    state: Any

    def __getattr__(self, name: str) -> Any:
        state = self.__dict__.get("state")
        if state is not None and name in type(state)._fields:
            return getattr(state, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        state = self.__dict__.get("state")
        if state is not None and name in type(state)._fields:
            raise AttributeError(f"{name} is a state array: change it in place ({name}[:] = ...)")
        super().__setattr__(name, value)

    def __dir__(self) -> list[str]:
        state = self.__dict__.get("state")
        return sorted({*super().__dir__(), *(type(state)._fields if state is not None else ())})
