"""Which backend a DATABASE_URL names: SQLite (``sqlite:///…``, the embedded default) or
PostgreSQL (``postgresql://…``, psycopg 3 with its pool, imported only when used)."""

from __future__ import annotations

import os
import threading

from repository.sqlite import SqliteBackend
from repository.sqlite.connection import PROJECT_ROOT, UnsupportedDatabase, sqlite_path

__all__ = ["PROJECT_ROOT", "UnsupportedDatabase", "backend", "connect", "is_postgresql", "sqlite_path"]

_backends: dict[tuple[int, str], object] = {}
_guard = threading.Lock()


def is_postgresql(database_url: str) -> bool:
    return database_url.startswith(("postgresql://", "postgres://"))


def backend(database_url: str, **options):
    """The backend for ``database_url``, one per process (a pool must never cross a fork)."""
    key = (os.getpid(), database_url)
    with _guard:
        found = _backends.get(key)
        if found is None:
            if is_postgresql(database_url):
                from repository.postgresql import PostgresBackend

                found = PostgresBackend(database_url, **options)
            else:
                sqlite_path(database_url)  # refuses an unknown scheme here, not at the first query
                found = SqliteBackend(database_url)
            _backends[key] = found
        return found


def connect(database_url: str):
    """A connection of its own (migrations, readiness, tools); close it with ``close(conn)``."""
    return backend(database_url).connect()


def close(database_url: str, conn) -> None:
    backend(database_url).close(conn)


def dispose(database_url: str) -> None:
    """Close the backend's pool (tests dropping their database; a worker shutting down)."""
    with _guard:
        found = _backends.pop((os.getpid(), database_url), None)
    if found is not None and hasattr(found, "dispose"):
        found.dispose()
