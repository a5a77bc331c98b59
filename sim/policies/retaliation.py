"""Classic retaliation rules from the iterated-dilemma and deterrence literature.

They are actor-agnostic: each reads the level the adversary was perceived to play and answers
on the shared ladder scale, so the US and the militias can use any of them. "Cooperation" is
level 0 (no hostile act); a de-escalatory move by the adversary is treated as cooperation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.compiled import as2d, at, compiled
from sim.core.ladder import ARMED_ACTORS
from sim.core.ladder import FORCE_LEVEL as FORCE
from sim.core.params import PROBABILITY, half_life_decay, param
from sim.policies.base import (
    Draws,
    Observation,
    Policy,
    PolicyParams,
    RuleArgs,
    register,
    rule_args,
)


@compiled
def _in_kind(seen, max_level):
    """The level that answers ``seen`` in kind: no answer to de-escalation, capped."""
    return min(max(seen, 0), max_level)


@register
class TitForTat(Policy):
    """Answer in kind: play the level the adversary was last seen to play.

    Rapoport's winning entry in Axelrod's tournaments (Axelrod 1984, *The Evolution of
    Cooperation*): nice, retaliatory, forgiving. Under noise two tit-for-tat players fall into
    echoes of retaliation (Molander 1985).
    """

    name = "tit_for_tat"
    actors = ARMED_ACTORS
    classifier = {"memory_depth": 1, "stochastic": False}

    @dataclass
    class Params(PolicyParams):
        name: str = "tit_for_tat"

    @staticmethod
    @compiled
    def kernel(args: RuleArgs, obs: Observation, max_level: int) -> np.ndarray:
        rows, cols = obs.opponent.shape
        out = np.empty((rows, cols), np.int64)
        for r in range(rows):
            for f in range(cols):
                out[r, f] = _in_kind(obs.opponent[r, f], max_level)
        return out


@register
class GenerousTitForTat(Policy):
    """Tit-for-tat that forgives a hostile act with probability ``generosity``.

    Nowak & Sigmund (1992, *Nature* 355) show generosity restores cooperation under noise;
    Molander (1985, *J. Conflict Resolution* 29) derives the same remedy for retaliation echoes.
    """

    name = "generous_tit_for_tat"
    actors = ARMED_ACTORS
    classifier = {"memory_depth": 1, "stochastic": True}

    @dataclass
    class Params(PolicyParams):
        name: str = "generous_tit_for_tat"
        generosity: float = param(
            0.1,
            doc="Probability of forgiving a hostile act (assumption; Nowak & Sigmund's "
            "optimum for the standard dilemma payoffs is 1/3).",
            **PROBABILITY,
        )

    def rule_args(self) -> RuleArgs:
        return rule_args(self.params.generosity)

    @staticmethod
    @compiled
    def kernel(args: RuleArgs, obs: Observation, max_level: int) -> np.ndarray:
        generosity = args.params[0]
        rows, cols = obs.opponent.shape
        out = np.empty((rows, cols), np.int64)
        for r in range(rows):
            for f in range(cols):
                forgive = at(obs.u, r, f) < generosity
                out[r, f] = 0 if forgive else _in_kind(obs.opponent[r, f], max_level)
        return out


@register
class Proportional(Policy):
    """Absorb small attacks; when accumulated harm crosses a threshold, answer in kind.

    Keeps an account of perceived uses of force (decaying with ``half_life_days``, inflated
    by domestic pressure) and strikes at the worst level seen since its last response once the
    account reaches ``threshold``; below it, answers hostile acts with a threat. This is the
    pattern of US responses in 2023-24: dozens of attacks absorbed, periodic strikes, and a
    larger response after US deaths (CRS IF12587; DoD statements).
    """

    name = "proportional"
    actors = ARMED_ACTORS
    classifier = {"memory_depth": float("inf"), "stochastic": False}

    @dataclass
    class Params(PolicyParams):
        name: str = "proportional"
        threshold: float = param(
            50.0,
            doc="Account of perceived levels of force that triggers a response (assumption: "
            "about a dozen harassment attacks; the US struck about ten times in the 110 days "
            "from 17 Oct 2023 in answer to ~160 attacks).",
            gt=0.0,
        )
        half_life_days: float = param(30.0, doc="Half-life of the account (assumption).", gt=0.0)
        pressure_weight: float = param(
            3.0,
            doc="How much domestic pressure inflates perceived harm (assumption).",
            ge=0.0,
        )
        verbal_level: int = param(
            2,
            doc="Answer to force below the threshold (2 = threaten; assumption: the US warned "
            "publicly between strikes in 2023-24, CRS IF12587).",
            ge=0,
            le=10,
        )

    def __init__(
        self, params: Params, shape: int | tuple[int, ...], max_level: int, draws: Draws = None
    ) -> None:
        super().__init__(params, shape, max_level, draws)
        self.account = np.zeros(shape)
        self.worst = np.zeros(shape, dtype=np.int64)
        self.decay = half_life_decay(params.half_life_days)

    def rule_args(self) -> RuleArgs:
        p = self.params
        return rule_args(
            self.decay,
            p.threshold,
            p.pressure_weight,
            min(p.verbal_level, self.max_level),
            state_float=as2d(self.account),
            state_int=as2d(self.worst, np.int64),
        )

    @staticmethod
    @compiled
    def kernel(args: RuleArgs, obs: Observation, max_level: int) -> np.ndarray:
        """Per replica (and faction): the account of perceived force decays and grows by the
        hostile level x (1 + pressure_weight x pressure); when it reaches the threshold,
        strike at the worst level seen since the last strike and reset; otherwise answer
        force with words. Updates the account and the worst level in place."""
        decay, threshold, pressure_weight = args.params[0], args.params[1], args.params[2]
        verbal = int(args.params[3])
        account, worst = args.state_float, args.state_int
        rows, cols = obs.opponent.shape
        out = np.empty((rows, cols), np.int64)
        for r in range(rows):
            for f in range(cols):
                seen = obs.opponent[r, f]
                hostile = seen >= FORCE
                weight = 1.0 + pressure_weight * at(obs.pressure, r, f)
                acc = account[r, f] * decay + (seen * weight if hostile else 0.0)
                worst_seen = max(worst[r, f], seen)
                if acc >= threshold:
                    out[r, f] = min(worst_seen, max_level)
                    acc = 0.0
                    worst_seen = 0
                else:
                    out[r, f] = verbal if hostile else 0
                account[r, f] = acc
                worst[r, f] = worst_seen
        return out


@register
class Escalate(Policy):
    """Answer every hostile act one rung higher than it was perceived.

    The escalate-to-dominate posture of Kahn's escalation ladder (Kahn 1965, *On Escalation*);
    a worst case against which other rules are compared.
    """

    name = "escalate"
    actors = ARMED_ACTORS
    classifier = {"memory_depth": 1, "stochastic": False}

    @dataclass
    class Params(PolicyParams):
        name: str = "escalate"
        step: int = param(1, doc="Rungs added to the perceived level (Kahn 1965).", ge=0, le=10)

    def rule_args(self) -> RuleArgs:
        return rule_args(self.params.step)

    @staticmethod
    @compiled
    def kernel(args: RuleArgs, obs: Observation, max_level: int) -> np.ndarray:
        step = int(args.params[0])
        rows, cols = obs.opponent.shape
        out = np.empty((rows, cols), np.int64)
        for r in range(rows):
            for f in range(cols):
                seen = obs.opponent[r, f]
                out[r, f] = min(seen + step, max_level) if seen > 0 else 0
        return out


@register
class RedLine(Policy):
    """Answer in words until a red line is crossed, then with a fixed forceful response.

    Threshold deterrence (Schelling 1966, *Arms and Influence*); in 2023-24 US officials made
    the deaths of US personnel the line that would bring a major response.
    """

    name = "red_line"
    actors = ARMED_ACTORS
    classifier = {"memory_depth": 1, "stochastic": False}

    @dataclass
    class Params(PolicyParams):
        name: str = "red_line"
        red_line: int = param(
            5,
            doc="Perceived level that crosses the line (5 = attack meant to kill; assumption: US "
            "officials drew the line at US deaths, which Tower 22 crossed on 28 Jan 2024).",
            ge=1,
            le=10,
        )
        response_level: int = param(
            5,
            doc="Level of the response (5 = strike campaign; assumption, as the 2 Feb 2024 "
            "strikes on 85 targets after Tower 22).",
            ge=0,
            le=10,
        )
        verbal_level: int = param(
            2, doc="Answer below the line (2 = threaten; assumption).", ge=0, le=10
        )

    def rule_args(self) -> RuleArgs:
        p = self.params
        return rule_args(p.red_line, p.response_level, p.verbal_level)

    @staticmethod
    @compiled
    def kernel(args: RuleArgs, obs: Observation, max_level: int) -> np.ndarray:
        line, response, verbal = int(args.params[0]), int(args.params[1]), int(args.params[2])
        rows, cols = obs.opponent.shape
        out = np.empty((rows, cols), np.int64)
        for r in range(rows):
            for f in range(cols):
                seen = obs.opponent[r, f]
                if seen >= line:
                    out[r, f] = min(response, max_level)
                else:
                    out[r, f] = min(verbal, max_level) if seen > 0 else 0
        return out


@register
class Restraint(Policy):
    """Never answer above a ceiling (default: threats only).

    The restraint option argued for by critics of retaliation in 2023-24; a baseline that
    isolates what force adds.
    """

    name = "restraint"
    actors = ARMED_ACTORS
    classifier = {"memory_depth": 1, "stochastic": False}

    @dataclass
    class Params(PolicyParams):
        name: str = "restraint"
        max_level: int = param(
            2, doc="Highest level ever played (2 = threaten; assumption).", ge=0, le=10
        )

    def rule_args(self) -> RuleArgs:
        return rule_args(min(self.params.max_level, self.max_level))

    @staticmethod
    @compiled
    def kernel(args: RuleArgs, obs: Observation, max_level: int) -> np.ndarray:
        ceiling = int(args.params[0])
        rows, cols = obs.opponent.shape
        out = np.empty((rows, cols), np.int64)
        for r in range(rows):
            for f in range(cols):
                seen = obs.opponent[r, f]
                out[r, f] = min(seen, ceiling) if seen > 0 else 0
        return out


@register
class GrimTrigger(Policy):
    """Stay passive until the adversary crosses ``trigger_level`` once, then punish forever.

    Friedman (1971, *Review of Economic Studies* 38): the harshest rule that sustains
    cooperation in repeated games, and the least forgiving under noise.
    """

    name = "grim_trigger"
    actors = ARMED_ACTORS
    classifier = {"memory_depth": float("inf"), "stochastic": False}

    @dataclass
    class Params(PolicyParams):
        name: str = "grim_trigger"
        trigger_level: int = param(
            4,
            doc="Perceived level that pulls the trigger (4 = any attack; assumption, the "
            "strictest reading of Friedman 1971's grim trigger).",
            ge=1,
            le=10,
        )
        punish_level: int = param(
            4,
            doc="Level played every day once triggered (4 = limited strike; assumption: "
            "the lowest use of force).",
            ge=0,
            le=10,
        )

    def __init__(
        self, params: Params, shape: int | tuple[int, ...], max_level: int, draws: Draws = None
    ) -> None:
        super().__init__(params, shape, max_level, draws)
        self.triggered = np.zeros(shape, dtype=bool)

    def rule_args(self) -> RuleArgs:
        p = self.params
        return rule_args(p.trigger_level, p.punish_level, state_flag=as2d(self.triggered, bool))

    @staticmethod
    @compiled
    def kernel(args: RuleArgs, obs: Observation, max_level: int) -> np.ndarray:
        """Pulls the trigger where the adversary crossed the line (the flag is kept in
        place), then punishes every day."""
        trigger, punish = int(args.params[0]), int(args.params[1])
        triggered = args.state_flag
        rows, cols = obs.opponent.shape
        out = np.empty((rows, cols), np.int64)
        for r in range(rows):
            for f in range(cols):
                if obs.opponent[r, f] >= trigger:
                    triggered[r, f] = True
                out[r, f] = min(punish, max_level) if triggered[r, f] else 0
        return out
