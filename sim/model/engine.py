"""A stretch of days in one compiled call: the model's day (:meth:`EscalationModel.step`)
without the Python between its compiled kernels.

Why: a day is ~30 calls between compiled kernels; for a sweep's 200 replicas they cost more
than the arithmetic (~0.3 ms a day, most of a scenario point's time). :func:`run_days` runs
the same kernels in the same order, day after day, inside one compiled loop over as many
days as the random-number chunk holds, and leaves every array of the model as ``step`` would.
The outputs are the same to the last bit (``tests/test_engine.py``).

It runs when nothing needs Python on a day: no event log is kept, every policy has a compiled
rule (:mod:`sim.policies.rules`) and no shock is scheduled; otherwise the model steps day by
day. :meth:`EscalationModel.run` chooses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.actors.agents import (
    _iran_signal,
    _iraq_absorb,
    _militia_absorb,
    _militia_bound,
    _militia_context,
    _us_absorb,
    _worst_attack,
)
from sim.actors.withdrawal import _advance, _trigger
from sim.core.compiled import compiled
from sim.core.ladder import _lookup
from sim.core.perception import read_lagged
from sim.model.outputs import COUNT_SERIES, LEVEL_SERIES
from sim.model.resolve import resolve_day
from sim.policies.rules import decide_levels

if TYPE_CHECKING:
    from sim.model.escalation import EscalationModel

_C = {k: i for i, k in enumerate(COUNT_SERIES)}
_L = {k: i for i, k in enumerate(LEVEL_SERIES)}
PEAK, ATTACKS, STRIKES = _C["peak_level"], _C["militia_attacks"], _C["us_strikes"]
US_KILLED, US_WOUNDED, MIL_KILLED = _C["us_killed"], _C["us_wounded"], _C["militia_killed"]
CUM_ATTACKS, CUM_STRIKES = _C["cum_attacks"], _C["cum_strikes"]
CUM_US_KILLED, CUM_US_WOUNDED = _C["cum_us_killed"], _C["cum_us_wounded"]
CUM_MIL_KILLED = _C["cum_militia_killed"]
TROOPS = _C["us_troops"]
INDEX, GOLDSTEIN = _L["escalation_index"], _L["goldstein"]
US_PRESSURE, US_DETERRENCE, US_PROTECTION = (
    _L["us_pressure"],
    _L["us_deterrence"],
    _L["us_force_protection"],
)
IRAQ_GRIEVANCE, IRAQ_PRESSURE = _L["iraq_grievance"], _L["iraq_pressure"]
RESTRAINT, WAR = _L["iran_restraint"], _L["regional_war"]
MIL_CAPABILITY, MIL_GRIEVANCE = _L["militia_capability"], _L["militia_grievance"]


def can_run(model: EscalationModel) -> bool:
    """Whether the model's days can run compiled: no event log, compiled rules throughout."""
    return model.events is None and all(
        agent.policy.compiled_rule() is not None for agent in (model.us, model.militia, model.iraq)
    )


def run_days(model: EscalationModel, end: int) -> None:
    """Run the model's days up to ``end`` (exclusive), none of them with a shock, in compiled
    calls of as many days as the drawn random numbers hold."""
    cfg = model.config
    ladder = model.ladder
    us, militia, iraq, iran = model.us, model.militia, model.iraq, model.iran
    wd = model.withdrawal
    series = model.series
    slots = model.slots
    us_rule = us.policy.compiled_rule()
    mil_rule = militia.policy.compiled_rule()
    iraq_rule = iraq.policy.compiled_rule()
    nf = model.n_factions
    while model.day < end:
        t0 = model.day
        chunk, first, days = model.streams.next_days(end - t0)
        war = np.array([model.regional_war(t) for t in range(t0, t0 + days)])
        capability = np.empty((days, model.n_replicas, nf))
        grievance = np.empty((days, model.n_replicas, nf))
        _run_days(
            t0,
            days,
            chunk,
            first,
            war,
            # slots
            slots["us_jitter"].start,
            slots["us_policy"].start,
            slots["mil_policy"].start,
            slots["mil_truce"].start,
            slots["iraq_policy"].start,
            *model._resolve_slots,
            # Iran
            bool(cfg.iran.enabled),
            model._us_killed_yesterday,
            iran.pause_until,
            iran.pause_started,
            iran.restraint,
            iran.supply,
            cfg.iran.pause_trigger_killed,
            cfg.iran.pause_days,
            float(cfg.iran.pause_restraint),
            float(cfg.iran.restraint),
            # withdrawal
            bool(cfg.withdrawal.endogenous),
            wd._never,
            wd.start,
            wd._done,
            float(cfg.withdrawal.step_days),
            wd.n_steps,
            wd.initial,
            wd.residual,
            float(cfg.withdrawal.pressure_threshold),
            wd.delay,
            # perception buffers
            model.seen_by_us.data,
            model.blamed_by_us.data,
            model.seen_by_militia.data,
            model.us_target_log.data,
            model.us_level_log.data,
            model.militia_level_log.data,
            cfg.us.reaction_lag_days,
            cfg.militia.reaction_lag_days,
            cfg.iraq.reaction_lag_days,
            # United States
            us.troops,
            us.target,
            us.perceived_attack,
            us.pressure,
            us.protection,
            us.deterrence,
            *us_rule,
            us.policy.max_level,
            ladder.table_of("us"),
            us._pressure_decay,
            us._protection_decay,
            float(cfg.us.casualty_sensitivity),
            float(cfg.us.wounded_sensitivity),
            float(cfg.us.force_protection),
            float(cfg.us.protection_gain),
            float(cfg.us.deterrence_gain),
            float(cfg.us.deterrence_loss),
            float(cfg.us.troops_syria),
            float(model._exposed0),
            # militias
            militia.perceived,
            militia.capability,
            militia.grievance,
            militia.disrupted_until,
            militia.truce_until,
            militia.resolve,
            militia.compliance,
            cfg.militia.solidarity_discount,
            float(cfg.iraq.leverage),
            *mil_rule,
            militia.policy.max_level,
            ladder.table_of("militia"),
            model.truce_rung,
            float(cfg.militia.capability_regen),
            cfg.militia.disruption_days,
            militia._grievance_decay,
            float(cfg.militia.revenge),
            ladder.capability_damage,
            ladder.capability_cost,
            ladder.grievance,
            ladder.leadership_strike,
            # Iraqi government
            iraq.grievance,
            iraq.pressure,
            iraq.mediation_until,
            *iraq_rule,
            iraq.policy.max_level,
            ladder.table_of("iraq"),
            cfg.iraq.mediation_days,
            iraq._decay,
            float(iraq._pressure_base),
            float(cfg.iraq.pressure_rate),
            # resolution
            float(cfg.us.protection_effect),
            model.killed.cdf,
            model.wounded.cdf,
            model._no_forced_killed,
            ladder.level,
            ladder.min_level,
            ladder.max_level,
            ladder.iraq_sovereignty,
            ladder.goldstein,
            model.withdrawal_rung,
            model.none_rung,
            float(cfg.perception.noise),
            float(cfg.perception.misattribution),
            model.first_day,
            model.escalation_index,
            model._index_decay,
            model._cumulative,
            # records
            series.counts,
            series.levels,
            capability,
            grievance,
        )
        # Mean over factions with numpy's own summation (the same bits as a day's step).
        days_ = slice(t0, t0 + days)
        series.levels[MIL_CAPABILITY, days_] = np.add.reduce(capability, axis=2) / nf
        series.levels[MIL_GRIEVANCE, days_] = np.add.reduce(grievance, axis=2) / nf
        model.day = t0 + days


@compiled
def _run_days(
    t0,
    days,
    chunk,
    first,
    war_of_day,
    s_us_jitter,
    s_us_policy,
    s_mil_policy,
    s_mil_truce,
    s_iraq_policy,
    s_absorb,
    s_killed,
    s_wounded,
    s_read,
    s_blame,
    s_blame_pick,
    s_strike_killed,
    s_us_read,
    iran_enabled,
    us_killed_yesterday,
    pause_until,
    pause_started,
    iran_restraint,
    supply,
    pause_trigger_killed,
    pause_days,
    pause_restraint,
    restraint_level,
    endogenous,
    never,
    wd_start,
    wd_done,
    step_days,
    n_steps,
    initial,
    residual,
    threshold,
    delay,
    seen_by_us,
    blamed_by_us,
    seen_by_militia,
    us_target_log,
    us_level_log,
    militia_level_log,
    lag_us,
    lag_mil,
    lag_iraq,
    troops,
    us_target,
    perceived_attack,
    us_pressure,
    protection,
    deterrence,
    us_code,
    us_params,
    us_sf,
    us_si,
    us_sb,
    us_max,
    us_table,
    pressure_decay,
    protection_decay,
    casualty_sensitivity,
    wounded_sensitivity,
    force_protection,
    protection_gain,
    deterrence_gain,
    deterrence_loss,
    troops_syria,
    exposed0,
    mil_perceived,
    capability,
    mil_grievance,
    disrupted_until,
    truce_until,
    resolve,
    compliance,
    solidarity_discount,
    leverage,
    mil_code,
    mil_params,
    mil_sf,
    mil_si,
    mil_sb,
    mil_max,
    mil_table,
    truce_rung,
    capability_regen,
    disruption_days,
    grievance_decay,
    revenge,
    capability_damage,
    capability_cost,
    grievance_of,
    leadership_strike,
    iraq_grievance,
    iraq_pressure,
    mediation_until,
    iraq_code,
    iraq_params,
    iraq_sf,
    iraq_si,
    iraq_sb,
    iraq_max,
    iraq_table,
    mediation_days,
    iraq_decay,
    pressure_base,
    pressure_rate,
    protection_effect,
    killed_cdf,
    wounded_cdf,
    forced,
    level,
    lo,
    hi,
    iraq_sovereignty,
    goldstein,
    withdrawal_rung,
    none_rung,
    noise,
    misattribution,
    first_day,
    escalation_index,
    index_decay,
    cumulative,
    counts,
    levels,
    capability_log,
    grievance_log,
):
    """``days`` days from day ``t0``, as :meth:`EscalationModel.step` runs each (see there);
    every state array is updated in place, every series written for those days."""
    n, nf = capability.shape
    no_float = np.zeros((1, 1))
    no_int = np.zeros((1, 1), np.int64)
    no_step = np.zeros(n, np.bool_)
    resolve_row = resolve.reshape(1, nf)
    for k in range(days):
        t = t0 + k
        u = np.ascontiguousarray(chunk[:, first + k, :])
        war = war_of_day[k]

        # Phase 1: patron signal and withdrawal.
        if iran_enabled:
            started, today = _iran_signal(
                t,
                us_killed_yesterday,
                pause_until,
                pause_trigger_killed,
                pause_days,
                pause_restraint,
                restraint_level,
            )
            pause_started[:] = started
            iran_restraint[:] = today
        if endogenous:
            _trigger(t, iraq_pressure, wd_start, threshold, delay)
        if never:
            troops[:] = initial
            stepping = no_step
        else:
            now, stepping = _advance(t, wd_start, wd_done, step_days, n_steps, initial, residual)
            troops[:] = now

        # Phase 2: simultaneous decisions.
        seen = read_lagged(seen_by_us, t, lag_us)
        blamed = read_lagged(blamed_by_us, t, lag_us)
        perceived_attack[:] = _worst_attack(
            seen, blamed, u[:, s_us_jitter : s_us_jitter + nf], us_target
        )
        us_levels = decide_levels(
            us_code,
            us_params,
            us_sf,
            us_si,
            us_sb,
            perceived_attack.reshape(1, n),
            np.ascontiguousarray(u[:, s_us_policy]).reshape(1, n),
            us_pressure.reshape(1, n),
            no_float,
            no_float,
            no_float,
            no_float,
            no_float,
            no_float,
            war,
            no_int,
            us_max,
        )
        us_rung = _lookup(us_table, np.maximum(us_levels.reshape(n), -1), lo)
        target_today = us_target.copy()

        perceived, restraint = _militia_context(
            read_lagged(seen_by_militia, t, lag_mil),
            read_lagged(us_target_log, t, lag_mil),
            solidarity_discount,
            compliance,
            iran_restraint,
            mediation_until,
            t,
            leverage,
        )
        mil_perceived[:] = perceived
        exposure = (troops + troops_syria) / exposed0
        mil_levels = decide_levels(
            mil_code,
            mil_params,
            mil_sf,
            mil_si,
            mil_sb,
            perceived,
            u[:, s_mil_policy : s_mil_policy + nf],
            no_float,
            resolve_row,
            capability,
            mil_grievance,
            restraint,
            deterrence.reshape(n, 1),
            exposure.reshape(n, 1),
            war,
            no_int,
            mil_max,
        )
        mil_rung = _militia_bound(
            mil_levels,
            u[:, s_mil_truce : s_mil_truce + nf],
            compliance,
            pause_started,
            truce_until,
            t,
            pause_days,
            capability,
            capability_cost,
            mil_table,
            lo,
            truce_rung,
        )

        iraq_levels = decide_levels(
            iraq_code,
            iraq_params,
            iraq_sf,
            iraq_si,
            iraq_sb,
            read_lagged(us_level_log, t, lag_iraq).reshape(1, n),
            np.ascontiguousarray(u[:, s_iraq_policy]).reshape(1, n),
            iraq_pressure.reshape(1, n),
            no_float,
            no_float,
            no_float,
            no_float,
            no_float,
            no_float,
            war,
            read_lagged(militia_level_log, t, lag_iraq).reshape(1, n),
            iraq_max,
        )
        iraq_rung = _lookup(iraq_table, iraq_levels.reshape(n), lo)
        for r in range(n):
            if level[iraq_rung[r]] < 0:  # restrains from tomorrow for mediation_days days
                mediation_until[r] = t + 1 + mediation_days

        # Phase 3: outcomes and perception.
        day = resolve_day(
            t,
            u,
            s_absorb,
            s_killed,
            s_wounded,
            s_read,
            s_blame,
            s_blame_pick,
            s_strike_killed,
            s_us_read,
            us_rung,
            mil_rung,
            iraq_rung,
            stepping,
            protection,
            protection_effect,
            killed_cdf,
            wounded_cdf,
            forced,
            level,
            lo,
            hi,
            iraq_sovereignty,
            goldstein,
            withdrawal_rung,
            none_rung,
            noise,
            misattribution,
            first_day,
            escalation_index,
            index_decay,
            cumulative,
        )
        escalation_index[:] = day.escalation_index
        slot = t % seen_by_us.shape[0]
        seen_by_us[slot] = day.seen
        blamed_by_us[slot] = day.blamed
        seen_by_militia[slot] = day.us_seen
        us_target_log[slot] = target_today
        us_level_log[slot] = day.us_level
        militia_level_log[slot] = day.militia_level

        # Agents absorb the day.
        new_pressure, new_protection, new_deterrence = _us_absorb(
            us_pressure,
            protection,
            deterrence,
            perceived_attack,
            day.us_killed,
            day.us_wounded,
            day.attacks,
            day.used_force,
            pressure_decay,
            protection_decay,
            casualty_sensitivity,
            wounded_sensitivity,
            force_protection,
            protection_gain,
            deterrence_gain,
            deterrence_loss,
        )
        us_pressure[:] = new_pressure
        protection[:] = new_protection
        deterrence[:] = new_deterrence
        _militia_absorb(
            t,
            mil_rung,
            us_rung,
            target_today,
            supply,
            capability,
            mil_grievance,
            disrupted_until,
            capability_regen,
            disruption_days,
            grievance_decay,
            revenge,
            capability_damage,
            capability_cost,
            grievance_of,
            leadership_strike,
        )
        new_grievance, new_iraq_pressure = _iraq_absorb(
            iraq_grievance, iraq_pressure, day.sovereignty, iraq_decay, pressure_base, pressure_rate
        )
        iraq_grievance[:] = new_grievance
        iraq_pressure[:] = new_iraq_pressure
        us_killed_yesterday[:] = day.us_killed

        # The day's records (the militias' means over factions: by the caller, with numpy).
        counts[PEAK, t] = day.peak
        counts[ATTACKS, t] = day.attacks
        for r in range(n):
            counts[STRIKES, t, r] = 1 if day.used_force[r] else 0
            counts[TROOPS, t, r] = troops[r]
        counts[US_KILLED, t] = day.us_killed
        counts[US_WOUNDED, t] = day.us_wounded
        counts[MIL_KILLED, t] = day.militia_killed
        counts[CUM_ATTACKS, t] = cumulative[0]
        counts[CUM_STRIKES, t] = cumulative[1]
        counts[CUM_US_KILLED, t] = cumulative[2]
        counts[CUM_US_WOUNDED, t] = cumulative[3]
        counts[CUM_MIL_KILLED, t] = cumulative[4]
        levels[INDEX, t] = escalation_index
        levels[GOLDSTEIN, t] = day.goldstein
        levels[US_PRESSURE, t] = us_pressure
        levels[US_DETERRENCE, t] = deterrence
        levels[US_PROTECTION, t] = protection
        levels[IRAQ_GRIEVANCE, t] = iraq_grievance
        levels[IRAQ_PRESSURE, t] = iraq_pressure
        levels[RESTRAINT, t] = iran_restraint
        levels[WAR, t] = war
        capability_log[k] = capability
        grievance_log[k] = mil_grievance
