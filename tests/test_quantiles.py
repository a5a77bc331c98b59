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
