"""Iran as patron: a restraint signal, a halt it enforces, and supply for the militias.

Iran wants pressure on the US without a US war on Iran (CRS IF12587). It keeps a perceived
*risk* of US escalation against Iran itself: US threats and strikes at Iran-linked targets
(the ladder's ``iran_risk``) and US deaths add to it, and it decays. When the risk reaches
``halt_trigger`` Iran orders every faction to halt (restraint ``halt_restraint``, heeded by
each faction in proportion to Iran's leverage over it); the halt lasts until the risk has
fallen below ``halt_release`` of the trigger, so US strikes at Iran-linked targets during a
halt prolong it (the US-Iran channel). Switched off, restraint is 0 and nothing is halted.

Iran's *orders* (``iran.orders``: a class game's Iran team, or a what-if) replace its own
decision on their days: ``halt`` starts a halt (or keeps one on) whatever the risk, ``restrain``
lifts any halt and signals the baseline restraint, ``back`` lifts any halt, signals no
restraint and raises supply to ``back_supply``. They are a table of days the compiled day
reads, so a run with orders is compiled like any other; the risk keeps being perceived, and
on the days after an order the model's Iran decides again from it (a halt a team ordered ends
once the risk is below the release level). No order draws a random number: a run without
orders is the run it always was.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

import mesa
import numpy as np

from sim.actors.registry import Actor
from sim.actors.views import StateView
from sim.config.schema import IRAN_ORDERS, IranConfig
from sim.core.compiled import compiled
from sim.core.params import by_replica, half_life_decay

if TYPE_CHECKING:
    from sim.core.ladder import LadderTables
    from sim.model.escalation import EscalationModel
    from sim.model.resolve import DayOutcome


class IranState(NamedTuple):
    """Iran's state, arrays over replicas."""

    risk: np.ndarray  # perceived risk of US escalation against Iran
    halt_on: np.ndarray  # Iran's halt is in force today
    halt_started: np.ndarray  # the halt started today
    restraint: np.ndarray  # today's restraint signal, 0-1
    supply: np.ndarray  # multiplier on the militias' regeneration


class IranParams(NamedTuple):
    """Iran's parameters; the calibrated ones are arrays over replicas (their draws)."""

    enabled: bool
    halt_trigger: np.ndarray
    halt_release: np.ndarray
    risk_decay: np.ndarray
    risk_per_us_death: np.ndarray
    halt_restraint: float
    restraint: np.ndarray
    supply: float
    back_supply: float
    orders: np.ndarray  # each day's order (its code in IRAN_ORDERS), -1 = Iran decides

    @classmethod
    def of(
        cls, cfg: IranConfig, n: int, draws: Mapping[str, np.ndarray], horizon: int
    ) -> IranParams:
        return cls(
            bool(cfg.enabled),
            by_replica(draws, "iran.halt_trigger", cfg.halt_trigger, n),
            by_replica(draws, "iran.halt_release", cfg.halt_release, n),
            half_life_decay(
                by_replica(draws, "iran.risk_half_life_days", cfg.risk_half_life_days, n)
            ),
            by_replica(draws, "iran.risk_per_us_death", cfg.risk_per_us_death, n),
            float(cfg.halt_restraint),
            by_replica(draws, "iran.restraint", cfg.restraint, n),
            float(cfg.supply),
            float(cfg.back_supply),
            order_codes(cfg, horizon),
        )


HALT, RESTRAIN, BACK = (IRAN_ORDERS.index(o) for o in ("halt", "restrain", "back"))
"""Codes of Iran's orders (positions in :data:`~sim.config.schema.IRAN_ORDERS`)."""


def order_codes(cfg: IranConfig, horizon: int) -> np.ndarray:
    """Each day's order code over the horizon, -1 where Iran decides; a later order wins where
    two overlap (as shocks do)."""
    codes = np.full(horizon, -1, dtype=np.int64)
    for o in cfg.orders:
        codes[o.day : o.day + o.days] = IRAN_ORDERS.index(o.order)
    return codes


@compiled
def signal(t: int, s: IranState, p: IranParams) -> None:
    """Day t's halt, restraint and supply: the day's order if there is one, else from the
    risk Iran perceived up to yesterday (a halt starts where the risk reached the trigger, and
    ends where it fell below the release level, or at once where the trigger is off); the
    state ``s`` updated in place."""
    if not p.enabled:
        return
    risk, on, started, restraint = s.risk, s.halt_on, s.halt_started, s.restraint
    order = p.orders[t] if t < p.orders.shape[0] else -1
    for r in range(risk.shape[0]):
        started[r] = False
        trigger = p.halt_trigger[r]
        if order == HALT or (order < 0 and trigger > 0.0 and not on[r] and risk[r] >= trigger):
            started[r] = not on[r]
            on[r] = True
        elif order >= 0 or trigger <= 0.0 or risk[r] < p.halt_release[r] * trigger:
            on[r] = False  # an order to restrain or back, or the model's Iran lifts the halt
        restraint[r] = p.halt_restraint if on[r] else 0.0 if order == BACK else p.restraint[r]
        s.supply[r] = p.back_supply if order == BACK else p.supply


@compiled
def absorb(
    d: DayOutcome, us_rung: np.ndarray, s: IranState, p: IranParams, lad: LadderTables
) -> None:
    """The risk after the day: it decays, and rises with the US action's ``iran_risk`` and
    with each US death."""
    risk = s.risk
    for r in range(risk.shape[0]):
        risk[r] = (
            risk[r] * p.risk_decay[r]
            + lad.iran_risk[us_rung[r]]
            + p.risk_per_us_death[r] * d.us_killed[r]
        )


class IranPatron(StateView, mesa.Agent):
    """Iran as patron (module docstring); the fields of :class:`IranState` are its
    attributes."""

    def __init__(self, model: EscalationModel) -> None:
        super().__init__(model)
        cfg = model.config.iran
        n = model.n_replicas
        self.params = IranParams.of(cfg, n, model.draws, model.horizon)
        self.state = IranState(
            risk=np.zeros(n),
            halt_on=np.zeros(n, dtype=bool),
            halt_started=np.zeros(n, dtype=bool),
            restraint=self.params.restraint.copy() if cfg.enabled else np.zeros(n),
            supply=np.full(n, cfg.supply),
        )


ACTOR = Actor("iran", 4, IranState, IranParams, IranPatron)
