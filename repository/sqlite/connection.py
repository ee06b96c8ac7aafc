"""SQLite connections with the pragmas that make money safe."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class UnsupportedDatabase(ValueError):
    pass


def sqlite_path(database_url: str) -> str:
    """``sqlite:///relative/path.db`` (relative to the project root),
    ``sqlite:////absolute/path.db`` or ``sqlite:///:memory:``."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix):
        raise UnsupportedDatabase(f"unsupported DATABASE_URL scheme: {database_url.split(':', 1)[0]}")
    path = database_url[len(prefix) :]
    if path == ":memory:" or path.startswith("file:"):
        return path
    resolved = Path(path) if Path(path).is_absolute() else PROJECT_ROOT / path
    resolved.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # new folders only; never loosened
    return str(resolved)


def connect(database_url: str, *, busy_timeout_ms: int = 10000) -> sqlite3.Connection:
    """Open a connection in autocommit mode: the unit of work issues BEGIN itself."""
    path = sqlite_path(database_url)
    on_disk = path != ":memory:" and not path.startswith("file:")
    if on_disk:
        _create_private(path)
    conn = sqlite3.connect(
        path,
        isolation_level=None,
        timeout=busy_timeout_ms / 1000,
        check_same_thread=False,
        uri=database_url.startswith("sqlite:///file:"),
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    if on_disk:
        _make_private(path)
    # FULL: a transaction acknowledged to the client survives power loss, not only a crash.
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    return conn


# Files at rest (SPEC section 2): the database, its WAL and shared-memory index hold every
# balance and hash, so only the server's user may read them, whatever the umask.
_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def _create_private(path: str) -> None:
    """Create the database file 0600 before SQLite opens it (SQLite would use the umask, and
    gives its -wal and -shm files the database file's mode).

    Only a file that does not exist yet is opened (O_EXCL): SQLite's POSIX locks belong to the
    process, and closing any descriptor of an existing database file would drop those of every live
    connection here; another process's close would then think itself the last, checkpoint and delete
    the WAL under them, so their later commits would go to an unlinked file."""
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    _make_private(path)  # a file made by an earlier version may be wider


def _make_private(path: str) -> None:
    for name in (path + suffix for suffix in _SIDE_FILES):
        try:
            if os.stat(name).st_mode & 0o777 != 0o600:
                os.chmod(name, 0o600)
        except FileNotFoundError:  # no journal of that kind (or it was just removed)
            pass


def ping(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1").fetchone()[0] == 1


_local = threading.local()
_PER_THREAD = 4


def acquire(database_url: str) -> sqlite3.Connection:
    """A connection for this thread, reused across units of work (opening one and
    setting its pragmas costs more than a small transaction). Keyed by process too,
    so a forked worker never uses its parent's connection."""
    cache = getattr(_local, "connections", None)
    if cache is None or getattr(_local, "pid", None) != os.getpid():
        cache = _local.connections = OrderedDict()
        _local.pid = os.getpid()
    conn = cache.pop(database_url, None)
    if conn is None:
        conn = connect(database_url)
    cache[database_url] = conn
    while len(cache) > _PER_THREAD:
        _, stale = cache.popitem(last=False)
        stale.close()
    return conn


def discard(database_url: str) -> None:
    """Drop this thread's cached connection (after an error left it in doubt)."""
    cache = getattr(_local, "connections", None)
    if cache and database_url in cache:
        cache.pop(database_url).close()
