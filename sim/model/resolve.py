"""Resolving a day: what each action did, how its target read it, and the day's tallies.

One compiled loop over replicas (:mod:`sim.core.compiled`) does, for every replica, what the model's
phase 3 describes (docs/ODD.md, "Process overview"): militia attacks land unless force
protection absorbs them (Poisson casualties by inverse transform), each attack is judged by
what it did, misread and possibly misattributed; US strikes kill militia members and are
misread; and the day's totals, peak level and escalation index are updated.
"""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.core.casualties import poisson_count
from sim.core.compiled import compiled
from sim.core.ladder import FORCE_LEVEL as FORCE
from sim.core.ladder import actor_code
from sim.core.perception import misattribute, misread, outcome_level

if TYPE_CHECKING:
    from sim.core.ladder import LadderTables
    from sim.model.world import Perception, Slots

US, MILITIA = actor_code("us"), actor_code("militia")

MASS_CASUALTY_KILLED = 3
"""US deaths at which an attack reads as mass-casualty whatever its intent (Tower 22: 3)."""

DayOutcome = namedtuple(
    "DayOutcome",
    [
        "killed",  # (R, F) US deaths from each faction's action
        "wounded",  # (R, F) US wounded
        "seen",  # (R, F) level the US perceived of each faction's action
        "blamed",  # (R, F) faction the US blamed for it
        "us_level",  # (R,) level of the US action
        "used_force",  # (R,) the US used force
        "militia_level",  # (R,) the militias' highest level
        "militia_killed",  # (R,) militia members killed by the US
        "us_seen",  # (R,) level the militias perceived of the US action
        "us_killed",  # (R,) totals over factions
        "us_wounded",
        "attacks",
        "sovereignty",  # (R,) Iraqi sovereignty grievance added
        "goldstein",  # (R,) sum of the day's Goldstein scores
        "peak",  # (R,) highest level played (0 if only de-escalation)
        "escalation_index",  # (R,) the index after today
    ],
)
"""What :func:`resolve_day` returns."""


class Tallies(NamedTuple):
    """Running tallies over the days, arrays over replicas (updated in place)."""

    index: np.ndarray  # the escalation index after the latest day
    cumulative: np.ndarray  # (5, R) totals of attacks, strikes, US killed, US wounded,
    # militia killed
    first_day: np.ndarray  # (R, rungs) first day each rung was played; -1 if never
    index_decay: float  # the index's daily decay


@compiled
def resolve_day(
    t: int,
    u: np.ndarray,
    slots: Slots,
    lad: LadderTables,
    perception: Perception,
    tallies: Tallies,
    protection: np.ndarray,
    protection_effect: float,
    stepping: np.ndarray,
    acts: tuple[np.ndarray, ...],
    forced_killed: np.ndarray,
) -> DayOutcome:
    """Resolve day ``t`` for every replica, given the day's actions (``acts``: each acting
    actor's rung ids, (R, columns), by actor code) and whether a withdrawal step was taken
    (``stepping``). What every action does by the ladder alone (the day's Goldstein sum, its
    peak level and the index, Iraq's sovereignty grievance, the first day of each rung) is
    summed over all the acting actors; what a militia attack or a US strike does besides
    (casualties, how it is read and blamed) is theirs. ``u`` is the day's (R, width)
    uniforms, read at ``slots``; ``lad`` the ladder's tables; ``protection`` the US force
    protection, of which ``protection_effect`` absorbs attacks.

    ``forced_killed`` (actors, columns) holds the deaths a shock forces for each acting
    actor's column (:func:`sim.model.shocks.apply_shocks`; a faction's attack, the US strike),
    -1 where none. The tallies' first days and totals are updated in
    place; the new escalation index is returned, not stored. Returns a :data:`DayOutcome`.
    """
    level, goldstein, iraq_sovereignty = lad.level, lad.goldstein, lad.iraq_sovereignty
    lo, hi = lad.min_level, lad.max_level
    killed_cdf, wounded_cdf = lad.killed_cdf, lad.wounded_cdf
    withdrawal_rung, none_rung = lad.withdrawal_rung, lad.none_rung
    noise, false_alarm = perception.noise, perception.false_alarm
    misattribution = perception.misattribution
    first_day, cumulative = tallies.first_day, tallies.cumulative
    index, index_decay = tallies.index, tallies.index_decay
    slot_absorb, slot_killed, slot_wounded = slots.mil_absorb, slots.mil_killed, slots.mil_wounded
    slot_read, slot_blame, slot_blame_pick = slots.mil_read, slots.mil_blame, slots.mil_blame_pick
    slot_strike_killed, slot_us_read = slots.strike_killed, slots.us_read
    us_rung, mil_rung = acts[US], acts[MILITIA]  # (R, 1) and (R, F)
    n, nf = mil_rung.shape
    killed = np.zeros((n, nf), np.int64)
    wounded = np.zeros((n, nf), np.int64)
    seen = np.zeros((n, nf), np.int64)
    blamed = np.zeros((n, nf), np.int64)
    us_level = np.empty(n, np.int64)
    used_force = np.empty(n, np.bool_)
    mil_max = np.empty(n, np.int64)
    militia_killed = np.zeros(n, np.int64)
    us_seen = np.empty(n, np.int64)
    us_killed = np.zeros(n, np.int64)
    us_wounded = np.zeros(n, np.int64)
    attacks = np.zeros(n, np.int64)
    sovereignty = np.empty(n)
    goldstein_sum = np.empty(n)
    peak = np.empty(n, np.int64)
    new_index = np.empty(n)
    scale = (1.0 - index_decay) * 10.0
    for r in range(n):
        shield = protection_effect * protection[r]
        top = level[mil_rung[r, 0]]
        for f in range(nf):
            rung = mil_rung[r, f]
            lv = level[rung]
            if not u[r, slot_absorb + f] < shield:
                killed[r, f] = poisson_count(killed_cdf, rung, u[r, slot_killed + f])
                wounded[r, f] = poisson_count(wounded_cdf, rung, u[r, slot_wounded + f])
            if forced_killed[MILITIA, f] >= 0:
                killed[r, f] = forced_killed[MILITIA, f]
            judged = outcome_level(lv, killed[r, f], FORCE + 1, hi, MASS_CASUALTY_KILLED)
            seen[r, f] = misread(judged, u[r, slot_read + f], noise, false_alarm, lo, hi)
            blamed[r, f] = misattribute(
                f, u[r, slot_blame + f], u[r, slot_blame_pick + f], misattribution, nf
            )
            us_killed[r] += killed[r, f]
            us_wounded[r] += wounded[r, f]
            if lv >= FORCE:
                attacks[r] += 1
            top = max(top, lv)
        mil_max[r] = top
        lv_us = level[us_rung[r, 0]]
        us_level[r] = lv_us
        used_force[r] = lv_us >= FORCE
        if used_force[r]:
            militia_killed[r] = (
                forced_killed[US, 0]
                if forced_killed[US, 0] >= 0
                else poisson_count(killed_cdf, us_rung[r, 0], u[r, slot_strike_killed])
            )
        us_seen[r] = misread(lv_us, u[r, slot_us_read], noise, false_alarm, lo, hi)
        # Every action by the ladder alone, actor by actor in the order of their codes.
        breach, score, top = 0.0, 0.0, 0
        for a in range(len(acts)):
            breach_a, score_a = 0.0, 0.0
            for c in range(acts[a].shape[1]):
                rung = acts[a][r, c]
                breach_a += iraq_sovereignty[rung]
                score_a += goldstein[rung]
                top = max(top, level[rung])
                if first_day[r, rung] < 0:  # the first day on each rung played today
                    first_day[r, rung] = t
            breach += breach_a
            score += score_a
        sovereignty[r] = breach
        goldstein_sum[r] = score + (goldstein[withdrawal_rung] if stepping[r] else 0.0)
        peak[r] = top
        new_index[r] = index_decay * index[r] + scale * peak[r] / hi
        stepped = withdrawal_rung if stepping[r] else none_rung  # the withdrawal's action
        if first_day[r, stepped] < 0:
            first_day[r, stepped] = t
        cumulative[0, r] += attacks[r]
        cumulative[1, r] += 1 if used_force[r] else 0
        cumulative[2, r] += us_killed[r]
        cumulative[3, r] += us_wounded[r]
        cumulative[4, r] += militia_killed[r]
    return DayOutcome(
        killed,
        wounded,
        seen,
        blamed,
        us_level,
        used_force,
        mil_max,
        militia_killed,
        us_seen,
        us_killed,
        us_wounded,
        attacks,
        sovereignty,
        goldstein_sum,
        peak,
        new_index,
    )
