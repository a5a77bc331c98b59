"""The CSV files written through Arrow are byte for byte what pandas' ``to_csv`` writes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import EscalationModel, summarize
from sim.csv_format import csv_bytes

from .conftest import SMALL


def pandas_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode()


def test_a_run_s_tables_as_pandas_writes_them() -> None:
    model = EscalationModel({**SMALL, "seed": 3}).run()
    for table in (model.event_log(), model.timeseries(), summarize(model)):
        assert csv_bytes(table) == pandas_bytes(table)


def test_awkward_values_as_pandas_writes_them() -> None:
    df = pd.DataFrame(
        {
            "int": [1, -2, 3, 0],
            "float": [-0.0, np.nan, 1e20, 0.1 + 0.2],
            "text": ["a,b", 'say "no"', "", None],
            "object": ["x", "two\nlines", "é", ""],
            "date": pd.to_datetime(["2020-01-01", None, "2021-02-03", "1999-12-31"]),
            "name, with comma": [1e-7, 123456789.123, -5.0, 2.5e300],
        }
    )
    df["object"] = df["object"].astype(object)
    assert csv_bytes(df) == pandas_bytes(df)
    assert csv_bytes(df.iloc[:0]) == pandas_bytes(df.iloc[:0])


@pytest.mark.parametrize(
    "column",
    [
        [True, False],  # booleans
        pd.array([1, None], dtype="Int64"),  # integers with a missing value
        pd.to_datetime(["2020-01-01 12:30", "2020-01-02 00:00"]),  # a time of day
        ["carriage\rreturn", "x"],  # quoted or not depending on Python's version
        [1, "mixed"],  # objects of several kinds
        pd.Categorical(["a", "b"]),
    ],
)
def test_other_columns_go_through_pandas(column) -> None:
    df = pd.DataFrame({"n": [1, 2], "other": column})
    assert csv_bytes(df) == pandas_bytes(df)
