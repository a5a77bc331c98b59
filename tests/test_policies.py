"""Unit tests of every registered policy, in the style of the Axelrod library's strategy tests.

Each policy is replayed against scripted opponents: ``opponent[r][t]`` is the level replica
``r`` perceives on day ``t``, fed day by day through :class:`sim.policies.Observation`, and the
test asserts the exact levels played. The expected lists are worked out by hand from each
policy's documented rule and written literally; several replicas with different scripts run
at once to check that the rules are vectorised.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim.model.escalation import EscalationModel
from sim.policies import POLICIES, Observation, Policy, PolicyParams, policies_for, register

MAX = 6
"""Top of the default ladder (targeted killing for the US, mass-casualty attack for militias)."""

REGISTERED = [
    "tit_for_tat",
    "generous_tit_for_tat",
    "proportional",
    "escalate",
    "red_line",
    "restraint",
    "grim_trigger",
    "hazard",
    "balancing",
    "passive",
    "human",
]


HAND_HAZARD = {"base_rate": 2.0, "war_weight": 0.6, "casualty_intent": 0.05,
               "mass_casualty_intent": 0.004}  # fmt: skip
"""Round values of the hazard's calibrated parameters that the hand computations below use
(the defaults are the posterior's medians, which change with each calibration)."""


def new(name: str, shape: int | tuple[int, ...], actor_max: int = MAX, **params) -> Policy:
    """A fresh policy ``name`` for decisions of ``shape`` with the given parameters; ``actor_max``
    is the actor's most escalatory level (the policy's own ``max_level`` parameter, restraint's
    ceiling, is a different thing). The hazard starts from :data:`HAND_HAZARD`."""
    cls = POLICIES[name]
    if name == "hazard":
        params = {**HAND_HAZARD, **params}
    return cls(cls.Params(**params), shape, actor_max)


def replay(policy: Policy, opponent, u=None, **context) -> list[list[int]]:
    """Play ``policy`` against scripted opponents and return the levels, ``played[r][t]``.

    ``opponent`` and ``u`` (default 0.5) are given per replica per day, ``[r][t]``; so is
    any array context (pressure, militia_level, ...). Plain numbers (resolve, war) are passed
    through unchanged.
    """
    opp = np.asarray(opponent, dtype=np.int64)
    n_rep, n_days = opp.shape
    draws = np.full(opp.shape, 0.5) if u is None else np.asarray(u, dtype=float)
    assert draws.shape == opp.shape
    played = np.empty_like(opp)
    for t in range(n_days):
        ctx = {
            k: v if isinstance(v, int | float) else np.asarray(v, dtype=float)[:, t]
            for k, v in context.items()
        }
        levels = np.asarray(
            policy.decide(Observation(day=t, opponent=opp[:, t], u=draws[:, t], **ctx))
        )
        assert levels.shape == (n_rep,)
        assert np.issubdtype(levels.dtype, np.integer), levels.dtype
        played[:, t] = levels
    return played.tolist()


def play(name: str, opponent, u=None, *, actor_max: int = MAX, params=None, **context):
    """Replay a fresh policy ``name`` (one replica per script) against ``opponent``."""
    policy = new(name, len(opponent), actor_max, **(params or {}))
    return replay(policy, opponent, u, **context)


# --------------------------------------------------------------------------- registry


def test_registry_holds_exactly_the_documented_policies():
    assert sorted(POLICIES) == sorted(REGISTERED)
    for name, cls in POLICIES.items():
        assert cls.name == name


def test_registering_a_name_twice_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        register(POLICIES["tit_for_tat"])
    assert len(POLICIES) == len(REGISTERED)


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        (
            "us",
            [
                "escalate",
                "generous_tit_for_tat",
                "grim_trigger",
                "human",
                "proportional",
                "red_line",
                "restraint",
                "tit_for_tat",
            ],
        ),
        (
            "militia",
            [
                "escalate",
                "generous_tit_for_tat",
                "grim_trigger",
                "hazard",
                "human",
                "proportional",
                "red_line",
                "restraint",
                "tit_for_tat",
            ],
        ),
        ("iraq", ["balancing", "human", "passive"]),
        ("iran", []),
    ],
)
def test_policies_for_each_actor(actor, expected):
    assert policies_for(actor) == expected


CLASSIFIERS = {
    "human": (0, False),
    "tit_for_tat": (1, False),
    "generous_tit_for_tat": (1, True),
    "proportional": (float("inf"), False),
    "escalate": (1, False),
    "red_line": (1, False),
    "restraint": (1, False),
    "grim_trigger": (float("inf"), False),
    "hazard": (1, True),
    "balancing": (1, True),
    "passive": (0, False),
}


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_policy_class_declares_classifier_docstring_and_params(name):
    cls = POLICIES[name]
    assert issubclass(cls, Policy)
    # classifier declared on the class itself, not inherited from Policy
    assert "classifier" in vars(cls)
    assert set(cls.classifier) >= {"memory_depth", "stochastic"}
    assert (cls.classifier["memory_depth"], cls.classifier["stochastic"]) == CLASSIFIERS[name]
    doc = vars(cls).get("__doc__")
    assert doc and doc.strip()
    assert cls.actors and set(cls.actors) <= {"us", "militia", "iraq"}

    assert "Params" in vars(cls)
    params_cls = cls.Params
    assert dataclasses.is_dataclass(params_cls)
    assert issubclass(params_cls, PolicyParams)
    fields = {f.name: f for f in dataclasses.fields(params_cls)}
    assert fields["name"].default == name
    assert params_cls().name == name
    for field_name, f in fields.items():
        if field_name == "name":
            continue
        doc = f.metadata.get("doc")
        assert isinstance(doc, str) and doc.strip(), f"{name}.{field_name} has no provenance"


def _generic_observation(day: int, opponent: np.ndarray, u: np.ndarray) -> Observation:
    n = opponent.shape
    return Observation(
        day=day,
        opponent=opponent,
        u=u,
        pressure=np.full(n, 0.6),
        resolve=1.0,
        capability=np.full(n, 1.0),
        grievance=np.full(n, 0.5),
        restraint=np.full(n, 0.0),
        deterrence=np.full(n, 0.0),
        exposure=np.full(n, 1.0),
        war=1.0,
        militia_level=np.full(n, 4),
    )


@pytest.mark.parametrize("name", [n for n, (_, s) in CLASSIFIERS.items() if not s])
def test_deterministic_policies_ignore_their_random_number(name):
    script = np.array([0, 4, 5, 1, 6, 0, 4, 4, 2, -1, 4, 5] * 3)
    low, high = new(name, 1), new(name, 1)
    for t, level in enumerate(script):
        opp = np.array([level])
        a = low.decide(_generic_observation(t, opp, np.array([0.0])))
        b = high.decide(_generic_observation(t, opp, np.array([0.999])))
        assert a.tolist() == b.tolist()


@pytest.mark.parametrize("name", [n for n, (m, _) in CLASSIFIERS.items() if m <= 1])
def test_memory_one_policies_depend_only_on_today(name):
    """A policy of memory depth <= 1 plays as a fresh instance would on every day."""
    rng = np.random.default_rng(5)
    script = rng.integers(-1, 7, size=(4, 40))
    draws = rng.random(size=(4, 40))
    kept = new(name, 4)
    for t in range(40):
        obs = _generic_observation(t, script[:, t], draws[:, t])
        assert kept.decide(obs).tolist() == new(name, 4).decide(obs).tolist()


# --------------------------------------------------------------------------- tit for tat


def test_tit_for_tat_answers_in_kind_and_treats_de_escalation_as_cooperation():
    opponent = [
        [0, 4, 5, 0, 6, 2, -1, 0],
        [1, 0, 0, 4, 4, 0, 0, 3],
        [-2, -1, 0, 0, 0, 0, 0, 6],
    ]
    assert play("tit_for_tat", opponent) == [
        [0, 4, 5, 0, 6, 2, 0, 0],
        [1, 0, 0, 4, 4, 0, 0, 3],
        [0, 0, 0, 0, 0, 0, 0, 6],
    ]


def test_tit_for_tat_is_capped_at_max_level():
    assert play("tit_for_tat", [[6, 5, 4, 3]], actor_max=4) == [[4, 4, 4, 3]]


# --------------------------------------------------------------------------- generous TFT


def test_generous_tit_for_tat_forgives_exactly_when_u_below_generosity():
    opponent = [[4, 4, 4, 5, 6, 0], [6, 6, 6, 6, 6, 6]]
    u = [[0.29, 0.3, 0.31, 0.0, 0.99, 0.0], [0.5, 0.1, 0.2999, 0.3001, 0.7, 0.9]]
    assert play("generous_tit_for_tat", opponent, u, params={"generosity": 0.3}) == [
        [0, 4, 4, 0, 6, 0],
        [6, 0, 0, 6, 6, 6],
    ]


def test_generous_tit_for_tat_default_generosity_is_one_in_ten():
    opponent = [[5, 5, 5, 5]]
    u = [[0.0, 0.0999, 0.1, 0.5]]
    assert play("generous_tit_for_tat", opponent, u) == [[0, 0, 5, 5]]


def test_generosity_zero_is_tit_for_tat():
    opponent = [[0, 4, 5, 0, 6, 2, -1, 3], [4, 4, 4, 4, 1, 1, 6, 6]]
    u = [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 0.99, 0.0]]
    played = play("generous_tit_for_tat", opponent, u, params={"generosity": 0.0})
    assert played == [[0, 4, 5, 0, 6, 2, 0, 3], [4, 4, 4, 4, 1, 1, 6, 6]]
    assert played == play("tit_for_tat", opponent, u)


def test_generosity_one_never_retaliates():
    opponent = [[4, 5, 6, 6, 2], [6, 6, 6, 6, 6]]
    u = [[0.0, 0.5, 0.9, 0.999999, 0.3], [0.99, 0.98, 0.97, 0.5, 0.0]]
    assert play("generous_tit_for_tat", opponent, u, params={"generosity": 1.0}) == [
        [0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0],
    ]


def test_generous_tit_for_tat_is_capped_at_max_level():
    assert play("generous_tit_for_tat", [[6, 6]], [[0.9, 0.05]], actor_max=5) == [[5, 0]]


# --------------------------------------------------------------------------- proportional


def test_proportional_accumulates_fires_at_threshold_at_worst_level_and_resets():
    # half-life 1 day: the account halves every day, exactly.
    opponent = [
        [4, 4, 0, 0, 4, 4],
        [5, 4, 4, 4, 0, 0],
        [4, 0, 4, 3, 4, 0],
    ]
    policy = new("proportional", 3, threshold=6.0, half_life_days=1.0)
    # r0: 4 -> 2+4=6 fires (worst 4), reset; 0; 0; 4; 2+4=6 fires again.
    # r1: 5 -> 2.5+4=6.5 fires at the worst seen, 5; reset: 4; 2+4=6 fires at 4 (not 5).
    # r2: 4; 2 (no force: 0); 1+4=5 < 6; 2.5 (a sanction, 3, is not force); 5.25; 2.625.
    assert replay(policy, opponent) == [
        [2, 4, 0, 0, 2, 4],
        [2, 5, 2, 4, 0, 0],
        [2, 0, 2, 0, 2, 0],
    ]
    assert policy.account.tolist() == [0.0, 0.0, 2.625]
    assert policy.worst.tolist() == [0, 0, 4]


def test_proportional_fires_on_the_first_day_the_account_reaches_the_threshold():
    # without decay worth speaking of (half-life 1e9 days) the account is the running sum.
    opponent = [[4] * 6, [5] * 6, [6] * 6]
    played = play("proportional", opponent, params={"threshold": 11.5, "half_life_days": 1e9})
    # 4, 8, 12 >= 11.5 fires; 4, 8, 12 fires.  5, 10, 15 fires; ...  6, 12 fires; 6, 12 fires.
    assert played == [
        [2, 2, 4, 2, 2, 4],
        [2, 2, 5, 2, 2, 5],
        [2, 6, 2, 6, 2, 6],
    ]


def test_proportional_account_decays_with_its_half_life():
    # half-life 10 days, threshold 10: an attack of 6 is worth 3 ten days later, 1.5 after 20.
    days = 21
    opponent = [[0] * days for _ in range(3)]
    opponent[0][0] = opponent[0][10] = 6  # 3 + 6 = 9 < 10
    opponent[1][0] = opponent[1][5] = 6  # 6 / sqrt(2) + 6 = 10.24 >= 10
    opponent[2][0] = opponent[2][20] = 6  # 1.5 + 6 = 7.5 < 10
    played = play("proportional", opponent, params={"threshold": 10.0, "half_life_days": 10.0})
    expected = [[0] * days for _ in range(3)]
    expected[0][0] = expected[0][10] = 2
    expected[1][0], expected[1][5] = 2, 6
    expected[2][0] = expected[2][20] = 2
    assert played == expected


def test_proportional_harm_is_inflated_by_pressure():
    # weight = 1 + pressure_weight x pressure; half-life 1 day, threshold 10.
    opponent = [[4, 4, 4], [4, 4, 4], [4, 4, 4], [4, 4, 4]]
    pressure = [
        [0.0, 0.0, 0.0],  # 4, 6, 7: never fires
        [0.5, 0.5, 0.5],  # 4 x 2.5 = 10 fires every day
        [0.25, 0.25, 0.25],  # 4 x 1.75 = 7; 3.5 + 7 = 10.5 fires; 7
        [0.0, 0.0, 1.0],  # 4; 6; 3 + 4 x 4 = 19 fires
    ]
    played = play(
        "proportional",
        opponent,
        params={"threshold": 10.0, "half_life_days": 1.0},
        pressure=pressure,
    )
    assert played == [[2, 2, 2], [4, 4, 4], [2, 4, 2], [2, 2, 4]]


def test_proportional_pressure_weight_zero_ignores_pressure():
    played = play(
        "proportional",
        [[4, 4, 4]],
        params={"threshold": 10.0, "half_life_days": 1.0, "pressure_weight": 0.0},
        pressure=[[1.0, 1.0, 1.0]],
    )
    assert played == [[2, 2, 2]]


def test_proportional_caps_its_strike_and_its_words_at_max_level():
    assert play("proportional", [[6, 0, 4]], actor_max=4, params={"threshold": 5.0}) == [[4, 0, 2]]
    assert play("proportional", [[4, 6]], actor_max=3, params={"verbal_level": 5}) == [[3, 3]]


def test_proportional_state_is_per_replica_and_per_faction():
    policy = new("proportional", (2, 3), threshold=6.0, half_life_days=1.0)
    day0 = np.array([[4, 0, 6], [0, 5, 4]])
    day1 = np.array([[4, 4, 0], [0, 4, 4]])
    u = np.full((2, 3), 0.5)
    assert policy.decide(Observation(0, day0, u)).tolist() == [[2, 0, 6], [0, 2, 2]]
    # accounts after day 0: [[4, 0, 0], [0, 5, 4]]  (6 fired and reset)
    assert policy.decide(Observation(1, day1, u)).tolist() == [[4, 2, 0], [0, 5, 4]]
    assert policy.account.tolist() == [[0.0, 4.0, 0.0], [0.0, 0.0, 0.0]]


# --------------------------------------------------------------------------- escalate


def test_escalate_answers_one_rung_up_and_is_capped():
    opponent = [[0, 1, 2, 4, 5, 6, -1], [3, 3, 0, 0, 5, 5, 4]]
    assert play("escalate", opponent) == [[0, 2, 3, 5, 6, 6, 0], [4, 4, 0, 0, 6, 6, 5]]
    assert play("escalate", [[1, 4, 0]], params={"step": 2}) == [[3, 6, 0]]
    assert play("escalate", [[1, 4, 0]], params={"step": 0}) == [[1, 4, 0]]
    assert play("escalate", [[4, 5]], actor_max=5) == [[5, 5]]


# --------------------------------------------------------------------------- red line


def test_red_line_answers_in_words_until_the_line_is_crossed():
    opponent = [[0, 1, 4, 5, 6, -1], [4, 4, 4, 4, 6, 0]]
    assert play("red_line", opponent) == [[0, 2, 2, 5, 5, 0], [2, 2, 2, 2, 5, 0]]


def test_red_line_parameters_and_cap():
    params = {"red_line": 4, "response_level": 6, "verbal_level": 1}
    assert play("red_line", [[3, 4, 6, 0]], params=params) == [[1, 6, 6, 0]]
    assert play("red_line", [[2, 5, 6]], actor_max=4) == [[2, 4, 4]]
    assert play("red_line", [[2, 5]], actor_max=1) == [[1, 1]]


# --------------------------------------------------------------------------- restraint


def test_restraint_never_answers_above_its_ceiling():
    opponent = [[0, 1, 2, 4, 6, -1], [6, 6, 3, 0, 5, 2]]
    assert play("restraint", opponent) == [[0, 1, 2, 2, 2, 0], [2, 2, 2, 0, 2, 2]]
    assert play("restraint", [[4, 6, 1]], params={"max_level": 0}) == [[0, 0, 0]]
    assert play("restraint", [[5, 6, 1]], actor_max=4, params={"max_level": 5}) == [[4, 4, 1]]


# --------------------------------------------------------------------------- grim trigger


def test_grim_trigger_stays_triggered():
    opponent = [
        [0, 2, 3, 0, 4, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 0],
        [6, 0, -1, 0, 0, 0, 0, 0],
        [3, 3, 3, 3, 3, 3, 3, 5],
    ]
    assert play("grim_trigger", opponent) == [
        [0, 0, 0, 0, 4, 4, 4, 4],
        [0, 0, 0, 0, 0, 0, 0, 0],
        [4, 4, 4, 4, 4, 4, 4, 4],
        [0, 0, 0, 0, 0, 0, 0, 4],
    ]


def test_grim_trigger_parameters_and_cap():
    params = {"trigger_level": 5, "punish_level": 6}
    assert play("grim_trigger", [[4, 4, 5, 0, 0]], params=params) == [[0, 0, 6, 6, 6]]
    assert play("grim_trigger", [[4, 0]], actor_max=3) == [[3, 3]]


def test_grim_trigger_state_is_per_faction():
    policy = new("grim_trigger", (2, 2))
    u = np.full((2, 2), 0.5)
    assert policy.decide(Observation(0, np.array([[4, 0], [0, 0]]), u)).tolist() == [
        [4, 0],
        [0, 0],
    ]
    assert policy.decide(Observation(1, np.array([[0, 0], [0, 5]]), u)).tolist() == [
        [4, 0],
        [0, 4],
    ]
    assert policy.triggered.tolist() == [[True, False], [False, True]]


# --------------------------------------------------------------------------- hazard


def hazard_day(
    policy: Policy,
    opponent,
    u,
    *,
    grievance=0.5,
    capability=1.0,
    exposure=1.0,
    restraint=0.0,
    deterrence=0.0,
    resolve=1.0,
    war=0.0,
) -> list[int]:
    """One day of the hazard policy; context numbers are broadcast over the replicas."""
    opp = np.asarray(opponent, dtype=np.int64)
    full = np.ones(opp.shape)
    obs = Observation(
        day=0,
        opponent=opp,
        u=np.asarray(u, dtype=float),
        resolve=resolve,
        capability=capability * full,
        grievance=grievance * full,
        restraint=restraint * full,
        deterrence=deterrence * full,
        exposure=exposure * full,
        war=war,
    )
    levels = policy.decide(obs)
    assert np.issubdtype(levels.dtype, np.integer)
    return levels.tolist()


# Default hazard, full capability and exposure, no restraint or deterrence, no war,
# grievance 0.5: rate = 2 x 0.5 = 1 attack a day; 2 on a day after a US use of force.
P_CALM = 1.0 - math.exp(-1.0)  # 0.632
P_STRUCK = 1.0 - math.exp(-2.0)  # 0.865
# Given an attack, v = u / p picks the level: v < 0.004 mass casualty (6), v < 0.054 meant
# to kill (5), otherwise harassment (4)  (scale 0.5 + grievance = 1).


def test_hazard_attack_probability_matches_hand_computation():
    policy = new("hazard", 4)
    u = [P_CALM - 1e-9, P_CALM + 1e-9, P_STRUCK - 1e-9, P_STRUCK + 1e-9]
    assert hazard_day(policy, [0, 0, 4, 4], u) == [4, 0, 4, 2]


def test_hazard_attack_level_comes_from_u_over_p_attack():
    policy = new("hazard", 8)
    # u / 0.632: 0 -> 0; 0.002 -> 0.0032; 0.003 -> 0.0047; 0.03 -> 0.047; 0.04 -> 0.063;
    # 0.6 -> 0.95; 0.64 and 0.99 are no attack.
    u = [0.0, 0.002, 0.003, 0.03, 0.04, 0.6, 0.64, 0.99]
    assert hazard_day(policy, [0] * 8, u) == [6, 6, 5, 5, 4, 4, 0, 0]


def test_hazard_retaliation_raises_the_rate_against_a_use_of_force():
    policy = new("hazard", 7)
    opponent = [0, 4, 0, 4, 5, 6, 2]
    # u = 0.003: v = 0.0047 calm (5) but 0.0035 struck (6); u = 0.7 attacks only when struck;
    # words (2) neither raise the rate nor draw a threat.
    u = [0.003, 0.003, 0.7, 0.7, 0.7, 0.9, 0.7]
    assert hazard_day(policy, opponent, u) == [5, 6, 0, 4, 4, 2, 0]


def test_hazard_without_retaliation_factor_ignores_strikes_in_its_rate():
    policy = new("hazard", 2, retaliation=0.0)
    assert hazard_day(policy, [0, 4], [0.7, 0.7]) == [0, 2]


def test_hazard_full_rate_formula_by_hand():
    # rate = 2 (base) x 0.5 (resolve) x 0.8 (capability) x 1 (exposure) x (1 - 0.5) (restraint)
    #        x (1 - 0.5 x 0.4) (deterrence) x (0.6 x 0.5 + 0.2) (war, grievance) = 0.16
    p_attack = 1.0 - math.exp(-0.16)  # 0.1479
    policy = new("hazard", 7)
    context = dict(
        resolve=0.5, capability=0.8, restraint=0.5, deterrence=0.4, war=0.5, grievance=0.2
    )
    # scale 0.5 + 0.2 = 0.7: mass below v = 0.0028, kill below 0.0028 + 0.035 = 0.0378.
    # u = 0.0003 -> v = 0.0020; 0.0005 -> 0.0034 (mass at grievance 0.5, not at 0.2);
    # 0.001 -> 0.0068; 0.0065 -> 0.044 (meant to kill at grievance 0.5, not at 0.2);
    # 0.1 -> 0.68.
    u = [0.0003, 0.0005, 0.001, 0.0065, 0.1, p_attack - 1e-9, p_attack + 1e-9]
    assert hazard_day(policy, [0] * 7, u, **context) == [6, 5, 5, 4, 4, 4, 0]


@pytest.mark.parametrize(
    "zero",
    [
        {"policy": {"base_rate": 0.0}},
        {"capability": 0.0},
        {"exposure": 0.0},
        {"restraint": 1.0},
        {"resolve": 0.0},
        {"grievance": 0.0, "war": 0.0},
        {"policy": {"deterrence_weight": 1.0}, "deterrence": 1.0},
    ],
    ids=["base_rate", "capability", "exposure", "restraint", "resolve", "motive", "deterrence"],
)
def test_hazard_zero_rate_never_attacks(zero):
    zero = dict(zero)
    policy = new("hazard", 6, **zero.pop("policy", {}))
    opponent = [0, 1, 2, 4, 5, 6]
    for _ in range(3):  # even the smallest draw, on any day
        assert hazard_day(policy, opponent, [0.0] * 6, **zero) == [0, 0, 0, 2, 2, 2]


def test_hazard_intent_parameters_set_the_attack_level():
    everything_mass = new("hazard", 3, mass_casualty_intent=1.0)
    assert hazard_day(everything_mass, [0, 0, 0], [0.0, 0.3, 0.63]) == [6, 6, 6]
    everything_kills = new("hazard", 3, casualty_intent=1.0, mass_casualty_intent=0.0)
    assert hazard_day(everything_kills, [0, 0, 0], [0.0, 0.3, 0.63]) == [5, 5, 5]
    harassment_only = new("hazard", 3, casualty_intent=0.0, mass_casualty_intent=0.0)
    assert hazard_day(harassment_only, [0, 0, 0], [0.0, 0.3, 0.63]) == [4, 4, 4]


def test_hazard_is_capped_at_max_level():
    policy = new("hazard", 3, actor_max=5)
    assert hazard_day(policy, [0, 0, 0], [0.0, 0.003, 0.5]) == [5, 5, 4]


def test_hazard_decides_per_replica_and_faction():
    policy = new("hazard", (2, 3))
    opponent = np.array([[0, 4, 0], [2, 0, 4]])
    u = np.array([[0.5, 0.5, 0.7], [0.001, 0.7, 0.95]])
    assert hazard_day(policy, opponent, u) == [[4, 4, 0], [6, 0, 2]]


# --------------------------------------------------------------------------- balancing


def test_balancing_answers_us_strikes_by_pressure_and_mediates_after_attacks():
    # one decision per replica: (US level, pressure, militia level, u) -> level
    rows = [
        (4, 0.6, 0, 0.5, 2),  # strike, pressure above threshold: demand withdrawal
        (5, 0.5, 0, 0.5, 2),  # at the threshold
        (4, 0.49, 0, 0.5, 1),  # below: condemn
        (6, 0.0, 0, 0.5, 1),
        (2, 0.9, 0, 0.0, 0),  # US words: no answer
        (0, 0.2, 4, 0.05, -1),  # militia attack and u < 0.1: mediate
        (0, 0.2, 5, 0.1, 0),  # u == propensity: no
        (0, 0.2, 2, 0.0, 0),  # militia threat is not an attack
        (4, 0.2, 4, 0.0, 1),  # a US strike is answered first
        (-2, 0.9, 6, 0.09, -1),  # a US withdrawal step is not a strike
    ]
    opponent = [[r[0]] for r in rows]
    played = play(
        "balancing",
        opponent,
        [[r[3]] for r in rows],
        pressure=[[r[1]] for r in rows],
        militia_level=[[r[2]] for r in rows],
    )
    assert played == [[r[4]] for r in rows]


def test_balancing_over_several_days():
    opponent = [[0, 4, 0, 4, 0], [0, 0, 5, 0, 0]]
    pressure = [[0.1, 0.3, 0.5, 0.7, 0.9], [0.9, 0.9, 0.9, 0.1, 0.1]]
    militia = [[4, 4, 4, 0, 6], [6, 4, 4, 4, 4]]
    u = [[0.05, 0.05, 0.2, 0.05, 0.0], [0.0999, 0.1, 0.0, 0.01, 0.5]]
    assert play(
        "balancing", opponent, u, pressure=pressure, militia_level=militia, actor_max=2
    ) == [[-1, 1, 0, 2, -1], [-1, 0, 2, -1, 0]]


def test_balancing_parameters():
    opponent = [[4, 4, 0, 0]]
    kwargs = {"pressure": [[0.0, 1.0, 0.0, 0.0]], "militia_level": [[0, 0, 4, 4]]}
    u = [[0.5, 0.5, 0.999, 0.0]]
    always = {"demand_threshold": 0.0, "mediation_propensity": 1.0}
    assert play("balancing", opponent, u, params=always, **kwargs) == [[2, 2, -1, -1]]
    never = {"demand_threshold": 1.0, "mediation_propensity": 0.0}
    assert play("balancing", opponent, u, params=never, **kwargs) == [[1, 2, 0, 0]]


# --------------------------------------------------------------------------- passive


def test_passive_does_nothing():
    opponent = [[0, 4, 5, 6, -2], [6, 6, 6, 6, 6]]
    played = play(
        "passive",
        opponent,
        pressure=[[1.0] * 5, [1.0] * 5],
        militia_level=[[6] * 5, [6] * 5],
        u=[[0.0] * 5, [0.0] * 5],
    )
    assert played == [[0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]


# --------------------------------------------------------------------------- the dispatch table


def test_every_built_in_kernel_is_in_the_dispatch_table_and_called_by_its_code():
    from sim.core.compiled import compiled
    from sim.policies.dispatch import TABLE, code_of, decide_levels

    assert sorted(cls.name for cls in TABLE) == sorted(n for n in REGISTERED if n != "human")
    obs = _generic_observation(0, np.array([4, 0, 6]), np.array([0.05, 0.5, 0.95])).as_arrays()

    @compiled
    def from_compiled_code(code, args, obs, max_level):
        return decide_levels(code, args, obs, max_level)

    for cls in TABLE:
        direct, through_table = new(cls.name, 3), new(cls.name, 3)
        code = code_of(through_table)
        assert TABLE[code] is cls
        expected = direct.decide(obs)
        got = from_compiled_code(code, through_table.rule_args(), obs, MAX)
        assert got.tolist() == expected.tolist(), cls.name


def test_a_policy_registered_elsewhere_runs_its_kernel_day_by_day():
    """A policy from outside the package is not in the compiled table (its code is not part
    of the cached day), so the model steps its days in Python, calling its kernel."""
    from sim import EscalationModel
    from sim.core.compiled import compiled
    from sim.policies.dispatch import code_of

    @compiled
    def always_threaten(args, obs, max_level):
        return np.full(obs.opponent.shape, 2, np.int64)

    class Threaten(Policy):
        """Threaten every day (a test policy)."""

        name = "test_threaten"
        actors = ("us",)
        kernel = staticmethod(always_threaten)

        @dataclasses.dataclass
        class Params(PolicyParams):
            name: str = "test_threaten"

    register(Threaten)
    try:
        model = EscalationModel(
            {"replicas": 2, "horizon_days": 20, "us": {"policy": "test_threaten"}}
        )
        assert code_of(model.us.policy) is None and not model.compiled
        model.run()
        us = model.event_log().query("actor == 'us' and action != 'withdrawal_step'")
        assert len(us) == 2 * 20 and set(us.action) == {"threaten"}
    finally:
        POLICIES.pop("test_threaten")


def test_militia_posture_scales_the_calibrated_campaign():
    """posture 1 is the calibrated campaign exactly; 0 stops every attack; 0.5 fewer in its
    first two months (not half: capability left unused and less US retaliation feed back;
    over a longer run the date of Iran's halt, which a slower campaign delays, decides the
    total)."""

    def attacks(**hazard):
        config = {"seed": 4, "replicas": 60, "horizon_days": 60}
        if hazard:
            config["militia"] = {"policy": {"name": "hazard", **hazard}}
        model = EscalationModel(config, record_events=False).run()
        return model.series.data["cum_attacks"][model.day - 1]

    default = attacks()
    assert np.array_equal(attacks(posture=1.0), default)
    assert attacks(posture=0.0).sum() == 0
    assert attacks(posture=0.5).mean() < 0.8 * default.mean()
