"""Honest science: every parameter says where its default comes from, and the docs are current."""

from __future__ import annotations

import dataclasses
import re
import typing

import yaml

from sim.analysis.outputdoc import render_outputs
from sim.config.paramdoc import render_parameters
from sim.config.schema import ScenarioConfig
from sim.policies import POLICIES

from .conftest import ROOT

LADDER_FILE = ROOT / "sim" / "data" / "ladders" / "default.yaml"


def _fields(cls: type):
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        yield f
        inner = typing.get_args(hints[f.name]) or (hints[f.name],)
        for tp in inner:
            if dataclasses.is_dataclass(tp) and tp.__module__ == "sim.config.schema":
                yield from _fields(tp)


def test_every_parameter_has_a_provenance_line():
    missing = [f.name for f in _fields(ScenarioConfig) if not f.metadata.get("doc")]
    for cls in POLICIES.values():
        missing += [
            f"{cls.name}.{f.name}"
            for f in dataclasses.fields(cls.Params)
            if f.name != "name" and not f.metadata.get("doc")
        ]
    assert not missing


SOURCED = re.compile(r"assumption|\b(19|20)\d\d\b|DoD|CRS|Goldstein|Kahn|Molander", re.I)
"""A provenance: the word 'assumption', a year (of a source or an event), or a named source."""


def test_assumptions_are_labelled_or_sourced():
    """Every numeric default, of the scenario and of every policy, cites something or says
    'assumption'; purely descriptive lines are allowed only for switches and names."""
    fields = [(f.name, f) for f in _fields(ScenarioConfig)]
    for cls in POLICIES.values():
        fields += [(f"{cls.name}.{f.name}", f) for f in dataclasses.fields(cls.Params)]
    vague = [
        name
        for name, f in fields
        if isinstance(f.default, int | float)
        and not isinstance(f.default, bool)
        and f.name not in ("seed", "replicas", "day", "days")  # inputs, not assumptions
        and not SOURCED.search(f.metadata.get("doc", ""))
    ]
    assert not vague, vague


def _header_entries(text: str) -> dict[str, str]:
    """The ladder file's header glossary: '# key[, key]  text' lines and their indented
    continuation lines, as {key: text}."""
    entries: dict[str, str] = {}
    keys: list[str] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line[1:]
        match = re.match(r" (\w+(?:, \w+)*)\s{2,}(.*)", body)
        if match:
            keys = match.group(1).split(", ")
            for k in keys:
                entries[k] = match.group(2)
        elif body.startswith("   ") and keys:
            for k in keys:
                entries[k] += " " + body.strip()
        else:
            keys = []
    return entries


def test_ladder_effects_are_labelled_or_sourced():
    """The ladder file says where its effect sizes come from, for every effect it uses."""
    text = LADDER_FILE.read_text()
    glossary = _header_entries(text)
    rungs = yaml.safe_load(text)["rungs"]
    effects = {
        k
        for r in rungs
        for k, v in r.items()
        if isinstance(v, int | float) and not isinstance(v, bool) and v
    } - {"level", "goldstein"}
    assert effects, "the ladder uses no effects?"
    undocumented = sorted(k for k in effects if not SOURCED.search(glossary.get(k, "")))
    assert not undocumented, undocumented


def test_parameters_page_is_up_to_date():
    page = (ROOT / "docs" / "parameters.md").read_text()
    assert page == render_parameters(), "run: python -m sim.config.paramdoc docs/parameters.md"


def test_outputs_page_is_up_to_date():
    page = (ROOT / "docs" / "outputs.md").read_text()
    assert page == render_outputs(), "run: make docs"


def test_ladder_rungs_carry_goldstein_and_cameo():
    rungs = yaml.safe_load(LADDER_FILE.read_text())["rungs"]
    assert len(rungs) >= 10
    for r in rungs:
        assert -10 <= r["goldstein"] <= 10
        assert r["name"] == "none" or r["cameo"], r["name"]
    names = {r["name"] for r in rungs}
    for needed in (
        "threaten",
        "sanction",
        "harassment_attack",
        "casualty_attack",
        "mass_casualty_attack",
        "limited_strike",
        "strike_campaign",
        "targeted_killing",
        "truce",
        "mediation",
        "withdrawal_step",
    ):
        assert needed in names
