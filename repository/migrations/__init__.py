"""Numbered SQL migrations per backend (sqlite/NNNN_name.sql, postgresql/NNNN_name.sql, the same
numbers and names in both), applied in order; the applied version is recorded in
schema_migrations. A migration whose work SQL cannot do (an HMAC) also runs a Python step, named
in ``STEPS`` by the file's name without its number, in the same transaction right after its SQL
(SQLite only: on PostgreSQL every database starts with the keyed chain)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from entities.clock import now_iso
from repository.migrations.rechain import rechain_audit_log

MIGRATIONS_DIR = Path(__file__).resolve().parent
BACKENDS = ("sqlite", "postgresql")
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
STEPS = {"sqlite": {"audit_keyed_chain": rechain_audit_log}, "postgresql": {}}
_TRIGGER = re.compile(r"^\s*CREATE\s+TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.IGNORECASE)
_DROP_TRIGGER = re.compile(r"^\s*DROP\s+TRIGGER\s+(?:IF\s+EXISTS\s+)?(\w+)", re.IGNORECASE)
_LEADING_COMMENTS = re.compile(r"^(?:\s*--[^\n]*\n)*\s*")
_PG_TRIGGER = re.compile(r"CREATE\s+TRIGGER\s+(\w+)", re.IGNORECASE)
_PG_FUNCTION = re.compile(
    r"CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+(\w+)\s*\(\s*\).*?AS\s+\$(\w*)\$(.*?)\$\2\$", re.IGNORECASE | re.DOTALL
)
MIGRATION_LOCK = 0x636F7265_6D696772  # PostgreSQL: instances starting together migrate one at a time


def _backend_name(conn) -> str:
    return getattr(conn, "name", "sqlite")


def available(backend: str = "sqlite") -> list[tuple[int, Path]]:
    found = []
    for path in (MIGRATIONS_DIR / backend).iterdir():
        match = _NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    numbers = [number for number, _ in found]
    if len(numbers) != len(set(numbers)):
        # Two files with one number: the runner would apply one and silently skip the other.
        raise RuntimeError("two migrations share a number: " + ", ".join(sorted(p.name for _, p in found)))
    return sorted(found)


def latest_version(backend: str = "sqlite") -> int:
    versions = available(backend)
    return versions[-1][0] if versions else 0


def _wrap(conn):
    """Accept a plain sqlite3 connection too (tools and tests that open the file themselves)."""
    if isinstance(conn, sqlite3.Connection):
        from repository.sqlite import SqliteConnection

        return SqliteConnection(conn)
    return conn


def current_version(conn) -> int:
    conn = _wrap(conn)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations"
        " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()
    return row[0]


def _begin(conn, backend: str) -> None:
    if backend == "postgresql":
        conn.execute("BEGIN")
        conn.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
    else:
        conn.execute("BEGIN IMMEDIATE")


def migrate(database_url: str, audit_key: bytes | str | None = None) -> list[str]:
    """Apply pending migrations to ``database_url`` on a connection of its own (``flask db upgrade``
    and every start); ``audit_key`` lets the keyed-chain migration re-chain old records."""
    from repository import db

    conn = db.connect(database_url)
    try:
        return upgrade(conn, audit_key)
    finally:
        db.close(database_url, conn)


def upgrade(conn, audit_key: bytes | str | None = None) -> list[str]:
    """Apply every pending migration, each in its own transaction. Returns the names applied.
    ``audit_key`` (AUDIT_KEY) is needed by the step that re-chains existing audit records."""
    conn = _wrap(conn)
    backend = _backend_name(conn)
    if isinstance(audit_key, str):
        audit_key = audit_key.encode()
    _begin(conn, backend)
    try:
        version = current_version(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    applied = []
    for number, path in available(backend):
        if number <= version:
            continue
        _begin(conn, backend)
        try:
            if current_version(conn) >= number:  # another process got here first
                conn.execute("COMMIT")
                continue
            if backend == "postgresql":
                conn.script(path.read_text())
            else:
                for statement in _split(path.read_text()):
                    conn.execute(statement)
            step = STEPS[backend].get(_NAME.match(path.name).group(2))
            if step is not None:
                step(conn, audit_key)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (number, path.name, now_iso()),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(path.name)
    if applied and backend == "sqlite":
        # A migration that erases data (0005: stored CVVs) must not leave it behind in WAL frames.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return applied


def expected_triggers(backend: str = "sqlite") -> dict[str, str]:
    """Every trigger the migrations leave in place. SQLite: name -> its CREATE statement (whitespace
    folded). PostgreSQL: name -> "" (its body is a function: see ``expected_functions``)."""
    triggers: dict[str, str] = {}
    for _, path in available(backend):
        if backend == "postgresql":
            for name in _PG_TRIGGER.findall(_without_comments(path.read_text())):
                triggers[name] = ""
            continue
        for statement in _split(path.read_text()):
            statement = _LEADING_COMMENTS.sub("", statement)  # as sqlite_master keeps it
            if created := _TRIGGER.match(statement):
                triggers[created.group(1)] = fold_whitespace(statement.rstrip(";"))
            elif dropped := _DROP_TRIGGER.match(statement):
                triggers.pop(dropped.group(1), None)
    return triggers


def expected_functions() -> dict[str, str]:
    """PostgreSQL: every trigger function the migrations create, name -> its body (whitespace folded)."""
    functions: dict[str, str] = {}
    for _, path in available("postgresql"):
        for name, _tag, body in _PG_FUNCTION.findall(path.read_text()):
            functions[name] = fold_whitespace(body)
    return functions


def _without_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def fold_whitespace(sql: str) -> str:
    return " ".join(sql.split())


def _split(script: str) -> list[str]:
    """Split a script into statements, keeping trigger bodies (BEGIN ... END;) whole."""
    statements, buffer = [], []
    for line in script.splitlines():
        if line.strip().startswith("--") and not buffer:
            continue
        buffer.append(line)
        candidate = "\n".join(buffer).strip()
        if candidate.endswith(";") and sqlite3.complete_statement(candidate):
            statements.append(candidate)
            buffer = []
    if "\n".join(buffer).strip():
        statements.append("\n".join(buffer).strip())
    return statements
