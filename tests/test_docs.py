"""Honest science: every parameter says where its default comes from, and the docs are current."""

from __future__ import annotations

import dataclasses
import typing

import yaml

from sim.config import ScenarioConfig
from sim.paramdoc import render_parameters
from sim.policies import POLICIES

from .conftest import ROOT


def _fields(cls: type):
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        yield f
        inner = typing.get_args(hints[f.name]) or (hints[f.name],)
        for tp in inner:
            if dataclasses.is_dataclass(tp) and tp.__module__ == "sim.config":
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


def test_assumptions_are_labelled_or_sourced():
    """A doc line either cites something (a year, a report, an organisation) or says
    'assumption'; purely descriptive lines are allowed only for switches and names."""
    sourced = ("assumption", "20", "19", "DoD", "CRS", "Goldstein", "Kahn", "Molander")
    vague = []
    for f in _fields(ScenarioConfig):
        doc = f.metadata.get("doc", "")
        numeric = isinstance(f.default, int | float) and not isinstance(f.default, bool)
        if (
            numeric
            and f.name not in ("seed", "replicas", "day")
            and not any(s in doc for s in sourced)
        ):
            vague.append(f.name)
    assert not vague, vague


def test_parameters_page_is_up_to_date():
    page = (ROOT / "docs" / "parameters.md").read_text()
    assert page == render_parameters(), "run: python -m sim.paramdoc docs/parameters.md"


def test_ladder_rungs_carry_goldstein_and_cameo():
    rungs = yaml.safe_load((ROOT / "configs" / "ladder" / "default.yaml").read_text())["rungs"]
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
