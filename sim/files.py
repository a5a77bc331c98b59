"""Writing results without ever leaving a half-written file (temporary name, then rename), and
reading the small CSV inputs a user names (replay logs, Iran's orders) with one-line errors."""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


@contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside ``path``; on success rename it over ``path``.

    A crash or interrupt leaves the old file (or none), never a partial one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; publish with normal modes
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()
"""The process's umask, read once: reading it means setting it, which threads writing files
at the same time (the sweep's tables) must not see."""


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` and publish the file at ``path`` atomically."""
    with atomic_path(path) as tmp:
        write(tmp)
    return Path(path)


def write_together(writers: Mapping[Path, Callable[[Path], None]]) -> list[Path]:
    """Write several files all or none: each to a temporary name (concurrently: the writers of
    tables spend most of their time outside the GIL), then, once every one is written, rename
    them all into place. If any writer fails, none is published and no temporary is left.

    A kill between the renames can still leave a mix of new and old files: a reader that must
    tell a consistent set needs a manifest written after them (see sim.sweeps.publish)."""
    with ExitStack() as stack:
        temporaries = {path: stack.enter_context(atomic_path(path)) for path in writers}
        with ThreadPoolExecutor(max_workers=max(1, len(writers))) as pool:
            jobs = [pool.submit(write, temporaries[path]) for path, write in writers.items()]
            for job in jobs:
                job.result()
    return [Path(path) for path in writers]


def parquet_writer(df: pd.DataFrame) -> Callable[[Path], None]:
    """A function writing ``df`` as Parquet (pyarrow) to a given path."""
    return lambda p: df.to_parquet(p, engine="pyarrow", index=False)


def csv_writer(df: pd.DataFrame) -> Callable[[Path], None]:
    """A function writing ``df`` as CSV to a given path (the bytes of pandas' ``to_csv``,
    formatted by Arrow where it can: sim/csv_format.py)."""
    from sim.csv_format import csv_bytes

    return lambda p: p.write_bytes(csv_bytes(df))


def write_parquet(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as Parquet (pyarrow), atomically."""
    return write_atomic(path, parquet_writer(df))


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV, atomically."""
    return write_atomic(path, csv_writer(df))


def write_text(text: str, path: str | Path) -> Path:
    """Write a text file atomically."""
    return write_atomic(path, lambda p: p.write_text(text))


def write_bytes(data: bytes, path: str | Path) -> Path:
    """Write a binary file atomically."""
    return write_atomic(path, lambda p: p.write_bytes(data))


_COLUMN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_ ]{0,30}")


def read_rows(path: str | Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of a CSV file with a header naming at least ``columns``. Raises ValueError with
    a one-line reason for a file that cannot be used; the reason repeats the file's header only
    if it looks like column names (a file that is not a CSV, e.g. a system file named by
    mistake, never has its content echoed)."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            header = [str(name) for name in reader.fieldnames or ()]
    except (OSError, UnicodeDecodeError, csv.Error) as ex:
        raise ValueError(f"cannot read {path}: {ex.__class__.__name__}: {ex}") from None
    if header and not set(columns) <= set(header):
        has = (
            f"it has {', '.join(header)}"
            if all(_COLUMN_NAME.fullmatch(name) for name in header)
            else "its first line is not a header of column names"
        )
        raise ValueError(f"{path} needs the columns {' and '.join(columns)}; {has}")
    return rows
