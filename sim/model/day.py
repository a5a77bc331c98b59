"""The day, defined once: its start, the actors' decisions, its end.

Every path through the model runs these functions, in this order, on the same arrays
(:class:`sim.model.world.World`):

1. :func:`start_of_day`: Iran sets its restraint signal from yesterday's US deaths; the
   withdrawal schedule sets the troops; each actor reads the others' actions of its reaction
   lag ago and forms its :class:`~sim.policies.Observation`.
2. Each actor's policy turns its observation into levels: in compiled code through the table
   of :mod:`sim.policies.dispatch`, or in Python (a person's choices) by ``policy.decide``.
   All decide simultaneously, so activation order cannot matter.
3. :func:`end_of_day`: levels become rungs within each actor's limits (truce, stock); the
   day's shocks override them; the actors commit to what they finally did (a truce, a
   mediation); the day is resolved (casualties, damage, how each action was read); the
   readings are kept for the reaction lags, the actors absorb the day, the output columns
   and the event log are recorded.

:meth:`EscalationModel.step` runs one day with the decisions in Python; :func:`run_days`
runs a stretch of days in one compiled call when every policy is compiled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.actors import iran, iraqi_government, militia, united_states, withdrawal
from sim.core.compiled import compiled
from sim.core.ladder import ACTING_ACTORS
from sim.model.events import record_events
from sim.model.outputs import record_day
from sim.model.resolve import resolve_day
from sim.model.shocks import apply_shocks
from sim.policies.base import RuleArgs
from sim.policies.dispatch import decide_levels

if TYPE_CHECKING:
    from sim.model.resolve import DayOutcome
    from sim.model.world import Readings, World
    from sim.policies.base import Observation

DECIDING = (united_states.NAME, militia.NAME, iraqi_government.NAME)
"""The acting actors in the order this module takes them (their observations, levels, rules,
rungs and event rows, by position): the order of their codes, which the ladder sets."""
if DECIDING != ACTING_ACTORS:
    raise ImportError(
        f"sim/model/day.py takes the acting actors in the order {DECIDING}, the ladder gives "
        f"them codes in the order {ACTING_ACTORS} (the order they first appear in "
        "sim/data/ladders/default.yaml): make the day's order the ladder's"
    )


@compiled
def start_of_day(t: int, u: np.ndarray, w: World) -> tuple[Observation, ...]:
    """Day t's patron signal, troops and each acting actor's observation (in the order of
    :data:`DECIDING`); ``u`` is the day's (R, width) block of uniforms."""
    iran.signal(t, w.iran, w.iran_params)
    withdrawal.withdraw(t, w.withdrawal, w.withdrawal_params, w.us.troops, w.iraq.pressure)
    war = w.war[t]
    exposure = united_states.exposure(w.us, w.us_params)
    return (
        united_states.observe(t, u, w.us, w.us_params, w.readings, w.slots, war),
        militia.observe(
            t, u, w.militia, w.militia_params, w.readings, w.slots, war, w.iran.restraint,
            w.iraq.mediation_until, w.iraq_params.leverage, w.us.deterrence, exposure,
            w.iraq.talks, w.iraq_params.offramp,
        ),
        iraqi_government.observe(t, u, w.iraq, w.iraq_params, w.readings, w.slots, war),
    )  # fmt: skip


@compiled
def end_of_day(
    t: int,
    u: np.ndarray,
    w: World,
    us_levels: np.ndarray,
    mil_levels: np.ndarray,
    iraq_levels: np.ndarray,
) -> None:
    """Day t from the levels each actor's policy chose to the recorded outcomes."""
    lad = w.ladder
    us_rung = united_states.rungs(us_levels, lad)
    mil_rung, joined = militia.rungs(
        t, u, mil_levels, w.militia, w.militia_params, w.iran.halt_started, w.slots, lad
    )
    iraq_rung = iraqi_government.rungs(iraq_levels, lad)
    n = us_rung.shape[0]
    # each acting actor's rungs as (R, columns) views, in the order of DECIDING (a column per
    # faction for the militias, one for the others)
    acts = (us_rung.reshape((n, 1)), mil_rung, iraq_rung.reshape((n, 1)))
    forced_killed, shocked = apply_shocks(t, w.shocks, acts, w.us.target)
    us_target = w.us.target.copy()
    militia.commit(
        t, mil_rung, joined, shocked[militia.CODE], w.militia, w.militia_params, lad.truce_rung,
        w.iran.halt_on,
    )  # fmt: skip
    iraqi_government.commit(t, iraq_rung, w.iraq, w.iraq_params, lad.level)

    d = resolve_day(
        t, u, w.slots, lad, w.perception, w.tallies, w.us.protection,
        w.us_params.protection_effect, w.withdrawal.stepping, acts, forced_killed,
    )  # fmt: skip
    w.tallies.index[:] = d.escalation_index
    keep_readings(t, w.readings, d, us_target)

    united_states.absorb(d, w.us, w.us_params)
    talks_broke = iraqi_government.absorb(d, w.iraq, w.iraq_params)
    militia.absorb(
        t, mil_rung, us_rung, us_target, w.militia, w.militia_params, lad, w.iran.supply,
        talks_broke, w.iraq_params.breakdown_grievance,
    )  # fmt: skip
    iran.absorb(d, us_rung, w.iran, w.iran_params, lad)

    record_day(t, w, d)
    if w.events.rows.shape[0]:  # the event log is kept: each acting actor's rows, by code
        logged = (
            united_states.logged(us_target, d),
            militia.logged(mil_rung, d, lad.level),
            iraqi_government.logged(iraq_rung, lad.level),
        )
        record_events(t, w.events, lad, acts, logged, w.withdrawal.stepping)


@compiled
def keep_readings(t: int, b: Readings, d: DayOutcome, us_target: np.ndarray) -> None:
    """Store day t's readings in the ring buffers ``b``: each adversary acts on them after
    its reaction lag."""
    slot = t % b.seen_by_us.shape[0]
    b.seen_by_us[slot] = d.seen
    b.blamed_by_us[slot] = d.blamed
    b.seen_by_militia[slot] = d.us_seen
    b.us_target_log[slot] = us_target
    b.us_level_log[slot] = d.us_level
    b.militia_level_log[slot] = d.militia_level


class Rule(NamedTuple):
    """A compiled policy as the compiled day calls it: its code in the dispatch table, its
    parameters and state, and the actor's most escalatory level."""

    code: int
    args: RuleArgs
    max_level: int


@compiled
def run_days(
    t0: int,
    days: int,
    chunk: np.ndarray,
    first: int,
    w: World,
    us_rule: Rule,
    mil_rule: Rule,
    iraq_rule: Rule,
) -> None:
    """Days t0 .. t0 + days - 1, every policy compiled; ``chunk[:, first + k]`` is day
    t0 + k's block of uniforms (:meth:`sim.core.streams.ReplicaStreams.next_days`)."""
    for k in range(days):
        t = t0 + k
        u = np.ascontiguousarray(chunk[:, first + k, :])
        us_obs, mil_obs, iraq_obs = start_of_day(t, u, w)
        end_of_day(
            t,
            u,
            w,
            decide_levels(us_rule.code, us_rule.args, us_obs, us_rule.max_level),
            decide_levels(mil_rule.code, mil_rule.args, mil_obs, mil_rule.max_level),
            decide_levels(iraq_rule.code, iraq_rule.args, iraq_obs, iraq_rule.max_level),
        )
