"""The code of a git revision in a temporary folder, for comparing it with this checkout.

``git archive`` writes nothing into the repository (a worktree would register itself in
``.git`` and stay registered if the comparison were killed).
"""

from __future__ import annotations

import contextlib
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def exported(revision: str) -> Iterator[Path]:
    """A temporary folder holding the tree of ``revision``; removed on exit."""
    with tempfile.TemporaryDirectory(prefix="revision-") as tmp:
        archive = Path(tmp) / "tree.tar"
        subprocess.run(
            ["git", "archive", "--format=tar", "-o", str(archive), revision],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        tree = Path(tmp) / "tree"
        with tarfile.open(archive) as tar:
            tar.extractall(tree, filter="data")
        yield tree
