"""Composing a sweep's job configs once per distinct choice of config groups (the loader behind
the ``joblib_cached`` launcher, hydra_plugins/escalation_sim/joblib_cached.py).

Why: for a sweep of cheap scenario points, composing a job's config (reading and merging every
config file of its defaults list) costs a large share of the point's own run. Yet a job's config
depends on its overrides in two ways only: its *config-group* choices (``us/policy=red_line``)
pick the files that are merged, and its plain *value* overrides (``withdrawal.start_month=6``)
then set keys of the merged result. Jobs that make the same group choices share everything but
those values, so each worker composes one config per distinct set of group choices with Hydra's
own loader, and for each job takes a copy and applies its value overrides, its task overrides
and its ``override_dirname`` exactly as Hydra's loader does at the end of a composition. The
flagship (6 US policies) composes at most 6 configs per worker instead of 60 in all.

Anything else (``+key=...``, ``~key``, ``key@pkg=...``, overrides of the ``hydra`` node) makes
the job compose in full. ``tests/test_joblib_cached.py`` checks that both give identical job
files. The cache lives here, not in the plugin's module: Hydra re-executes its plugin modules
whenever it scans for plugins (in every job of a worker), which would empty it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, OverrideType
from omegaconf import DictConfig, OmegaConf, open_dict

_COMPOSED: dict[tuple, DictConfig] = {}
"""This process's composed configs, by (launch, group choices): a worker keeps them from one
job to the next of the same launch."""


def split_overrides(
    overrides: Sequence[str], is_group: Callable[[str], bool]
) -> tuple[list[Override], list[Override]] | None:
    """A job's overrides as (group choices, plain value changes), or None if any is of another
    kind (an addition, a deletion, a package override, or one of the hydra node): those jobs
    compose in full. ``is_group(key)`` tells whether a key names a config group."""
    parsed = OverridesParser.create().parse_overrides(list(overrides))
    groups, values = [], []
    for override in parsed:
        if (
            override.type != OverrideType.CHANGE
            or override.package is not None
            or override.is_hydra_override()
            or override.is_sweep_override()
        ):
            return None
        (groups if is_group(override.key_or_group) else values).append(override)
    return groups, values


@dataclass
class ComposeOncePerChoice:
    """A config loader for the workers: Hydra's own (``inner``), asked once per distinct set of
    group choices of a launch (module docstring)."""

    inner: ConfigLoaderImpl
    launch_id: str

    def load_sweep_config(
        self, master_config: DictConfig, sweep_overrides: list[str]
    ) -> DictConfig:
        split = split_overrides(sweep_overrides, self.inner.repository.group_exists)
        if split is None:
            return self.inner.load_sweep_config(master_config, sweep_overrides)
        groups, values = split
        key = (self.launch_id, tuple(o.input_line for o in groups))
        if key not in _COMPOSED:
            if _COMPOSED and next(iter(_COMPOSED))[0] != self.launch_id:
                _COMPOSED.clear()  # another launch's configs: never reused
            _COMPOSED[key] = self.inner.load_sweep_config(master_config, list(key[1]))
        cfg = copy.deepcopy(_COMPOSED[key])
        OmegaConf.copy_cache(from_config=master_config, to_config=cfg)
        # What Hydra's loader does after merging the defaults list, for the value overrides:
        ConfigLoaderImpl._apply_overrides_to_config(values, cfg)
        with open_dict(cfg.hydra):
            cfg.hydra.overrides.task = list(sweep_overrides)
            naming = cfg.hydra.job.config.override_dirname
            cfg.hydra.job.override_dirname = get_overrides_dirname(
                overrides=OverridesParser.create().parse_overrides(list(sweep_overrides)),
                kv_sep=naming.kv_sep,
                item_sep=naming.item_sep,
                exclude_keys=naming.exclude_keys,
            )
        return cfg

    def __getattr__(self, name: str) -> Any:  # everything else: Hydra's own loader
        if name.startswith("__") or name in ("inner", "launch_id"):  # e.g. while unpickling
            raise AttributeError(name)
        return getattr(self.inner, name)
