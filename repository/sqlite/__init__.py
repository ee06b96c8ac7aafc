"""The embedded backend: one SQLite file, one writer at a time (SPEC section 4).

What is SQLite's own lives here: connections and their pragmas (connection.py), the writer queue
(writer.py), how a write transaction begins (BEGIN IMMEDIATE behind the queue) and how sqlite3's
exceptions become repository.errors. The SQL itself is shared (repository/*.py)."""

from __future__ import annotations

import sqlite3

from repository.errors import DatabaseBusy, IntegrityViolation, UniqueViolation
from repository.sqlite import connection
from repository.sqlite.writer import WRITER_WAIT_S, writer_lock


class SqliteConnection:
    """sqlite3's connection behind the interface every repository uses: ``execute`` (``?`` and
    ``:name`` placeholders, rows readable by name and position), ``executemany``, ``tuples``."""

    name = "sqlite"
    __slots__ = ("raw",)

    def __init__(self, raw: sqlite3.Connection):
        self.raw = raw

    def execute(self, sql: str, params=()):
        try:
            return self.raw.execute(sql, params)
        except sqlite3.Error as exc:
            raise translate(exc) from None

    def executemany(self, sql: str, rows):
        try:
            return self.raw.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise translate(exc) from None

    def close(self) -> None:
        self.raw.close()

    def tuples(self, sql: str, params=()) -> list[tuple]:
        """Plain tuples, for walks over many rows (building sqlite3.Row objects costs more)."""
        cursor = self.raw.cursor()
        cursor.row_factory = None
        try:
            return cursor.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise translate(exc) from None


def translate(exc: sqlite3.Error) -> Exception:
    message = str(exc)
    if isinstance(exc, sqlite3.IntegrityError):
        if message.startswith("UNIQUE constraint failed: "):
            return UniqueViolation(message, message.removeprefix("UNIQUE constraint failed: "))
        return IntegrityViolation(message)
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in message or "busy" in message):
        return DatabaseBusy(message)
    return exc


class SqliteBackend:
    """Units of work over one SQLite file (see repository/unit_of_work.py)."""

    name = "sqlite"
    # A system account's balance row is updated in the movement's transaction: with one writer
    # at a time it is no hot row (SPEC section 17 is about PostgreSQL).
    defers_system_balances = False
    for_update = ""  # BEGIN IMMEDIATE already holds the whole database

    def __init__(self, database_url: str):
        self.database_url = database_url

    def acquire(self) -> SqliteConnection:
        return SqliteConnection(connection.acquire(self.database_url))

    def release(self, conn: SqliteConnection, *, broken: bool = False) -> None:
        if broken:
            connection.discard(self.database_url)

    def begin(self, conn: SqliteConnection, write: bool):
        """Returns what ``end`` must release: the writer-queue slot of a write transaction."""
        slot = None
        if write:
            slot = writer_lock(self.database_url)
            if not slot.acquire(timeout=WRITER_WAIT_S):
                raise DatabaseBusy("database is locked")
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        except BaseException:
            if slot is not None:
                slot.release()
            raise
        return slot

    def commit(self, conn: SqliteConnection) -> None:
        conn.execute("COMMIT")

    def rollback(self, conn: SqliteConnection) -> None:
        conn.execute("ROLLBACK")

    def end(self, slot) -> None:
        if slot is not None:
            slot.release()

    def after_commit(self) -> None:
        pass

    def connect(self) -> SqliteConnection:
        """A connection of its own (migrations, readiness), closed by the caller with ``close``."""
        return SqliteConnection(connection.connect(self.database_url))

    @staticmethod
    def close(conn: SqliteConnection) -> None:
        conn.raw.close()
