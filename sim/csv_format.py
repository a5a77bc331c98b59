"""A table as the exact bytes of ``DataFrame.to_csv(index=False)``, built by Arrow.

Why: pandas formats a CSV row by row in Python; the default run's event log (~80,000 rows)
took about half a second of the command line's ~3 s that way. Here each column becomes an
array of strings (each distinct value formatted once, by pandas' own rules, then taken for
every row) and Arrow joins them into lines, outside the GIL. The bytes are the same as
pandas' (``tests/test_csv_format.py`` compares them); a column of another kind than integers,
floats, strings or dates (e.g. booleans, objects, dates with a time of day) makes the whole
table go through pandas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_SPECIAL = (",", '"', "\n")
"""Characters that make Python's csv module (pandas' writer: QUOTE_MINIMAL, lines ending in
"\\n") quote a field. A carriage return is quoted or not depending on Python's version: a
text holding one goes through pandas."""


def csv_bytes(df: pd.DataFrame) -> bytes:
    """``df.to_csv(index=False)`` encoded as UTF-8, computed by Arrow when every column is of a
    kind it handles (module docstring), else by pandas."""
    if not (
        df.columns.is_unique
        and all(isinstance(c, str) for c in df.columns)
        and all(_handled(df[c]) for c in df.columns)
    ):
        return df.to_csv(index=False).encode()
    try:
        table = pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError):
        return df.to_csv(index=False).encode()
    columns = [_as_text(table.column(i).combine_chunks()) for i in range(table.num_columns)]
    if any(c is None for c in columns):
        return df.to_csv(index=False).encode()
    header = ",".join(_quoted(str(name)) for name in df.columns) + "\n"
    if not len(df):
        return header.encode()
    lines = pc.binary_join_element_wise(*columns, ",")
    lines = pc.binary_join_element_wise(lines, pa.array([""] * len(df)), "\n")
    return header.encode() + _body(lines)


def _handled(series: pd.Series) -> bool:
    """Whether a column's dtype is one Arrow formats as pandas does: numbers, dates and text
    (an object column only if it holds text alone: pandas writes other objects with str())."""
    if series.dtype == object:
        return pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty")
    return (
        pd.api.types.is_string_dtype(series.dtype)
        or pd.api.types.is_float_dtype(series.dtype)
        or (pd.api.types.is_integer_dtype(series.dtype) and not series.hasnans)
        or (
            pd.api.types.is_datetime64_dtype(series.dtype)
            and not isinstance(series.dtype, pd.DatetimeTZDtype)
        )
    ) and not isinstance(series.dtype, pd.CategoricalDtype)


def _quoted(value: str) -> str:
    """A field as Python's csv module writes it among others (QUOTE_MINIMAL, doubled quotes)."""
    if any(ch in value for ch in _SPECIAL):
        return '"' + value.replace('"', '""') + '"'
    return value


def _as_text(column: pa.Array) -> pa.Array | None:
    """The column's fields as pandas writes them (nulls as empty fields), or None if this
    module does not handle its type."""
    kind = column.type
    if pa.types.is_integer(kind) and column.null_count == 0:
        return pc.cast(column, pa.string())
    if pa.types.is_floating(kind) and kind.bit_width == 64:
        # distinct by bit pattern (so -0.0 and 0.0, each NaN, stay apart), formatted as pandas
        # does (numpy's shortest repr; NaN as an empty field)
        bits = column.view(pa.int64()).dictionary_encode()
        values = bits.dictionary.to_numpy(zero_copy_only=False).view(np.float64)
        texts = np.where(np.isnan(values), "", values.astype(str))
        return _take(bits.indices, [str(t) for t in texts], column)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        codes = column.dictionary_encode()
        values = codes.dictionary.to_pylist()
        if any("\r" in v for v in values):
            return None
        names = [_quoted(v) for v in values]
        return _take(codes.indices, names, column)
    if pa.types.is_timestamp(kind) and kind.tz is None:
        day = pc.floor_temporal(column, unit="day")
        if not pc.all(pc.or_kleene(pc.equal(day, column), pc.is_null(column))).as_py():
            return None  # a time of day: pandas writes it in a format of its own
        days = column.cast(pa.int64()).dictionary_encode()  # each distinct date formatted once
        dates = days.dictionary.to_numpy().astype(f"datetime64[{kind.unit}]")
        return _take(days.indices, [str(d)[:10] for d in dates.astype("datetime64[D]")], column)
    return None


def _take(indices: pa.Array, texts: list[str], column: pa.Array) -> pa.Array:
    """``texts[i]`` for each index; a null of the column as an empty field."""
    out = pc.take(pa.array(texts, pa.string()), indices)
    return pc.fill_null(out, "") if column.null_count else out


def _body(lines: pa.Array) -> bytes:
    """The concatenated values of a string array (its data buffer between the first and last
    offsets)."""
    lines = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[
        lines.offset : lines.offset + len(lines) + 1
    ]
    return lines.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]]
