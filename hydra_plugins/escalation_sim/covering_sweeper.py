"""Hydra's basic sweeper, validating a covering subset of each batch instead of every job.

Hydra's basic sweeper composes every job's config twice: once in the main process to catch
composition errors before anything is launched, and again where the job runs. The first pass
is serial, and for a sweep of cheap scenario points it costs as much as a third of the sweep.
An override either composes or not whatever the other overrides are, so composing a set of
jobs in which every (key, value) pair of the batch occurs at least once catches the same
errors; for a grid that takes as many compositions as the longest sweep list (8 for the
96-point flagship) instead of one per job.
"""

# No `from __future__ import annotations` here: Hydra's plugin scanner runs this module before
# it is in sys.modules, where dataclasses would look string annotations up.
import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_store import ConfigStore


def covering_subset(batch: Sequence[Sequence[str]]) -> list[Sequence[str]]:
    """Jobs of the batch, in batch order, in which every override string of the batch occurs
    at least once. Chosen greedily, each the job with the most overrides not yet covered (the
    first such job on a tie): for a grid, as many jobs as its longest sweep list.

    Lazily: a job's count can only fall as others are chosen, so counts are kept in a heap
    and recounted only when a job comes to the top (the same choices as recounting every job
    at every step, without the quadratic cost for long sweep lists)."""
    uncovered = {override for overrides in batch for override in overrides}
    heap = [(-len(set(overrides)), i) for i, overrides in enumerate(batch)]
    heapq.heapify(heap)
    chosen = []
    while uncovered:
        _, i = heapq.heappop(heap)
        key = (-len(uncovered.intersection(batch[i])), i)
        if heap and key > heap[0]:  # another job may now cover more: look again later
            heapq.heappush(heap, key)
            continue
        chosen.append(i)
        uncovered.difference_update(batch[i])
    return [batch[i] for i in sorted(chosen)]


class CoveringSweeper(BasicSweeper):
    """The basic sweeper (same jobs, same order) with a cheaper early validation."""

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        super().validate_batch_is_legal(covering_subset(batch))


@dataclass
class CoveringSweeperConf:
    _target_: str = "hydra_plugins.escalation_sim.covering_sweeper.CoveringSweeper"
    max_batch_size: int | None = None
    params: dict[str, str] | None = None


ConfigStore.instance().store(group="hydra/sweeper", name="covering", node=CoveringSweeperConf)
