"""A scratch directory for test databases, in RAM (/dev/shm) when the machine has one.

Still a real SQLite file with WAL and the same locking; only the fsyncs of
``synchronous=FULL`` become free, which makes the suite several times faster."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

RAM = Path("/dev/shm")


def scratch_dir(fallback: Path) -> Iterator[Path]:
    """Yield a fresh directory (removed afterwards), or ``fallback`` without a RAM disk."""
    if not (RAM.is_dir() and os.access(RAM, os.W_OK)):
        yield fallback
        return
    path = Path(tempfile.mkdtemp(prefix="corebank-test-", dir=RAM))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
