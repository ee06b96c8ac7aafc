"""Numbered SQL migrations (NNNN_name.sql), applied in order; the applied version is recorded.
A migration whose work SQL cannot do (an HMAC) also runs a Python step, named in ``STEPS`` by the
file's name without its number, in the same transaction right after its SQL."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from entities.clock import now_iso
from repository.migrations.rechain import rechain_audit_log

MIGRATIONS_DIR = Path(__file__).resolve().parent
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
STEPS = {"audit_keyed_chain": rechain_audit_log}
_TRIGGER = re.compile(r"^\s*CREATE\s+TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.IGNORECASE)
_DROP_TRIGGER = re.compile(r"^\s*DROP\s+TRIGGER\s+(?:IF\s+EXISTS\s+)?(\w+)", re.IGNORECASE)
_LEADING_COMMENTS = re.compile(r"^(?:\s*--[^\n]*\n)*\s*")


def available() -> list[tuple[int, Path]]:
    found = []
    for path in MIGRATIONS_DIR.iterdir():
        match = _NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    numbers = [number for number, _ in found]
    if len(numbers) != len(set(numbers)):
        # Two files with one number: the runner would apply one and silently skip the other.
        raise RuntimeError("two migrations share a number: " + ", ".join(sorted(p.name for _, p in found)))
    return sorted(found)


def latest_version() -> int:
    versions = available()
    return versions[-1][0] if versions else 0


def current_version(conn: sqlite3.Connection) -> int:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations"
        " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()
    return row[0]


def upgrade(conn: sqlite3.Connection, audit_key: bytes | str | None = None) -> list[str]:
    """Apply every pending migration, each in its own transaction. Returns the names applied.
    ``audit_key`` (AUDIT_KEY) is needed by the step that re-chains existing audit records."""
    if isinstance(audit_key, str):
        audit_key = audit_key.encode()
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = current_version(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    applied = []
    for number, path in available():
        if number <= version:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if current_version(conn) >= number:  # another process got here first
                conn.execute("COMMIT")
                continue
            for statement in _split(path.read_text()):
                conn.execute(statement)
            step = STEPS.get(_NAME.match(path.name).group(2))
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
    if applied:
        # A migration that erases data (0005: stored CVVs) must not leave it behind in WAL frames.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return applied


def expected_triggers() -> dict[str, str]:
    """Every trigger the migrations leave in place, name -> its CREATE statement (whitespace folded)."""
    triggers: dict[str, str] = {}
    for _, path in available():
        for statement in _split(path.read_text()):
            statement = _LEADING_COMMENTS.sub("", statement)  # as sqlite_master keeps it
            if created := _TRIGGER.match(statement):
                triggers[created.group(1)] = fold_whitespace(statement.rstrip(";"))
            elif dropped := _DROP_TRIGGER.match(statement):
                triggers.pop(dropped.group(1), None)
    return triggers


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
