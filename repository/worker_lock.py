"""One active background worker across processes and instances (the webhook deliverer, SPEC 16).

PostgreSQL: a session-level advisory lock on a connection the worker keeps for itself, so every
instance on the database competes for one lock, and a killed process loses it the moment its
connection drops. SQLite (one machine): an flock on a file beside the database, which the kernel
releases when the holder dies. Either way a restarted server takes over at once."""

from __future__ import annotations

import fcntl
import os

from repository import db


class WorkerLock:
    def __init__(self, database_url: str, key: int, name: str):
        self.database_url = database_url
        self.key = key
        self.name = name
        self._conn = None
        self._file = None

    @property
    def held(self) -> bool:
        return self._conn is not None or self._file is not None

    def acquire(self) -> bool:
        """Take the lock if it is free (or keep it); never waits. Whether this worker holds it now."""
        if db.is_postgresql(self.database_url):
            return self._acquire_postgresql()
        return self._acquire_file()

    def _acquire_postgresql(self) -> bool:
        if self._conn is not None:
            try:
                self._conn.execute("SELECT 1")
                return True
            except Exception:  # the connection died: so did the lock (reacquired below if free)
                self._drop_connection()
        conn = db.connect(self.database_url)
        if conn.execute("SELECT pg_try_advisory_lock(?)", (self.key,)).fetchone()[0]:
            self._conn = conn
            return True
        db.close(self.database_url, conn)
        return False

    def _acquire_file(self) -> bool:
        if self._file is not None:
            return True
        path = f"{db.sqlite_path(self.database_url)}.{self.name}.lock"
        handle = open(path, "a")  # noqa: SIM115  (kept open while the lock is held)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        os.chmod(path, 0o600)
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._conn is not None:
            try:
                self._conn.execute("SELECT pg_advisory_unlock(?)", (self.key,))
            except Exception:  # noqa: S110  (a dead connection has released it already)
                pass
            self._drop_connection()

    def _drop_connection(self) -> None:
        try:
            db.close(self.database_url, self._conn)
        except Exception:  # noqa: S110
            pass
        self._conn = None
