"""The package's structure holds: one direction of imports, Hydra only at the edge.

See docs/architecture.md: core <- policies <- config <- actors <- model <- analysis, sweeps,
classroom. These tests read the source (module-level imports), they do not import it.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

PACKAGE = ROOT / "sim"

LAYERS = ["core", "policies", "config", "actors", "model", "analysis", "sweeps", "classroom"]
"""Subpackages from the bottom up: a module imports only from its own layer or below (the
top three are siblings: analysis, sweeps and the classroom use the model, and the sweeps and
the classroom may use analysis)."""

ALLOWED_ABOVE = {("sweeps", "analysis"), ("classroom", "analysis")}

HYDRA_EDGE = {"sim.sweeps.cli", "sim.sweeps.callbacks", "sim.sweeps.compose"}
"""The only modules that may import Hydra or OmegaConf: the command line, the sweep's
callbacks and the composition cache of its launcher."""


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path
    return out


def _imports(path: Path) -> set[str]:
    """Modules imported at module level (not under ``if TYPE_CHECKING:``)."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {
        name: {m for m in _imports(path) if m in modules and m != name}
        for name, path in modules.items()
    }


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_there_is_no_import_cycle():
    graph = _graph()
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycle = [*path[path.index(module) :], module]
            raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
        if module in done:
            return
        for dep in graph[module]:
            visit(dep, [*path, module])
        done.add(module)

    for module in graph:
        visit(module, [])


def test_imports_go_down_the_layers():
    wrong = []
    for module, deps in _graph().items():
        mine = _layer(module)
        for dep in deps:
            theirs = _layer(dep)
            if mine is None or theirs is None or (mine, theirs) in ALLOWED_ABOVE:
                continue
            if LAYERS.index(theirs) > LAYERS.index(mine):
                wrong.append(f"{module} imports {dep}")
    assert not wrong, wrong


def test_only_the_command_line_and_sweep_edge_import_hydra():
    users = {
        module
        for module, path in _modules().items()
        if any(m.split(".")[0] in ("hydra", "omegaconf") for m in _imports(path))
    }
    assert users <= HYDRA_EDGE, sorted(users - HYDRA_EDGE)
