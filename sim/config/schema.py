"""Typed scenario configuration: the one place every default and its source is written down.

The dataclasses here are the schema for both entry points: Hydra registers them as structured
configs (so ``--cfg job`` shows every default), and Python users build them directly. Each field
carries its provenance in ``metadata["doc"]`` (a source or the word "assumption") and its allowed
range, which :mod:`sim.config.validation` checks and ``docs/parameters.md`` lists.

Nothing here imports Hydra: notebooks, tests and the web app build models from these objects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sim.core.ladder import ACTING_ACTORS, LadderConfig, default_ladder_config
from sim.core.params import PROBABILITY, UNIT, param
from sim.core.posterior import calibrated_param


@dataclass
class FactionConfig:
    """One Iran-backed militia faction."""

    name: str = param("Kataib Hezbollah", doc="Faction name, used in the event log.")
    resolve: float = param(
        1.0,
        doc="Willingness to attack relative to the base hazard (assumption; KH and Nujaba "
        "claimed most attacks under the Islamic Resistance in Iraq banner).",
        ge=0.0,
        le=3.0,
    )
    compliance: float = param(
        0.8,
        doc="Iran's leverage over the faction: how far it follows Iranian restraint, 0 = "
        "ignores it, 1 = fully; when Iran orders a halt, the factions whose compliance exceeds "
        "one shared draw declare a truce, so the most dependent halt first (assumption; KH "
        "announced a suspension on 30 Jan 2024 at Iran's urging, Nujaba said it would go on "
        "but its attacks stopped too).",
        **PROBABILITY,
    )
    capability: float = param(
        1.0,
        doc="Initial drone/rocket stock as a fraction of the faction's maximum (assumption).",
        **UNIT,
    )


def default_factions() -> list[FactionConfig]:
    """The three factions most active in 2023-24 (CRS IF12587 names KH, Nujaba and KSS).

    Compliance (Iran's leverage over each) is an assumption read off the lull: KH suspended its
    attacks on 30 Jan 2024; Nujaba said it would go on, yet no faction attacked US forces from
    5 Feb to 21 Apr 2024 (Ryder, 23 Apr 2024), so Iran's leverage held over all three; KH,
    the closest to the IRGC Quds Force, highest (CRS IF12587)."""
    return [
        FactionConfig("Kataib Hezbollah", resolve=1.0, compliance=0.9, capability=1.0),
        FactionConfig("Harakat al-Nujaba", resolve=1.0, compliance=0.8, capability=0.8),
        FactionConfig("Kataib Sayyid al-Shuhada", resolve=0.6, compliance=0.85, capability=0.6),
    ]


@dataclass
class USConfig:
    """The United States: forces in the theatre, domestic politics, deterrence."""

    policy: Any = param(
        None,
        doc="Retaliation policy: a policy name plus its parameters (docs/parameters.md, "
        "Policies). "
        "Default proportional: the Biden administration answered accumulated harm with "
        "periodic strikes rather than every attack (CRS IF12587).",
    )
    troops_iraq: int = param(
        2500,
        doc="US troops in Iraq at the start (DoD statements, Oct 2023: about 2,500).",
        ge=0,
        le=200_000,
    )
    troops_syria: int = param(
        900,
        doc="US troops in Syria, exposed to attack but not part of the Iraq withdrawal (DoD "
        "statements, Oct 2023: about 900).",
        ge=0,
        le=200_000,
    )
    reaction_lag_days: int = param(
        2,
        doc="Days between an attack and the US decision that can answer it (assumption; "
        "Tower 22 on 28 Jan 2024 was answered on 2 Feb, smaller attacks within days).",
        ge=1,
        le=60,
    )
    casualty_sensitivity: float = param(
        0.25,
        doc="Rise of domestic pressure per US service member killed (assumption).",
        ge=0.0,
        le=1.0,
    )
    wounded_sensitivity: float = param(
        0.01,
        doc="Rise of domestic pressure per US service member wounded (assumption).",
        ge=0.0,
        le=1.0,
    )
    pressure_half_life_days: float = param(
        30.0, doc="Half-life of domestic pressure to retaliate (assumption).", gt=0.0
    )
    force_protection: float = param(
        0.5,
        doc="Initial force-protection level: the chance an attack is absorbed without "
        "casualties is protection_effect x this (assumption).",
        **UNIT,
    )
    protection_gain: float = param(
        0.005,
        doc="Rise of force protection per attack suffered (assumption: bases harden under fire).",
        **UNIT,
    )
    protection_effect: float = param(
        0.6,
        doc="Largest share of attacks that full force protection absorbs (assumption; most "
        "2023-24 attacks were intercepted or missed, DoD briefings).",
        **UNIT,
    )
    protection_half_life_days: float = param(
        90.0,
        doc="Half-life of the extra force protection gained under fire (assumption: "
        "hardening fades slowly).",
        gt=0.0,
    )
    deterrence: float = param(
        0.5, doc="Initial deterrence credibility in [0, 1] (assumption).", **UNIT
    )
    deterrence_gain: float = param(
        0.05,
        doc="Rise of credibility on a day the US uses force (assumption).",
        **UNIT,
    )
    deterrence_loss: float = param(
        0.01,
        doc="Fall of credibility on a day an attack goes unanswered by force (assumption).",
        **UNIT,
    )


@dataclass
class MilitiaConfig:
    """Iran-backed militias: factions, stocks and motives."""

    policy: Any = param(
        None,
        doc="Attack policy shared by all factions. Default hazard: attacks arrive as a "
        "Poisson process whose rate follows capability, motive and restraint (assumption, "
        "in the spirit of event-history models of terrorist attacks).",
    )
    factions: list[FactionConfig] = param(
        doc="The factions (default three; CRS IF12587).", factory=default_factions
    )
    capability_regen: float = param(
        0.02,
        doc="Daily restoration of capability at full Iranian supply, as a fraction of the "
        "maximum (assumption).",
        **UNIT,
    )
    grievance: float = param(
        0.3, doc="Initial grievance against the US in [0, 1] (assumption).", **UNIT
    )
    grievance_half_life_days: float = param(
        60.0, doc="Half-life of grievance from strikes (assumption).", gt=0.0
    )
    disruption_days: int = param(
        30,
        doc="Days a faction's capability stops regenerating after its commander is killed "
        "(assumption).",
        ge=0,
        le=3650,
    )
    revenge: float = param(
        0.3,
        doc="Grievance added when a faction's commander is killed (assumption).",
        **UNIT,
    )
    coercion: float = calibrated_param(
        "militia.coercion",
        0.7,
        "Weight of coercion: how far the expected cost of attacking (raised by the size "
        "of the US response, the ladder's `coercion`) holds attacks down; 0 switches it "
        "off (docs/ODD.md 7.13).",
        ge=0.0,
        le=5.0,
    )
    coercion_half_life_days: float = param(
        45.0,
        doc="Half-life of the fear a US response instils (assumption: the lull after the "
        "strikes of 2-7 Feb 2024 lasted about 11 weeks).",
        gt=0.0,
    )
    coercion_spillover: float = param(
        0.5,
        doc="Share of a US response's coercion felt by the factions it did not strike "
        "(assumption: the 2 Feb 2024 strikes hit several groups' facilities).",
        **UNIT,
    )
    truce_days: int = param(
        30,
        doc="Days a truce forced by a shock is kept (assumption).",
        ge=0,
        le=3650,
    )
    solidarity_discount: int = param(
        1,
        doc="Rungs by which a faction discounts a US strike on another faction when it "
        "decides how to respond (assumption: the factions fight under one banner but "
        "answer strikes on themselves first).",
        ge=0,
        le=10,
    )
    reaction_lag_days: int = param(
        1, doc="Days between a US action and the militia decision (assumption).", ge=1, le=60
    )


@dataclass
class IraqConfig:
    """The Iraqi government: sovereignty, pressure on the coalition, leverage on militias."""

    policy: Any = param(
        None,
        doc="Iraqi government policy. Default balancing: condemn strikes on Iraqi soil, "
        "demand the coalition's exit under pressure, mediate otherwise (CRS IF12587 on the "
        "Sudani government's position).",
    )
    pressure: float = param(
        0.2,
        doc="Baseline political pressure to end the coalition mission (assumption; the "
        "Iraqi parliament voted for US withdrawal in January 2020).",
        **UNIT,
    )
    pressure_rate: float = param(
        0.05,
        doc="Daily rate at which pressure moves toward baseline + grievance (assumption).",
        **UNIT,
    )
    grievance_half_life_days: float = param(
        45.0, doc="Half-life of sovereignty grievance (assumption).", gt=0.0
    )
    leverage: float = param(
        0.3,
        doc="Share by which Iraqi mediation lowers militia attack rates while it lasts "
        "(assumption).",
        **UNIT,
    )
    mediation_days: int = param(
        14, doc="How long one mediation effort restrains militias (assumption).", ge=0, le=365
    )
    talks_rate: float = param(
        0.02,
        doc="Daily progress of the talks on ending the coalition mission at full pressure, "
        "as a share of the way left (0 switches the political track off). Talks open when "
        "the government demands the coalition's exit (5 Jan 2024) and progress with its "
        "pressure (the Higher Military Commission met from 27 Jan 2024; the end date was "
        "agreed on 27 Sep 2024). Assumption.",
        **UNIT,
    )
    offramp: float = calibrated_param(
        "iraq.offramp",
        0.6,
        "Largest share by which visible progress of the talks lowers the militias' "
        "attack rate: the coalition's exit is their stated aim, so progress is an "
        "off-ramp (KH justified its 30 Jan 2024 suspension by not embarrassing the "
        "government).",
        **UNIT,
    )
    breakdown_breach: float = param(
        0.5,
        doc="Sovereignty breach in one day (the ladder's `iraq_sovereignty`, summed) that "
        "breaks the talks off (assumption: larger than a strike in Baghdad, after which the "
        "talks went on in Feb 2024).",
        ge=0.0,
        le=10.0,
    )
    breakdown_grievance: float = param(
        0.2,
        doc="Grievance every faction gains when the talks break down (assumption).",
        **UNIT,
    )
    reaction_lag_days: int = param(
        1,
        doc="Days between an event and the Iraqi government's reaction (assumption).",
        ge=1,
        le=60,
    )
    isis_threat: float = param(
        0.0,
        doc="ISIS threat level above that of 2023-24, in [0, 1] (0 = as in 2023-24, when "
        "ISIS was weakened but active; assumption). A what-if lever: an ISIS resurgence.",
        **UNIT,
    )
    isis_weight: float = param(
        0.5,
        doc="How far the ISIS threat holds down Iraqi pressure to end the coalition mission, "
        "whose mandate is the fight against ISIS (assumption; the US-Iraq Higher Military "
        "Commission of Jan 2024 tied the coalition's timetable to 'the level of threat posed "
        "by ISIS', Iraqi PM's office and MFA statements).",
        **UNIT,
    )


IRAN_ORDERS = ("halt", "restrain", "back")
"""Iran's orders, least escalatory first (their codes in the model are their positions):
``halt`` every faction (the halt the model's Iran orders at its risk trigger), ``restrain``
(its baseline restraint, no halt) or ``back`` the campaign (no restraint, more supply)."""


@dataclass
class IranOrderConfig:
    """An order Iran gives on given days instead of deciding itself (a class team's, or a
    what-if: "Iran orders a halt on day 100 for 30 days")."""

    day: int = param(0, doc="First day of the order (0 = start date).", ge=0)
    order: str = param(
        "halt",
        doc="`halt`: every faction is ordered to halt (those whose compliance exceeds one "
        "shared draw declare a truce, as when Iran's risk reaches `halt_trigger`); "
        "`restrain`: Iran's baseline `restraint`, no halt; `back`: no restraint and supply "
        "at `back_supply` (Iran encourages the campaign).",
        choices=IRAN_ORDERS,
    )
    days: int = param(1, doc="Days the order holds, from `day` on.", ge=1)


@dataclass
class IranConfig:
    """Iran as patron: supply and restraint signals (an agent that can be switched off)."""

    enabled: bool = param(
        True,
        doc="Iran acts as patron. When false there is no restraint and no halt; supply "
        "stays at its baseline.",
    )
    restraint: float = calibrated_param(
        "iran.restraint",
        0.3,
        "Baseline restraint signal in [0, 1] (Tehran wanted pressure on the US without a "
        "direct war, CRS IF12587).",
        **UNIT,
    )
    supply: float = param(
        1.0,
        doc="Multiplier on militia capability regeneration (1 = baseline supply; assumption).",
        ge=0.0,
        le=5.0,
    )
    halt_trigger: float = calibrated_param(
        "iran.halt_trigger",
        1.2,
        "Iran's perceived risk of US escalation against Iran itself at which it orders "
        "every faction to halt (0 switches the halt off). The risk adds up US strikes at "
        "Iran-linked targets (the ladder's `iran_risk`) and US deaths "
        "(`risk_per_us_death`), and decays. Quds Force chief Qaani urged the factions to "
        "stop after Tower 22 killed 3 on 28 Jan 2024 (Reuters, 18 Feb 2024); KH suspended "
        "its attacks on 30 Jan.",
        ge=0.0,
        le=10.0,
    )
    halt_release: float = calibrated_param(
        "iran.halt_release",
        0.5,
        "Share of `halt_trigger` below which the risk must fall for the halt to end (Iran "
        "lifts its halt once the risk of a US strike on Iran has receded).",
        **PROBABILITY,
    )
    risk_half_life_days: float = calibrated_param(
        "iran.risk_half_life_days",
        90.0,
        "Half-life of Iran's perceived risk.",
        gt=0.0,
    )
    risk_per_us_death: float = calibrated_param(
        "iran.risk_per_us_death",
        0.25,
        "Risk added by each US death (US deaths bring calls to strike Iran; after Tower 22 "
        "US officials held Iran responsible, DoD 29 Jan 2024).",
        ge=0.0,
        le=10.0,
    )
    halt_restraint: float = param(
        0.95,
        doc="Restraint signal during a halt; a faction heeds it in proportion to Iran's "
        "leverage over it (`compliance`). Assumption: no attack on US forces in Iraq and "
        "Syria from early February to 22 April 2024 (Ryder, 23 Apr 2024).",
        **UNIT,
    )
    back_supply: float = param(
        1.5,
        doc="Multiplier on militia capability regeneration while Iran backs the campaign (an "
        "order `back`; assumption: Iran resupplies faster when it wants pressure).",
        ge=0.0,
        le=5.0,
    )
    orders: list[IranOrderConfig] = param(
        doc="Orders Iran gives on given days instead of deciding itself (a class game's Iran "
        "team, or a what-if): a list of {day, order, days}, or the path of a CSV file with "
        "columns day, order and optionally days (a class game's `iran_orders.csv`). A later "
        "order wins where two overlap; on other days Iran decides as the model's patron. "
        "Needs `enabled`.",
        factory=list,
    )


START_MONTH = "withdrawal.start_month"
"""The config key of the withdrawal's start: the withdrawal question's lever, and the column of
a sweep's tables that holds it."""

NEVER = "never"
"""A withdrawal that never starts (``start_month`` null), as tables, figures and words say it."""


def never_starts(start_month: object) -> bool:
    """Whether a withdrawal start, as a table holds it, is "never": null, read back as None
    or, in a column of numbers, as NaN."""
    return start_month is None or (isinstance(start_month, float) and math.isnan(start_month))


@dataclass
class WithdrawalConfig:
    """Coalition withdrawal from Iraq: a schedule, or triggered by Iraqi pressure."""

    start_month: float | None = param(
        None,
        doc="Months after the start date when withdrawal begins; null = no scheduled "
        "withdrawal (the September 2024 US-Iraq announcement set September 2025 for the end "
        "of the coalition mission in federal Iraq).",
        ge=0.0,
        le=600.0,
    )
    duration_months: float = param(
        12.0,
        doc="Months from the first to the last withdrawal step (assumption; the 2024 plan "
        "spread the drawdown over about 12 months).",
        ge=0.0,
        le=600.0,
    )
    residual_troops: int = param(
        500,
        doc="Troops left in Iraq after withdrawal, e.g. advisers in Erbil (assumption).",
        ge=0,
    )
    step_days: int = param(
        30, doc="Days between withdrawal steps (assumption: monthly).", ge=1, le=3650
    )
    endogenous: bool = param(
        False,
        doc="Start withdrawal when Iraqi pressure crosses pressure_threshold (whichever "
        "comes first with a scheduled start).",
    )
    pressure_threshold: float = param(
        0.8, doc="Iraqi pressure that triggers endogenous withdrawal (assumption).", **UNIT
    )
    delay_months: float = param(
        6.0,
        doc="Months of talks between the trigger and the first withdrawal step (assumption; "
        "talks opened 27 Jan 2024 and the plan was announced in September 2024).",
        ge=0.0,
        le=600.0,
    )


@dataclass
class PerceptionConfig:
    """How actors read each other: misperception, misattribution (lags are per actor)."""

    noise: float = param(
        0.05,
        doc="Probability that an action is misread one rung up or down (assumption; "
        "Molander 1985 studies noise of this order).",
        **PROBABILITY,
    )
    false_alarm: float = param(
        0.0,
        doc="Probability that a day without action is read as the lowest use of force (an "
        "attack or a strike that did not happen). 0 keeps peace absorbing; Molander's (1985) "
        "results on echoes need noise that can also create a defection (assumption).",
        **PROBABILITY,
    )
    misattribution: float = param(
        0.1,
        doc="Probability that the US blames a militia attack on another faction "
        "(assumption; attacks were claimed under the shared Islamic Resistance in Iraq "
        "banner).",
        **PROBABILITY,
    )


@dataclass
class RegionalWarConfig:
    """The regional war's intensity over time, an exogenous driver of militia motive."""

    initial: float = param(
        1.0,
        doc="Intensity at the start, 1 = the October 2023 peak of the Gaza war (assumption).",
        **UNIT,
    )
    floor: float = param(0.3, doc="Long-run intensity (assumption).", **UNIT)
    half_life_days: float = param(
        180.0, doc="Half-life of the decline from initial to floor (assumption).", gt=0.0
    )
    schedule: Any = param(
        "record",
        doc="A dated schedule instead of the decline: a list of {date, intensity} points "
        "(dates ascending), each value holding from its date until the next (the first also "
        "before it), or `record` for "
        "the sourced schedule of the Gaza war and the Iran-Israel exchanges in "
        "sim/data/regional_war.csv.",
    )


@dataclass
class ShockConfig:
    """An action forced on a given day, e.g. a mass-casualty attack on day 100."""

    day: int = param(0, doc="Day of the shock (0 = start date).", ge=0)
    actor: str = param("militia", doc="Who acts.", choices=ACTING_ACTORS)
    action: str = param("mass_casualty_attack", doc="A rung name from the ladder.")
    faction: str | None = param(
        None, doc="Acting (militia) or targeted (US) faction; default the first faction."
    )
    killed: int | None = param(
        None, doc="Force this many deaths on the target; null draws from the rung.", ge=0
    )


@dataclass
class IndexConfig:
    """The escalation index and the thresholds used in summaries (crisis days, spillover)."""

    half_life_days: float = param(
        7.0,
        doc="Half-life of the exponentially weighted escalation index (assumption: a week).",
        gt=0.0,
    )
    crisis_threshold: float = param(
        5.0,
        doc="Index (0-10) at or above which a day counts as a day in crisis (assumption).",
        ge=0.0,
        le=10.0,
    )
    spillover_risk: float = param(
        3.0,
        doc="Iran's perceived risk of a US war on Iran (iran_risk) at or above which a replica "
        "counts as a regional-war spillover in summaries (spillover_day). Assumption: half "
        "again the risk the 2024 record implies at its height (Tower 22's three deaths at the "
        "calibrated iran.risk_per_us_death plus the strike campaign of 2 Feb and the killing "
        "of 7 Feb at their ladder iran_risk, about 2.0), which did not become a regional war.",
        gt=0.0,
        le=100.0,
    )


@dataclass
class OutputConfig:
    """What a run writes besides the time series and summary."""

    timeseries: bool = param(
        True, doc="Write timeseries.parquet (one row per replica per day; sweeps turn it off)."
    )
    events: bool = param(True, doc="Write events.csv (one row per action).")
    plot: bool = param(True, doc="Write trajectory.png.")
    compare_record: bool = param(
        False,
        doc="Overlay the recorded cumulative attacks of 2023-24 (sim/data) on trajectory.png "
        "(the historical scenario turns it on).",
    )


@dataclass
class ScenarioConfig:
    """A complete scenario: everything a run needs, and nothing about where it runs."""

    seed: int = param(0, doc="Seed of the random streams.", ge=0, lt=2**63)
    replicas: int = param(
        100,
        doc="Replicas stepped together (R = 1 is an ordinary single run).",
        ge=1,
        le=1_000_000,
    )
    parameters: str = param(
        "posterior",
        doc="Where the calibrated parameters come from: `posterior` (each replica draws its "
        "own set, by weight, from the posterior, so every band carries what the 2023-24 "
        "record could not pin down) or `point` (every replica uses the configured values, "
        "by default the posterior's medians). Setting a calibrated parameter needs `point`.",
        choices=("posterior", "point"),
    )
    posterior: str = param(
        "posterior_2023",
        doc="The posterior the replicas draw from: a shipped one's name (sim/data/NAME.csv) "
        "or a path to a CSV with the calibrated parameters and a `weight` column.",
    )
    common_random_numbers: bool = param(
        True,
        doc="Give scenarios that differ only in levers the same random streams per replica, "
        "so that their differences are not noise (Law 2015, Simulation Modeling and "
        "Analysis, ch. 11). When false the streams also depend on the scenario.",
    )
    start_date: str = param(
        "2023-10-17",
        doc="Calendar date of day 0 (DoD: attacks on US forces began 17 Oct 2023). Only a "
        "date with a stated initial state (sim/data/initial_states.yaml) can start a run: "
        "2023-10-17 or 2024-09-27 (the US-Iraq agreement).",
    )
    horizon_days: int = param(730, doc="Days simulated (assumption: two years).", ge=1, le=36_500)
    us: USConfig = param(doc="The United States.", factory=USConfig)
    militia: MilitiaConfig = param(doc="The militias.", factory=MilitiaConfig)
    iraq: IraqConfig = param(doc="The Iraqi government.", factory=IraqConfig)
    iran: IranConfig = param(doc="Iran as patron.", factory=IranConfig)
    withdrawal: WithdrawalConfig = param(doc="Coalition withdrawal.", factory=WithdrawalConfig)
    perception: PerceptionConfig = param(doc="Perception.", factory=PerceptionConfig)
    regional_war: RegionalWarConfig = param(doc="Regional war.", factory=RegionalWarConfig)
    shocks: list[ShockConfig] = param(doc="Scheduled shocks.", factory=list)
    index: IndexConfig = param(doc="Escalation index.", factory=IndexConfig)
    ladder: LadderConfig = param(
        doc="The escalation ladder: a shipped ladder's name (sim/data/ladders/NAME.yaml), a "
        "path to a YAML file with a `rungs` list, or the rungs themselves.",
        factory=default_ladder_config,
    )
    output: OutputConfig = param(doc="Outputs.", factory=OutputConfig)


DEFAULT_POLICIES = {"us": "proportional", "militia": "hazard", "iraq": "balancing"}
"""Each acting actor's default policy: used where its ``policy`` is left as None (the Python
API) and registered as Hydra's default of its ``<actor>/policy`` group (the command line)."""
if set(DEFAULT_POLICIES) != set(ACTING_ACTORS):
    raise ImportError(
        f"DEFAULT_POLICIES names {sorted(DEFAULT_POLICIES)}, the acting actors are "
        f"{sorted(ACTING_ACTORS)}: give each acting actor a default policy"
    )
