"""The escalation ladder: ordered rungs kept as data (``sim/data/ladders/*.yaml``), not code.

Every rung has a *level* on one escalation scale shared by all actors, so that policies can
say "answer in kind" (same level) or "one rung up" (level + 1) across actors whose options
differ: a militia harassment attack and a US limited strike sit on the same level. Each actor
owns at most one rung per level. Levels below 0 are de-escalatory moves, 0 is doing nothing.

The published severity of each rung is its Goldstein (1992) score for the matching CAMEO code.
Goldstein saturates at -10 for every use of force, which is why the ladder's order comes from
``level`` and not from the Goldstein score.
"""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import yaml

from sim.core.casualties import PoissonTable
from sim.core.compiled import compiled
from sim.paths import DATA_DIR

LADDER_DIR = DATA_DIR / "ladders"
"""The shipped ladders: ``ladder=NAME`` reads ``LADDER_DIR/NAME.yaml``."""

DEFAULT_LADDER = "default"
"""The ladder of the 2023-24 crisis (``sim/data/ladders/default.yaml``)."""

FORCE_LEVEL = 4
"""Ladder convention: levels >= 4 are uses of force (attacks, strikes); below are words and
coercion. Policies, deterrence and attack counts rely on it; custom ladders must keep it."""

THREAT_LEVEL = 2
"""Ladder convention: level 2 is a threat, the ceiling of a faction in truce or out of means."""


def _acting_actors(min_level: float = -math.inf) -> tuple[str, ...]:
    """The actors the shipped ladder gives rungs (at ``min_level`` or above), in the order
    they first appear in it."""
    names: dict[str, None] = {}
    for rung in _parse(*_version(LADDER_DIR / f"{DEFAULT_LADDER}.yaml"))["rungs"]:
        if rung["level"] >= min_level:
            names.update(dict.fromkeys(rung.get("actors", ())))
    return tuple(names)


def actor_code(name: str) -> int:
    """An acting actor's code: its row in :attr:`LadderTables.by_actor`, its column block in
    the day's actions, its code in the shock table."""
    return ACTING_ACTORS.index(name)


@dataclass
class RungConfig:
    """One rung of the ladder and its expected effects (all effects act on the target)."""

    name: str = "none"
    label: str = "no action"
    level: int = 0
    actors: list[str] = field(default_factory=lambda: list(ACTING_ACTORS))
    goldstein: float = 0.0
    cameo: str = ""
    killed_mean: float = 0.0
    wounded_mean: float = 0.0
    capability_damage: float = 0.0
    capability_cost: float = 0.0
    grievance: float = 0.0
    iraq_sovereignty: float = 0.0
    leadership_strike: bool = False
    coercion: float = 0.0
    iran_risk: float = 0.0


@dataclass
class LadderConfig:
    """The ladder as configured: a list of rungs."""

    rungs: list[RungConfig] = field(default_factory=list)


def ladder_names() -> list[str]:
    """Names of the shipped ladders."""
    return sorted(p.stem for p in LADDER_DIR.glob("*.yaml"))


def ladder_file(name: str | Path) -> Path:
    """The YAML file of a ladder given by name (a shipped ladder) or by path (a file name
    ending in .yaml or .yml, or containing a slash)."""
    text = str(name)
    if text.endswith((".yaml", ".yml")) or "/" in text:
        return Path(text).expanduser()
    return LADDER_DIR / f"{text}.yaml"


def read_ladder(name: str | Path) -> dict[str, Any]:
    """A ladder file's contents (a mapping with a ``rungs`` list), read once per process
    and file version: every job of a sweep reads the same ladder."""
    return copy.deepcopy(_parse(*_version(ladder_file(name))))


def _version(path: Path) -> tuple[str, int, int]:
    """A file's resolved path, modification time and size: the key its contents are cached by."""
    resolved = path.resolve()
    stat = resolved.stat()
    return str(resolved), stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=16)
def _parse(path: str, mtime_ns: int, size: int) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where PyYAML has it
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=loader)


ACTING_ACTORS = _acting_actors()
"""Actors that take rungs, as the shipped ladder names them (``us``, ``militia``, ``iraq``):
a new acting actor is declared by giving it rungs there. Iran acts through restraint and
supply, not through rungs."""

ARMED_ACTORS = tuple(sorted(_acting_actors(FORCE_LEVEL), key=ACTING_ACTORS.index))
"""Acting actors the shipped ladder gives a use of force (a rung at :data:`FORCE_LEVEL` or
above: ``us``, ``militia``): the actors the classic retaliation rules may play
(sim/policies/retaliation.py), so that an actor given force in the ladder may play them with
no edit there."""


def load_ladder_config(name: str | Path) -> LadderConfig:
    """A ladder, by name or path (see :func:`ladder_file`), as an unchecked LadderConfig
    (:func:`sim.config.validation.validate` checks it)."""
    return LadderConfig(rungs=[RungConfig(**r) for r in read_ladder(name)["rungs"]])


def default_ladder_config() -> LadderConfig:
    """The ladder shipped as ``sim/data/ladders/default.yaml``."""
    return load_ladder_config(DEFAULT_LADDER)


class Ladder:
    """Array views of a validated ladder for vectorised lookups in the step loop.

    Attributes:
        names: Rung names, in file order; a rung's index is its id in every table.
        level, goldstein, killed_mean, ...: One numpy entry per rung.
        min_level, max_level: The range of levels.
    """

    def __init__(self, config: LadderConfig) -> None:
        rungs = config.rungs
        self.names: list[str] = [r.name for r in rungs]
        self.labels: list[str] = [r.label for r in rungs]
        self.label_of: dict[str, str] = dict(zip(self.names, self.labels, strict=True))
        """Plain-words label of each rung name (for sentences about events)."""
        self.index: dict[str, int] = {n: i for i, n in enumerate(self.names)}
        self.level = np.array([r.level for r in rungs], dtype=np.int64)
        self.goldstein = np.array([r.goldstein for r in rungs], dtype=float)
        self.killed_mean = np.array([r.killed_mean for r in rungs], dtype=float)
        self.wounded_mean = np.array([r.wounded_mean for r in rungs], dtype=float)
        self.capability_damage = np.array([r.capability_damage for r in rungs], dtype=float)
        self.capability_cost = np.array([r.capability_cost for r in rungs], dtype=float)
        self.grievance = np.array([r.grievance for r in rungs], dtype=float)
        self.iraq_sovereignty = np.array([r.iraq_sovereignty for r in rungs], dtype=float)
        self.leadership_strike = np.array([r.leadership_strike for r in rungs], dtype=bool)
        self.coercion = np.array([r.coercion for r in rungs], dtype=float)
        self.iran_risk = np.array([r.iran_risk for r in rungs], dtype=float)
        self.min_level = int(self.level.min())
        self.max_level = int(self.level.max())
        self._by_actor = {a: self._level_table(rungs, a) for a in ACTING_ACTORS}

    def _level_table(self, rungs: list[RungConfig], actor: str) -> np.ndarray:
        """Rung id for each level (offset by min_level): the actor's own rung at that level,
        else its nearest rung towards level 0 (an actor without a rung at a level does the
        closest thing it can)."""
        own = {r.level: i for i, r in enumerate(rungs) if actor in r.actors}
        table = np.empty(self.max_level - self.min_level + 1, dtype=np.int64)
        for lvl in range(self.min_level, self.max_level + 1):
            step = -1 if lvl > 0 else 1
            probe = lvl
            while probe not in own:
                probe += step
            table[lvl - self.min_level] = own[probe]
        return table

    def tables(self) -> LadderTables:
        """The ladder as compiled code reads it."""
        return LadderTables(
            level=self.level,
            goldstein=self.goldstein,
            capability_damage=self.capability_damage,
            capability_cost=self.capability_cost,
            grievance=self.grievance,
            iraq_sovereignty=self.iraq_sovereignty,
            leadership_strike=self.leadership_strike,
            coercion=self.coercion,
            iran_risk=self.iran_risk,
            killed_cdf=PoissonTable(self.killed_mean).cdf,
            wounded_cdf=PoissonTable(self.wounded_mean).cdf,
            min_level=self.min_level,
            max_level=self.max_level,
            by_actor=np.stack([self._by_actor[a] for a in ACTING_ACTORS]),
            none_rung=self.rung_id("none"),
            truce_rung=self.rung_id("truce"),
            withdrawal_rung=self.rung_id("withdrawal_step"),
        )

    def levels_of(self, actor: str) -> list[int]:
        """Levels at which the actor owns a rung, ascending."""
        table = self._by_actor[actor]
        return sorted({int(self.level[i]) for i in table})

    def max_level_of(self, actor: str) -> int:
        """The actor's most escalatory level."""
        return max(self.levels_of(actor))

    def rung_id(self, name: str) -> int:
        """Id of a rung by name."""
        return self.index[name]


class LadderTables(NamedTuple):
    """The ladder for compiled code: per rung (indexed by rung id) its level and effects, and
    the casualty tables (:class:`sim.core.casualties.PoissonTable`); per acting actor (row
    :func:`actor_code`), the rung id for each level from ``min_level`` (its own rung, else
    the nearest towards 0); the rungs the model itself plays (no action, a truce, a
    withdrawal step)."""

    level: np.ndarray
    goldstein: np.ndarray
    capability_damage: np.ndarray
    capability_cost: np.ndarray
    grievance: np.ndarray
    iraq_sovereignty: np.ndarray
    leadership_strike: np.ndarray
    coercion: np.ndarray
    iran_risk: np.ndarray
    killed_cdf: np.ndarray
    wounded_cdf: np.ndarray
    min_level: int
    max_level: int
    by_actor: np.ndarray  # (actors, levels): row actor_code(name)
    none_rung: int
    truce_rung: int
    withdrawal_rung: int


@compiled
def rung_at(table: np.ndarray, level: int, min_level: int) -> int:
    """The rung id an actor's level table (:class:`LadderTables`) gives a level, the level clipped
    to the table's range."""
    return table[min(max(level - min_level, 0), table.shape[0] - 1)]


@compiled
def lookup(table: np.ndarray, levels: np.ndarray, min_level: int) -> np.ndarray:
    """:func:`rung_at` for each of the levels."""
    out = np.empty(levels.shape[0], np.int64)
    for i in range(levels.shape[0]):
        out[i] = rung_at(table, levels[i], min_level)
    return out
