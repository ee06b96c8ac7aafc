"""The embedded backend: one SQLite file, one writer at a time (SPEC section 4).

What is SQLite's own lives here: connections and their pragmas (connection.py), the writer queue and
group commit (writer.py: under load the write units of a process share one transaction, each in its
own savepoint), and how sqlite3's exceptions become repository.errors (errors.py). The SQL itself is
shared (repository/*.py)."""

from __future__ import annotations

import sqlite3

from repository.sqlite import connection
from repository.sqlite.errors import translate
from repository.sqlite.writer import hooks, writer_for

__all__ = ["SqliteBackend", "SqliteConnection", "translate"]


class SqliteConnection:
    """sqlite3's connection behind the interface every repository uses: ``execute`` (``?`` and
    ``:name`` placeholders, rows readable by name and position), ``executemany``, ``tuples``.

    ``raw`` is the thread's own connection (``own``), except inside a write unit of work: there it is
    the process's writer connection, lent with the writer slot (``unit``) until the unit gives it up."""

    name = "sqlite"
    __slots__ = ("raw", "own", "unit")

    def __init__(self, raw: sqlite3.Connection):
        self.raw = self.own = raw
        self.unit = None

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
        """Returns what ``end`` must release: a write transaction's share of the writer (writer.Unit),
        whose connection ``conn`` uses until then."""
        if write:
            return writer_for(self.database_url).begin(conn)
        conn.execute("BEGIN")
        return None

    def commit(self, conn: SqliteConnection) -> None:
        """A write unit returns once the COMMIT that holds it is done (its own, or its batch's)."""
        unit = conn.unit
        if unit is None:
            conn.execute("COMMIT")
            return
        if hooks.before_unit_commit is not None:
            hooks.before_unit_commit(conn)
        unit.commit()

    def rollback(self, conn: SqliteConnection) -> None:
        """A write unit undoes its own statements only (its savepoint, inside a batch)."""
        if conn.unit is not None:
            conn.unit.rollback()
        elif conn.raw.in_transaction:  # not after a failed group commit, which ended everything
            conn.execute("ROLLBACK")

    def end(self, slot) -> None:
        if slot is not None:
            slot.end()

    def after_commit(self) -> None:
        pass

    def connect(self) -> SqliteConnection:
        """A connection of its own (migrations, readiness), closed by the caller with ``close``."""
        return SqliteConnection(connection.connect(self.database_url))

    @staticmethod
    def close(conn: SqliteConnection) -> None:
        conn.raw.close()
