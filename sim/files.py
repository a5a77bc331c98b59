"""Writing results without ever leaving a half-written file: temporary name, then rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
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


def write_parquet(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as Parquet (pyarrow), atomically."""
    return write_atomic(path, lambda p: df.to_parquet(p, engine="pyarrow", index=False))


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV, atomically."""
    return write_atomic(path, lambda p: df.to_csv(p, index=False))


def write_text(text: str, path: str | Path) -> Path:
    """Write a text file atomically."""
    return write_atomic(path, lambda p: p.write_text(text))
