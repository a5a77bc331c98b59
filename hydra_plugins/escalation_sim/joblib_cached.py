"""Hydra's joblib launcher, composing each job's config once per distinct choice of config
groups in each worker instead of once per job (the why and the how: sim/sweeps/compose.py).
Same settings, same jobs, same folders and files as ``hydra/launcher=joblib``.
"""

# No `from __future__ import annotations` here: Hydra's plugin scanner runs this module before
# it is in sys.modules, where dataclasses would look string annotations up.
import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from hydra.core.config_store import ConfigStore
from hydra.core.utils import JobReturn
from hydra_plugins.hydra_joblib_launcher.config import JobLibLauncherConf
from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher


class CachedJoblibLauncher(JoblibLauncher):
    """The joblib launcher (same settings, same jobs, same folders) whose workers compose each
    distinct set of group choices once (module docstring)."""

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        assert self.hydra_context is not None
        plain = self.hydra_context
        from sim.sweeps.compose import ComposeOncePerChoice

        loader = ComposeOncePerChoice(plain.config_loader, uuid.uuid4().hex)
        self.hydra_context = dataclasses.replace(plain, config_loader=loader)
        try:
            return super().launch(job_overrides, initial_job_idx)
        finally:
            self.hydra_context = plain


@dataclass
class CachedJoblibLauncherConf(JobLibLauncherConf):
    _target_: str = "hydra_plugins.escalation_sim.joblib_cached.CachedJoblibLauncher"


ConfigStore.instance().store(
    group="hydra/launcher", name="joblib_cached", node=CachedJoblibLauncherConf
)
