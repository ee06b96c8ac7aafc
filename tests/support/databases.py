"""A fresh database per test on either backend.

COREBANK_TEST_DATABASE=postgresql runs the suite on PostgreSQL: each test gets its own database,
copied from a template migrated once per test process (CREATE DATABASE … TEMPLATE is a file
copy, far cheaper than migrating), dropped afterwards. COREBANK_TEST_POSTGRES_URL names the
server (default postgresql://postgres@127.0.0.1:5432/postgres). With COREBANK_REQUIRE_POSTGRES=1
(CI) a server that does not answer fails the run instead of skipping."""

from __future__ import annotations

import itertools
import os
from contextlib import contextmanager

import pytest

BACKEND = os.environ.get("COREBANK_TEST_DATABASE", "sqlite")
SERVER_URL = os.environ.get("COREBANK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
_counter = itertools.count(1)
_template_ready: set[str] = set()


def on_postgresql() -> bool:
    return BACKEND == "postgresql"


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _url_of(name: str) -> str:
    base = SERVER_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def _admin():
    import psycopg

    try:
        return psycopg.connect(SERVER_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("COREBANK_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip(f"PostgreSQL not reachable at {SERVER_URL}: {exc}")


def _template(audit_key: str) -> str:
    name = f"corebank_test_tpl_{os.getpid()}_{_worker()}"
    if name not in _template_ready:
        from repository import db, migrations

        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        url = _url_of(name)
        conn = db.connect(url)
        try:
            migrations.upgrade(conn, audit_key)
        finally:
            db.close(url, conn)
            db.dispose(url)
        _template_ready.add(name)
    return name


def new_postgres_database(audit_key: str = "") -> str:
    """The URL of a new, migrated database of its own."""
    name = f"corebank_test_{os.getpid()}_{_worker()}_{next(_counter)}"
    template = _template(audit_key)
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return _url_of(name)


def drop_postgres_database(url: str) -> None:
    from repository import db

    db.dispose(url)
    name = url.rsplit("/", 1)[1]
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_templates() -> None:
    if not _template_ready:
        return
    with _admin() as admin:
        for name in _template_ready:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _template_ready.clear()


class BehindTheBack:
    """A connection of its own to the test's database, in autocommit, outside every unit of work:
    what an insider with database access (or a test travelling in time) does. ``?`` placeholders
    on both backends; rows readable by name and position."""

    def __init__(self, url: str):
        from repository import db

        self.url = url
        self.conn = db.connect(url)
        self.backend = self.conn.name

    def execute(self, sql: str, params=()):
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows):
        return self.conn.executemany(sql, rows)

    def rows(self, sql: str, params=()) -> list[tuple]:
        """Plain tuples (compare with ``[(1,)]``); [] for a statement that returns none."""
        result = self.conn.execute(sql, params)
        return [tuple(row) for row in result.fetchall()] if _returns_rows(result) else []

    def one(self, sql: str, params=()):
        """The first column of the first row."""
        return self.conn.execute(sql, params).fetchone()[0]

    def commit(self) -> None:  # autocommit: every statement is its own transaction
        pass

    @contextmanager
    def trigger_lifted(self, table: str, name: str):
        """Trigger ``name`` on ``table`` out of the way for the block, then back exactly as it was (the
        check of the triggers cannot tell): an insider covering their tracks. A trigger that does not
        exist is left alone."""
        if self.backend == "sqlite":
            found = self.conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,))
            restore = (found.fetchone() or [None])[0]
            lift = f"DROP TRIGGER {name}"
        else:
            present = self.one("SELECT COUNT(*) FROM pg_trigger WHERE tgname = ?", (name,))
            lift, restore = f"ALTER TABLE {table} DISABLE TRIGGER {name}", f"ALTER TABLE {table} ENABLE TRIGGER {name}"
            restore = restore if present else None
        if restore is not None:
            self.execute(lift)
        try:
            yield
        finally:
            if restore is not None:
                self.execute(restore)

    @contextmanager
    def checks_lifted(self, table: str):
        """The CHECK constraints of ``table`` out of the way for the block (SQLite: for this connection;
        PostgreSQL: dropped, then put back as they were, NOT VALID, so the rows written meanwhile stay):
        an insider writing what the schema refuses."""
        if self.backend == "sqlite":
            self.execute("PRAGMA ignore_check_constraints = ON")
            try:
                yield
            finally:
                self.execute("PRAGMA ignore_check_constraints = OFF")
            return
        checks = self.rows(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = CAST(? AS regclass)"
            " AND contype = 'c' ORDER BY conname",
            (table,),
        )
        for name, _ in checks:
            self.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        try:
            yield
        finally:
            for name, definition in checks:
                self.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition} NOT VALID")

    def close(self) -> None:
        from repository import db

        db.close(self.url, self.conn)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _returns_rows(result) -> bool:
    description = getattr(result, "description", None)
    if description is None and hasattr(result, "_cursor"):
        description = result._cursor.description
    return description is not None
