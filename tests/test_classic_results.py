"""The retaliation rules reproduce two classic results of the literature.

1. The echo effect (Axelrod 1984, *The Evolution of Cooperation*, ch. 2; Molander 1985,
   *J. Conflict Resolution* 29): two tit-for-tat players answer one provocation with an
   unending alternation of retaliation, and under misperception they fall into long echoes.
2. Generosity restores cooperation (Molander 1985; Nowak & Sigmund 1992, *Nature* 355): a
   generous tit-for-tat that forgives a hostile act with probability g ends an echo after a
   geometric number of answers, so one provocation is followed by 1/g hostile acts on
   average (each answer happens with probability 1 - g: 1 + (1 - g)/g = 1/g). For g = 1/3, the
   optimal generosity of the standard dilemma payoffs (Nowak & Sigmund), that is 3 acts.

The setting is the model's two-player core: the US against one militia faction, both playing
the rule under test, one-day reaction lags, the Iraqi government passive, Iran switched off,
and a single provocation (a harassment attack on day 0).
"""

from __future__ import annotations

import numpy as np

from sim import EscalationModel


def duel(policy: dict, noise: float, replicas: int = 400, days: int = 365, seed: int = 1):
    """Run the duel; return (hostile-day matrix (days, R), hostile acts per replica)."""
    model = EscalationModel(
        {
            "seed": seed,
            "replicas": replicas,
            "horizon_days": days,
            "us": {"policy": policy, "reaction_lag_days": 1},
            "militia": {
                "policy": policy,
                "factions": [{"name": "Kataib Hezbollah", "compliance": 0.0}],
                "capability_regen": 1.0,  # stocks never bind: only the rule decides
            },
            "iraq": {"policy": "passive"},
            "iran": {"enabled": False},
            "perception": {"noise": noise, "misattribution": 0.0},
            "shocks": [{"day": 0, "actor": "militia", "action": "harassment_attack"}],
        }
    ).run()
    hostile = model.series.data["peak_level"] > 0
    ts = model.timeseries()
    acts = ts.groupby("replica")[["militia_attacks", "us_strikes"]].sum().sum(axis=1).to_numpy()
    return hostile, acts


def last_hostile_day(hostile: np.ndarray) -> np.ndarray:
    return hostile.shape[0] - 1 - np.argmax(hostile[::-1], axis=0)


def test_tit_for_tat_echo_never_ends_without_noise():
    hostile, acts = duel({"name": "tit_for_tat"}, noise=0.0, replicas=20, days=200)
    # every replica is still retaliating at the horizon: with one-day lags the two sides
    # alternate, one act a day, for ever
    assert hostile[-30:].all()
    assert (acts == 200).all()


def test_tit_for_tat_falls_into_long_echoes_under_noise():
    tft, _ = duel({"name": "tit_for_tat"}, noise=0.1)
    gtft, _ = duel({"name": "generous_tit_for_tat", "generosity": 1 / 3}, noise=0.1)
    tft_end, gtft_end = last_hostile_day(tft), last_hostile_day(gtft)
    # measured (seed 1, 400 replicas): median echo 75 days under TFT, 1 day under GTFT
    assert np.median(tft_end) > 30
    assert np.median(gtft_end) <= 7
    assert np.median(tft_end) > 5 * max(np.median(gtft_end), 1)
    assert (gtft_end < 60).mean() > 0.95


def test_generous_tit_for_tat_ends_echoes_after_one_over_g_acts():
    for g in (1 / 3, 0.5):
        _, acts = duel(
            {"name": "generous_tit_for_tat", "generosity": g}, noise=0.0, replicas=3000, days=120
        )
        expected = 1 / g
        stderr = np.sqrt((1 - g) / g**2 / len(acts))
        assert abs(acts.mean() - expected) < 4 * stderr, (g, acts.mean(), expected)
        assert acts.min() == 1  # the provocation itself
