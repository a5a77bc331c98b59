"""Generate ``docs/parameters.md``: every parameter, its default, allowed range and source.

The schema's field metadata is the single source; this page is derived from it, and a test
fails when the committed page is out of date. Regenerate with
``python -m sim.config.paramdoc docs/parameters.md``.
"""

from __future__ import annotations

import dataclasses
import sys
import typing
from pathlib import Path

from sim.config.schema import IRAN_ORDERS, ScenarioConfig
from sim.core.ladder import ACTING_ACTORS
from sim.policies import POLICIES

SKIP = {"ladder"}
"""Fields documented elsewhere (the ladder lives in sim/data/ladders/*.yaml)."""


def _allowed(meta: dict) -> str:
    if "choices" in meta:
        return ", ".join(meta["choices"])
    lo = f"[{meta['ge']}" if "ge" in meta else f"({meta['gt']}" if "gt" in meta else None
    hi = f"{meta['le']}]" if "le" in meta else f"{meta['lt']})" if "lt" in meta else None
    if lo and hi:
        return f"{lo}, {hi}"
    if lo:
        return f"{lo}, ∞)"
    if hi:
        return f"(-∞, {hi}"
    return ""


def _default(f: dataclasses.Field) -> str:
    if f.default is not dataclasses.MISSING:
        return "null" if f.default is None else repr(f.default)
    return "(see below)"


def _rows(cls: type, prefix: str) -> list[str]:
    rows = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        key = f"{prefix}{f.name}"
        if f.name == "name" and prefix.endswith("policy."):
            continue
        if dataclasses.is_dataclass(hints[f.name]) and f.name not in SKIP:
            rows += _rows(hints[f.name], f"{key}.")
            continue
        doc = f.metadata.get("doc", "").replace("|", "\\|")
        rows.append(f"| `{key}` | {_default(f)} | {_allowed(dict(f.metadata))} | {doc} |")
    return rows


def render_parameters() -> str:
    """The Markdown page."""
    head = "| key | default | allowed | meaning and source |\n|---|---|---|---|"
    groups = [f"`{actor}/policy=NAME`" for actor in ACTING_ACTORS]
    lines = [
        "# Parameters",
        "",
        "Generated from the schema (`sim/config/schema.py`, `sim/policies/`) by "
        "`python -m sim.config.paramdoc docs/parameters.md`; do not edit by hand. Every default "
        "says where it comes from, or that it is an assumption. Override any key on the command "
        "line (`escalation-sim perception.noise=0.1`) or in a Python dict.",
        "",
        "## Scenario",
        "",
        head,
        *_rows(ScenarioConfig, ""),
        "",
        "Militia factions (`militia.factions`, a list) have `name`, `resolve`, `compliance` "
        "and `capability`; the defaults are Kataib Hezbollah, Harakat al-Nujaba and Kataib "
        "Sayyid al-Shuhada (see `sim/config/schema.py: default_factions`). Shocks (`shocks`, a "
        "list) have `day`, `actor`, `action`, `faction` and `killed`. Iran's orders "
        f"(`iran.orders`, a list) have `day`, `order` ({', '.join(IRAN_ORDERS)}) and `days` "
        "(1 by default). The ladder (`ladder`) is "
        "chosen by name (`ladder=default`, the file `sim/data/ladders/default.yaml`, which lists "
        "its rungs and their effects) or by the path of a YAML file with a `rungs` list.",
        "",
        "## Policies",
        "",
        f"Choose with {', '.join(groups[:-1])} or {groups[-1]}; set a policy's own "
        "parameters as `us.policy.KEY=VALUE`.",
    ]
    for name, cls in sorted(POLICIES.items()):
        summary = (cls.__doc__ or "").strip().splitlines()[0]
        lines += [
            "",
            f"### `{name}` ({', '.join(cls.actors)})",
            "",
            summary,
            "",
            f"Memory depth: {cls.classifier['memory_depth']}; stochastic: "
            f"{cls.classifier['stochastic']}.",
        ]
        rows = _rows(cls.Params, "policy.")
        if rows:
            lines += ["", head, *rows]
    return "\n".join(lines) + "\n"


def write_page(text: str, argv: list[str]) -> None:
    """A generated page into the file ``argv`` names, or to standard output without one."""
    if argv:
        Path(argv[0]).write_text(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    write_page(render_parameters(), sys.argv[1:])
