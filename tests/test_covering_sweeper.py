"""The covering sweeper's early validation: which jobs it composes before launching."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from hydra_plugins.escalation_sim.covering_sweeper import covering_subset

GRID = [
    ["withdrawal.start_month=" + v for v in ("null", "0", "3", "6", "9", "12", "18", "24")],
    ["us/policy=" + v for v in ("proportional", "tit_for_tat", "red_line", "restraint", "x", "y")],
    ["militia.policy.base_rate=2.0", "militia.policy.base_rate=1.0"],
]


def test_a_grid_is_covered_by_as_many_jobs_as_its_longest_list():
    batch = [[*job, "experiment=withdrawal_timing"] for job in itertools.product(*GRID)]
    chosen = covering_subset(batch)
    assert len(chosen) == 8
    assert {o for job in chosen for o in job} == {o for job in batch for o in job}
    positions = [batch.index(job) for job in chosen]
    assert positions == sorted(positions)  # in the batch's order


def test_an_irregular_batch_is_covered():
    batch = [["a=1", "b=1"], ["a=1", "b=2"], ["a=2"], ["c=1", "b=2"], ["a=1", "b=1"]]
    chosen = covering_subset(batch)
    assert {o for job in chosen for o in job} == {"a=1", "a=2", "b=1", "b=2", "c=1"}
    assert chosen == [["a=1", "b=1"], ["a=2"], ["c=1", "b=2"]]


def test_nothing_to_compose_without_overrides():
    assert covering_subset([]) == []
    assert covering_subset([[]]) == []


def _recount_every_step(batch):
    """The plain greedy choice (every job recounted at every step): the reference."""
    uncovered = {o for job in batch for o in job}
    chosen = set()
    while uncovered:
        best = max(range(len(batch)), key=lambda i: len(uncovered.intersection(batch[i])))
        chosen.add(best)
        uncovered.difference_update(batch[best])
    return [batch[i] for i in sorted(chosen)]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from([f"k{k}={v}" for k in range(4) for v in range(5)]), max_size=4),
        max_size=14,
    )
)
def test_lazy_recounting_makes_the_plain_greedy_choice(batch):
    assert covering_subset(batch) == _recount_every_step(batch)
