"""The keyed-chain migration: a database the earlier release wrote (audit records chained by plain
SHA-256) is re-chained under AUDIT_KEY in one transaction and verifies afterwards; a broken old chain,
a lifted trigger or a missing key stop the upgrade and leave the database as it was."""

from __future__ import annotations

import sqlite3

import pytest

from app import create_app
from entities.audit import GENESIS_HASH
from repository import db, migrations
from repository.audit import AuditRepository
from repository.errors import IntegrityViolation
from repository.migrations.rechain import RechainRefused
from repository.sessions import SessionRepository
from services.mfa import MfaService
from tests.api.helpers import raw_connection
from tests.conftest import ApiHelper

KEYED = next(number for number, path in migrations.available() if path.name.endswith("_audit_keyed_chain.sql"))


@pytest.fixture
def legacy_app(app_config, monkeypatch):
    """The earlier release: migrations before the keyed chain, every record hashed with plain SHA-256.
    Returns its database after real activity through the API (registrations, logins, a wrong password).
    Money is left out: today's account and ledger code needs the columns later migrations add (0007's
    holds), which the earlier schema lacks; the chain is what this migration re-keys."""
    with monkeypatch.context() as earlier:
        earlier.setattr(
            migrations, "available", lambda backend="sqlite": [m for m in _all_migrations(backend) if m[0] < KEYED]
        )
        earlier.setattr(AuditRepository, "hash_of", lambda self, record: record.legacy_hash())
        # Nor did it know second factors (0009): its sessions had no amr, its logins no code step.
        earlier.setattr(SessionRepository, "add", _legacy_session_add)
        earlier.setattr(MfaService, "has_factor", lambda self, uow, user_id: False)
        app = create_app(app_config)
        api = ApiHelper(app.test_client(), app.extensions["corebank"])
        for name in ("Ada Legacy", "Bob Legacy"):
            user, _ = api.customer(full_name=name)
        wrong = api.client.post("/api/v1/auth/login", json={"email": user["email"], "password": "not it at all"})
        assert wrong.status_code == 401
        api.login(user["email"])
    return app


_all_migrations = migrations.available


def _legacy_session_add(self, record):
    self.conn.execute(
        "INSERT INTO sessions (id, user_id, kind, created_at, last_seen_at, expires_at, ip, user_agent)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (record.id, record.user_id, record.kind, record.created_at, record.last_seen_at, record.expires_at)
        + (record.ip, record.user_agent),
    )


def _rows(app) -> list[sqlite3.Row]:
    conn = raw_connection(app)
    try:
        return conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall()
    finally:
        conn.close()


def _version(app) -> int:
    conn = raw_connection(app)
    try:
        return conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0]
    finally:
        conn.close()


def _records(app):
    conn = db.connect(app.config["DATABASE_URL"])
    try:
        return list(AuditRepository(conn).iterate())
    finally:
        db.close(app.config["DATABASE_URL"], conn)


def test_the_earlier_release_chained_with_plain_sha256(legacy_app):
    records = _records(legacy_app)
    assert len(records) >= 6
    assert all(r.hash == r.legacy_hash() for r in records)
    assert _version(legacy_app) == KEYED - 1


def test_a_legacy_database_verifies_after_the_upgrade(legacy_app, app_config):
    legacy = _records(legacy_app)

    app = create_app(app_config)  # the new release migrates at start-up, with its AUDIT_KEY

    key = app.config["AUDIT_KEY"].encode()
    records = _records(app)
    assert _version(app) == migrations.latest_version()
    assert [(r.id, r.action, r.details) for r in records[:-1]] == [(r.id, r.action, r.details) for r in legacy]
    previous = GENESIS_HASH
    for record in records:
        assert (record.prev_hash, record.hash) == (previous, record.compute_hash(key))
        previous = record.hash
    rechain = records[-1]
    assert (rechain.action, rechain.outcome, rechain.details) == (
        "audit.rechain",
        "success",
        {"records": len(legacy), "legacy_head": legacy[-1].hash, "legacy_last_id": legacy[-1].id},
    )
    result = app.test_cli_runner().invoke(args=["verify"])
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.output
    assert "PASS  append_only_triggers_present" in result.output


def test_after_the_upgrade_the_log_is_append_only_again(legacy_app, app_config):
    app = create_app(app_config)
    conn = raw_connection(app)
    try:
        with pytest.raises(IntegrityViolation, match="append-only"):
            conn.execute("UPDATE audit_log SET hash = ? WHERE id = 1", ("0" * 64,))
    finally:
        conn.close()


def test_new_records_after_the_upgrade_extend_the_keyed_chain(legacy_app, app_config):
    app = create_app(app_config)
    api = ApiHelper(app.test_client(), app.extensions["corebank"])
    _, headers = api.customer()
    api.funded_account(headers, 500)

    result = app.test_cli_runner().invoke(args=["verify"])

    assert result.exit_code == 0, result.output


def test_the_upgrade_refuses_a_broken_legacy_chain(legacy_app, app_config):
    conn = raw_connection(legacy_app)
    try:
        trigger = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'audit_log_no_update'").fetchone()[0]
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET outcome = 'failure' WHERE id = 2")
        conn.execute(trigger)
    finally:
        conn.close()
    before = [tuple(row) for row in _rows(legacy_app)]

    with pytest.raises(RechainRefused, match=r"the existing audit chain is broken \(records 2\); not re-chaining"):
        create_app(app_config)

    assert _version(legacy_app) == KEYED - 1
    assert [tuple(row) for row in _rows(legacy_app)] == before


def test_the_upgrade_refuses_a_log_whose_update_trigger_was_dropped(legacy_app, app_config):
    conn = raw_connection(legacy_app)
    try:
        conn.execute("DROP TRIGGER audit_log_no_update")
    finally:
        conn.close()

    with pytest.raises(RechainRefused, match="trigger audit_log_no_update is missing"):
        create_app(app_config)

    assert _version(legacy_app) == KEYED - 1


def test_the_upgrade_needs_the_key_when_there_are_records(legacy_app):
    conn = db.connect(legacy_app.config["DATABASE_URL"])
    try:
        with pytest.raises(RechainRefused, match="AUDIT_KEY is required to re-chain the"):
            migrations.upgrade(conn)
    finally:
        db.close(legacy_app.config["DATABASE_URL"], conn)
    assert _version(legacy_app) == KEYED - 1
    assert all(r.hash == r.legacy_hash() for r in _records(legacy_app))


def test_a_new_database_migrates_without_a_key(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    conn = db.connect(url)
    try:
        applied = migrations.upgrade(conn)
        count = conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
        trigger = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'audit_log_no_update'").fetchone()
    finally:
        db.close(url, conn)
    assert [name for name in applied if name.endswith("_audit_keyed_chain.sql")] == [
        f"{KEYED:04d}_audit_keyed_chain.sql"
    ]
    assert (count, tuple(trigger)) == (0, (1,))


def test_two_migrations_with_one_number_are_refused(monkeypatch, tmp_path):
    (tmp_path / "sqlite").mkdir()
    (tmp_path / "sqlite" / "0001_one.sql").write_text("SELECT 1;")
    (tmp_path / "sqlite" / "0001_other.sql").write_text("SELECT 2;")
    monkeypatch.setattr(migrations, "MIGRATIONS_DIR", tmp_path)
    with pytest.raises(RuntimeError, match="two migrations share a number: 0001_one.sql, 0001_other.sql"):
        migrations.available()
