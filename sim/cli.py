"""The Hydra command line: ``python -m sim`` / ``escalation-sim``.

This is the only module that imports Hydra. It registers the typed schema and every policy's
parameters as structured configs, runs one scenario per Hydra job, and turns any input error
(Hydra's, OmegaConf's or our validator's) into a one-line message and exit status 2.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException, MissingConfigException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config import ScenarioConfig
from sim.paths import CONFIG_DIR
from sim.policies import POLICIES
from sim.run import run_scenario
from sim.validate import ConfigError, validate

EXIT_BAD_INPUT = 2


def register_configs() -> None:
    """Register the scenario schema and one node per (actor, policy) in Hydra's ConfigStore."""
    cs = ConfigStore.instance()
    cs.store(name="scenario_schema", node=ScenarioConfig)
    for name, cls in POLICIES.items():
        for actor in cls.actors:
            cs.store(group=f"{actor}/policy", name=name, node=cls.Params(name=name))


def job(cfg: DictConfig) -> Path:
    """One Hydra job: validate the composed config, run it, write into the output dir."""
    data = OmegaConf.to_container(cfg, resolve=True)
    try:
        scenario = validate(data)
    except ConfigError as ex:
        # Exit before Hydra reports a failed job: one line, no traceback.
        print(f"escalation-sim: error: {ex}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT) from None
    out = Path(HydraConfig.get().runtime.output_dir)
    result = run_scenario(scenario, out)
    s = result.summary
    print(
        f"Simulated {scenario.replicas} replica(s) x {scenario.horizon_days} days "
        f"(seed {scenario.seed}): median peak escalation {s.peak_escalation.median():.2f}, "
        f"median attacks {s.total_attacks.median():.0f}, "
        f"median US strikes {s.total_strikes.median():.0f}."
    )
    print(f"Results in {out}:")
    for key in ("timeseries", "events", "summary", "trajectory"):
        if key in result.files:
            print(f"  {result.files[key].name}")
    print("  .hydra/config.yaml")
    return out


_hydra_main = hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")(job)


def describe_error(ex: BaseException) -> str:
    """A one-line description of an input error, naming the key and what is allowed."""
    if isinstance(ex, ConfigError):
        return str(ex)
    if isinstance(ex, MissingConfigException) and ex.missing_cfg_file:
        group, _, option = ex.missing_cfg_file.rpartition("/")
        if ex.options:
            return (
                f"{group}: unknown option {option!r}; choose from: {', '.join(sorted(ex.options))}"
            )
        return f"{ex.missing_cfg_file}: no such config"
    cause = ex.__cause__ if isinstance(ex.__cause__, OmegaConfBaseException) else ex
    if isinstance(cause, OmegaConfBaseException):
        key = getattr(cause, "full_key", None) or ""
        first = str(cause).strip().splitlines()[0]
        if "not in struct" in first or ("Key '" in first and "not" in first):
            parent = getattr(cause, "parent_node", None)
            keys = (
                [str(k) for k in parent if k != "hydra"]
                if (parent is not None and hasattr(parent, "keys"))
                else []
            )
            allowed = f"; allowed keys here: {', '.join(keys)}" if keys else ""
            hint = (
                " (a policy's own parameters exist only once it is chosen, e.g. "
                "us/policy=generous_tit_for_tat us.policy.generosity=0.2)"
                if ".policy." in key
                else ""
            )
            return f"{key}: unknown key{allowed}{hint}"
        return f"{key}: {first}" if key else first
    lines = [ln.strip() for ln in str(ex).splitlines() if ln.strip()]
    return " ".join(lines[:2]) if lines else type(ex).__name__


def main() -> None:
    """Console entry point: run Hydra, reporting bad input in one line without a traceback."""
    register_configs()
    user_wants_traceback = os.environ.get("HYDRA_FULL_ERROR") == "1"
    os.environ["HYDRA_FULL_ERROR"] = "1"  # make Hydra raise, so that we can report
    try:
        _hydra_main()
    except (ConfigError, HydraException, OmegaConfBaseException) as ex:
        if user_wants_traceback:
            raise
        print(f"escalation-sim: error: {describe_error(ex)}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


if __name__ == "__main__":
    main()
