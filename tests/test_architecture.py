"""The package's structure holds: one direction of imports, Hydra only at the edge.

See docs/architecture.md: core <- policies <- config <- actors <- model <- analysis, sweeps,
classroom. These tests read the source (every import a module runs, in its functions too),
they do not import it.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
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
    """Modules imported anywhere in the module, in a function too (an import deferred to
    spare the start-up still runs), except under ``if TYPE_CHECKING:`` (type annotations
    only, never run)."""
    found = set()
    stack: list[ast.AST] = [ast.parse(path.read_text())]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        stack.extend(ast.iter_child_nodes(node))
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


EXAMPLE = ROOT / "docs" / "examples" / "new_acting_actor.patch"
"""A fourth acting actor (a toy United Kingdom), as docs/architecture.md describes adding one."""

EXAMPLE_FILES = {
    "sim/actors/united_kingdom.py",  # its module (new)
    "sim/config/schema.py",  # its config section and default policy
    "sim/model/day.py",  # its place in the day
    "sim/data/ladders/default.yaml",  # its rungs, which make it an acting actor (and armed)
}


def test_the_example_acting_actor_still_applies_to_its_files(tmp_path):
    """The example patch touches the four files architecture.md names, still applies to
    today's code, and makes the new actor an acting actor with its party, its draw, its config
    section and the classic retaliation rules to play (its ladder gives it a strike), while
    the rules of one actor stay that actor's (its kernels compile on first run: ~1 min, left
    to the reader: `git apply docs/examples/new_acting_actor.patch`)."""
    text = EXAMPLE.read_text()
    touched = {
        line.split(" b/", 1)[1] for line in text.splitlines() if line.startswith("diff --git")
    }
    assert touched == EXAMPLE_FILES
    shutil.copytree(PACKAGE, tmp_path / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(["git", "apply", str(EXAMPLE)], cwd=tmp_path, check=True)
    probe = (
        "from sim.core.ladder import ACTING_ACTORS\n"
        "from sim.config.schema import ScenarioConfig\n"
        "from sim.model.events import parties\n"
        "from sim.model.world import Slots\n"
        "from sim.policies import policies_for\n"
        "print(ACTING_ACTORS, parties(ScenarioConfig()).names[-2], 'uk_policy' in Slots._fields,"
        " ScenarioConfig().uk.reaction_lag_days, 'tit_for_tat' in policies_for('uk'),"
        " 'hazard' in policies_for('uk'))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "('us',",
        "'militia',",
        "'iraq',",
        "'uk')",
        "United",
        "Kingdom",
        "True",
        "2",
        "True",
        "False",
    ]


def test_the_day_refuses_to_load_if_the_ladder_reorders_the_acting_actors(tmp_path):
    """The day takes the acting actors by position (DECIDING); a ladder whose rungs name them
    in another order first would give them other codes, so the day refuses to load, in one
    line, rather than hand one actor's observation to another's policy."""
    shutil.copytree(PACKAGE, tmp_path / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    ladder = tmp_path / "sim" / "data" / "ladders" / "default.yaml"
    text = ladder.read_text()
    first = "    actors: [us]\n"  # the first rung (withdrawal_step): Iraq now first appears here
    assert text.index(first) < text.index("actors: [us, militia]")
    ladder.write_text(text.replace(first, "    actors: [us, iraq]\n", 1))
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", "import sim.model.day"],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert out.returncode != 0
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: sim/model/day.py takes the acting actors in the order")
    assert "('us', 'iraq', 'militia')" in last


def test_the_command_forks_its_model_process_before_anything_heavy_is_imported():
    """sim/sweeps/entry.py forks the single run's model process so that it imports the model
    while the command imports Hydra: both must find nothing heavy imported before the fork."""
    heavy = ("numpy", "pandas", "numba", "mesa", "hydra", "omegaconf", "matplotlib", "yaml")
    probe = (
        "import sys, sim, sim.sweeps.entry; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})))"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_discovering_the_hydra_plugins_imports_no_launcher_backend():
    """Hydra imports every plugin module on every command to discover them: a plugin module
    that imports joblib at its top costs every ``escalation-sim`` run ~0.1 s
    (hydra_plugins/escalation_sim/joblib_cached.py imports it where it launches)."""
    probe = (
        "import sys; from hydra.core.plugins import Plugins; Plugins.instance(); "
        "import hydra_plugins.escalation_sim.joblib_cached; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'joblib', 'submitit'}))"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
