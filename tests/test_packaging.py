"""The wheel carries everything a non-editable install needs: the package, the data and every
Hydra config (configs/ ships as sim/configs)."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow


def test_wheel_ships_every_config_and_data_file(tmp_path):
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    assert "would be ignored" not in build.stderr, "a configs/ folder is missing from pyproject"
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    configs = {
        f"sim/configs/{p.relative_to(ROOT / 'configs')}" for p in ROOT.glob("configs/**/*.yaml")
    }
    data = {
        f"sim/data/{p.relative_to(ROOT / 'sim' / 'data')}"
        for p in (ROOT / "sim" / "data").glob("**/*.*")
        if p.suffix in (".csv", ".yaml")
    }
    assert configs and data and "sim/data/ladders/default.yaml" in data
    assert configs <= names, sorted(configs - names)
    assert data <= names, sorted(data - names)
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "sim").glob("**/*.py")}
    assert modules <= names, f"a subpackage is missing from pyproject: {sorted(modules - names)}"
    assert "hydra_plugins/escalation_sim/covering_sweeper.py" in names
    # the ladder is data, not a config group (a stale build/ folder would ship the old group)
    assert not any(n.startswith("sim/configs/ladder/") for n in names)


def test_public_names_are_the_documented_objects():
    """``from sim import X`` gives the function or class named in ``sim.__all__``, never a
    submodule of the same name."""
    import types

    import sim
    from sim.config import validation

    for name in sim.__all__:
        assert not isinstance(getattr(sim, name), types.ModuleType), name
    assert sim.validate is validation.validate and sim.validate(None).replicas >= 1
