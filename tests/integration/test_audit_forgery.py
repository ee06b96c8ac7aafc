"""Forgery with write access to the database file (issue 8): money inserted behind the application's
back, a rewritten or truncated audit log and a dropped trigger all fail `flask verify`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from entities.audit import GENESIS_HASH, AuditRecord
from entities.clock import now_iso
from repository.migrations import expected_triggers
from tests.api.helpers import raw_connection
from tests.conftest import PIN

FORGED_CENTS = 50_000_000  # $500,000
AUDIT_TRIGGERS = ("audit_log_no_update", "audit_log_no_delete", "audit_log_no_replace")


@pytest.fixture
def victim(api):
    """A customer's funded account after real activity: deposits, a withdrawal, a transfer, a decline."""
    _, headers = api.customer()
    account = api.funded_account(headers, 10_000)
    savings = api.account(headers, type="savings")
    response = api.client.post(
        f"/api/v1/accounts/{account['id']}/withdrawals", json={"amount_cents": 1_000, "pin": PIN}, headers=headers
    )
    assert response.status_code == 201
    assert api.transfer(headers, account["id"], savings["number"], 2_000).status_code == 201
    assert api.transfer(headers, savings["id"], account["number"], 999_999).status_code == 422
    return account


def _verify(app, *args):
    return app.test_cli_runner().invoke(args=["verify", *args])


def _statuses(output: str) -> dict[str, str]:
    return {line.split()[1]: line.split()[0] for line in output.splitlines() if line[:4] in ("PASS", "FAIL")}


def _failed(result) -> list[str]:
    return [name for name, status in _statuses(result.output).items() if status == "FAIL"]


def _line(result, name: str) -> str:
    return next(line for line in result.output.splitlines() if line.split()[1:2] == [name])


def test_a_hand_forged_deposit_with_matching_balances_fails_the_cross_check(app, victim):
    conn = raw_connection(app)
    try:
        vault = conn.execute(
            "SELECT id, balance_cents FROM accounts WHERE type = 'system' AND system_code = 'cash-vault'"
        )
        vault_id, vault_balance = vault.fetchone()
        balance = conn.execute("SELECT balance_cents FROM accounts WHERE id = ?", (victim["id"],)).fetchone()[0]
        now = now_iso()
        entry_id = conn.execute(
            "INSERT INTO journal_entries (kind, status, amount_cents, currency, memo, account_id, created_at)"
            " VALUES ('deposit', 'posted', ?, 'USD', 'cash', ?, ?)",
            (FORGED_CENTS, victim["id"], now),
        ).lastrowid
        conn.executemany(
            "INSERT INTO postings (entry_id, account_id, amount_cents, balance_after_cents, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (entry_id, vault_id, -FORGED_CENTS, vault_balance - FORGED_CENTS, now),
                (entry_id, victim["id"], FORGED_CENTS, balance + FORGED_CENTS, now),
            ],
        )
        conn.execute("UPDATE accounts SET balance_cents = balance_cents - ? WHERE id = ?", (FORGED_CENTS, vault_id))
        conn.execute("UPDATE accounts SET balance_cents = balance_cents + ? WHERE id = ?", (FORGED_CENTS, victim["id"]))
    finally:
        conn.close()

    result = _verify(app)

    assert result.exit_code == 1
    assert _failed(result) == ["journal_entries_audited"]
    assert _line(result, "journal_entries_audited").split()[3:] == ["failures=1", "ids:", str(entry_id)]
    assert _statuses(result.output)["money_audit_has_entries"] == "PASS"


def test_an_audit_record_naming_another_amount_fails_the_cross_check(app, victim):
    """An entry whose amount was edited no longer matches the amount its audit record names."""
    conn = raw_connection(app)
    try:
        entry_id = conn.execute("SELECT MIN(id) FROM journal_entries WHERE status = 'declined'").fetchone()[0]
        trigger = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'journal_no_update'").fetchone()[0]
        conn.execute("DROP TRIGGER journal_no_update")
        conn.execute("UPDATE journal_entries SET amount_cents = 1 WHERE id = ?", (entry_id,))
        conn.execute(trigger)
    finally:
        conn.close()

    result = _verify(app)

    assert result.exit_code == 1
    assert _failed(result) == ["journal_entries_audited", "money_audit_has_entries"]
    assert _line(result, "journal_entries_audited").endswith(f"ids: {entry_id}")


def _rewrite_chain(app, hash_of) -> int:
    """Drop the audit triggers, edit record 1, re-chain every record with ``hash_of`` and put the
    triggers back as they were, as an attacker covering their tracks would. Returns the record count."""
    conn = raw_connection(app)
    try:
        saved = [
            conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
            for name in AUDIT_TRIGGERS
        ]
        for name in AUDIT_TRIGGERS:
            conn.execute(f"DROP TRIGGER {name}")
        rows = conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall()
        previous = GENESIS_HASH
        for row in rows:
            record = AuditRecord(**{**dict(row), "details": json.loads(row["details"])})
            if record.id == 1:
                record.details = {**record.details, "role": "admin"}
            record.prev_hash = previous
            record.hash = hash_of(record)
            previous = record.hash
            conn.execute(
                "UPDATE audit_log SET details = ?, prev_hash = ?, hash = ? WHERE id = ?",
                (json.dumps(record.details, sort_keys=True), record.prev_hash, record.hash, record.id),
            )
        for sql in saved:
            conn.execute(sql)
    finally:
        conn.close()
    return len(rows)


@pytest.mark.parametrize(
    "hash_of",
    [AuditRecord.legacy_hash, lambda record: record.compute_hash(b"a-guessed-key-that-is-not-the-server-key")],
    ids=["plain-sha256", "wrong-key"],
)
def test_a_chain_recomputed_without_the_key_fails(app, victim, hash_of):
    count = _rewrite_chain(app, hash_of)

    result = _verify(app)

    assert result.exit_code == 1
    assert _failed(result) == ["audit_chain_intact"]
    assert _line(result, "audit_chain_intact").split()[2:4] == [f"checked={count}", f"failures={count}"]


def test_the_audit_key_never_enters_the_database(app, victim):
    conn = raw_connection(app)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        conn.close()
    path = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    files = [f for f in path.parent.iterdir() if f.name.startswith(path.name)]
    assert path in files
    for file in files:
        assert app.config["AUDIT_KEY"].encode() not in file.read_bytes(), file


@pytest.fixture
def checkpoint_file(app, api, victim, tmp_path):
    """A checkpoint taken after the money activity and a new customer's register and login records,
    as `flask audit-checkpoint` prints it."""
    api.customer()
    result = app.test_cli_runner().invoke(args=["audit-checkpoint"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "checkpoint.json"
    path.write_text(result.output)
    return path


def test_verify_with_a_checkpoint_passes_while_the_log_extends_it(app, api, checkpoint_file):
    api.customer()  # more records after the checkpoint

    result = _verify(app, "--checkpoint", str(checkpoint_file))

    assert result.exit_code == 0, result.output
    count = json.loads(checkpoint_file.read_text())["count"]
    assert _line(result, "audit_extends_checkpoint").split() == [
        "PASS",
        "audit_extends_checkpoint",
        f"checked={count}",
        "failures=0",
    ]


def test_a_log_truncated_behind_the_checkpoint_fails_verify_with_it(app, checkpoint_file):
    checkpoint = json.loads(checkpoint_file.read_text())
    conn = raw_connection(app)
    try:
        trigger = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'audit_log_no_delete'").fetchone()[0]
        conn.execute("DROP TRIGGER audit_log_no_delete")
        deleted = conn.execute("DELETE FROM audit_log WHERE id > ?", (checkpoint["last_id"] - 2,)).rowcount
        conn.execute(trigger)
    finally:
        conn.close()
    assert deleted == 2  # the last customer's register and login records: no money

    assert _verify(app).exit_code == 0  # a shorter log is still a valid chain: only the checkpoint tells
    result = _verify(app, "--checkpoint", str(checkpoint_file))

    assert result.exit_code == 1
    assert _failed(result) == ["audit_extends_checkpoint"]
    assert f"record {checkpoint['last_id']} is gone" in _line(result, "audit_extends_checkpoint")


def test_a_checkpoint_of_another_log_fails(app, checkpoint_file):
    checkpoint = json.loads(checkpoint_file.read_text())
    checkpoint_file.write_text(json.dumps({**checkpoint, "head": "f" * 64}))

    result = _verify(app, "--checkpoint", str(checkpoint_file))

    assert result.exit_code == 1
    assert _failed(result) == ["audit_extends_checkpoint"]
    assert f"record {checkpoint['last_id']} has another hash" in result.output


@pytest.mark.parametrize(
    "content",
    ["not json", "[]", '{"count": 1, "last_id": 1}', '{"count": "1", "last_id": 1, "head": "' + "0" * 64 + '"}'],
    ids=["not-json", "not-an-object", "missing-head", "count-as-text"],
)
def test_an_unusable_checkpoint_file_is_a_usage_error(app, tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content)

    result = _verify(app, "--checkpoint", str(path))

    assert result.exit_code == 2
    assert "not a usable checkpoint" in result.output
    assert "PASS" not in result.output


def test_a_missing_checkpoint_file_is_a_usage_error(app, tmp_path):
    result = _verify(app, "--checkpoint", str(tmp_path / "absent.json"))
    assert result.exit_code == 2
    assert "absent.json" in result.output


@pytest.mark.parametrize("trigger", sorted(expected_triggers()))
def test_a_dropped_trigger_fails_the_trigger_check(app, victim, trigger):
    conn = raw_connection(app)
    try:
        conn.execute(f"DROP TRIGGER {trigger}")
    finally:
        conn.close()

    result = _verify(app)

    assert result.exit_code == 1
    assert _failed(result) == ["append_only_triggers_present"]
    assert _line(result, "append_only_triggers_present").endswith(f"missing or altered: {trigger}")


def test_a_trigger_replaced_by_a_harmless_one_of_the_same_name_fails(app, victim):
    conn = raw_connection(app)
    try:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log WHEN 0 BEGIN SELECT 1; END")
    finally:
        conn.close()

    result = _verify(app)

    assert result.exit_code == 1
    assert _failed(result) == ["append_only_triggers_present"]
    assert "missing or altered: audit_log_no_update" in result.output
