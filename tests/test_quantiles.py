"""The quantiles helper gives numpy's own answers."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.metrics import QUANTILES
from sim.analysis.quantiles import quantiles


@pytest.mark.parametrize("n", [1, 2, 3, 7, 200, 201])
def test_quantiles_are_numpys_to_the_last_bit(n):
    rng = np.random.default_rng(n)
    continuous = rng.random((3, 40, n)) * 10.0 ** rng.integers(-3, 7, size=(3, 40, 1))
    counts = rng.poisson(2.0, size=(3, 40, n)).astype(float)  # many ties, as in daily counts
    for values in (continuous, counts):
        for q in (QUANTILES, (0.0, 1.0), (0.5,)):
            expected = np.quantile(values, q, axis=-1)
            assert np.array_equal(quantiles(values, q), expected)
            in_place = values.copy()
            assert np.array_equal(quantiles(in_place, q, overwrite=True), expected)
            assert np.array_equal(in_place, np.sort(values, axis=-1))  # sorted where it lay


def test_a_runs_daily_quantiles_are_numpys():
    """Each series' mean and quantiles across replicas, day by day, as numpy computes them
    from the whole (series, day, replica) array (daily_quantiles works one series at a time
    in a reused buffer)."""
    from sim import EscalationModel
    from sim.analysis.metrics import MAIN_SERIES, QUANTILE_COLUMNS, daily_quantiles

    model = EscalationModel({"seed": 5, "replicas": 37, "horizon_days": 90}).run()
    table = daily_quantiles(model)
    stack = np.stack([model.series.data[name][: model.day] for name in MAIN_SERIES]).astype(float)
    assert table["series"].tolist() == list(np.repeat(MAIN_SERIES, model.day))
    assert np.array_equal(table["mean"].to_numpy(), stack.mean(axis=2).reshape(-1))
    expected = np.quantile(stack, QUANTILES, axis=-1)
    for i, column in enumerate(QUANTILE_COLUMNS):
        assert np.array_equal(table[column].to_numpy(), expected[i].reshape(-1)), column
