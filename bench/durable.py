"""The durable floor (SPEC section 12): a plain single-threaded sqlite3 loop on Corebank's schema
(created by the project's own migrations) doing one transfer's statements per transaction, with the
connection pragmas the server uses (WAL, ``synchronous=FULL``, foreign keys):

    BEGIN IMMEDIATE; 2 balance reads; 2 balance updates; the journal entry; 2 postings;
    the audit record (read the chain head, HMAC, insert); the idempotency record; COMMIT

``per_commit`` > 1 runs that many transfers per COMMIT: an explanatory figure only (what batching
commits, i.e. group commit, can buy on this disk)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from entities.audit import GENESIS_HASH, AuditRecord
from entities.clock import now_iso
from repository import migrations
from repository.sqlite.connection import connect

BALANCE = 10**12


def prepare(path: Path, audit_key: str) -> tuple[str, int, int, int]:
    """A migrated database with one customer and two funded accounts: (url, user id, from, to)."""
    url = f"sqlite:///{path}"
    migrations.migrate(url, audit_key)
    conn = connect(url)
    try:
        now = now_iso()
        conn.execute("BEGIN IMMEDIATE")
        user_id = conn.execute(
            "INSERT INTO users (email, full_name, password_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id",
            ("floor@example.com", "Durable Floor", "not-a-hash", now),
        ).fetchone()[0]
        ids = [
            conn.execute(
                "INSERT INTO accounts (number, owner_id, type, currency, balance_cents, created_at)"
                " VALUES (?, ?, 'checking', 'USD', ?, ?) RETURNING id",
                (number, user_id, BALANCE, now),
            ).fetchone()[0]
            for number in ("9000000001", "9000000002")
        ]
        conn.execute("COMMIT")
    finally:
        conn.close()
    return url, user_id, ids[0], ids[1]


def _transfer(conn, key: bytes, user_id: int, source: int, target: int, n: int) -> None:
    now = now_iso()
    source_balance = conn.execute("SELECT balance_cents FROM accounts WHERE id = ?", (source,)).fetchone()[0]
    target_balance = conn.execute("SELECT balance_cents FROM accounts WHERE id = ?", (target,)).fetchone()[0]
    source_balance, target_balance = source_balance - 1, target_balance + 1
    conn.execute("UPDATE accounts SET balance_cents = ? WHERE id = ?", (source_balance, source))
    conn.execute("UPDATE accounts SET balance_cents = ? WHERE id = ?", (target_balance, target))
    entry_id = conn.execute(
        "INSERT INTO journal_entries (kind, status, amount_cents, currency, memo, decline_reason, account_id,"
        " counterparty_account_id, reverses_entry_id, actor_id, created_at)"
        " VALUES ('transfer', 'posted', 1, 'USD', NULL, NULL, ?, ?, NULL, ?, ?) RETURNING id",
        (source, target, user_id, now),
    ).fetchone()[0]
    postings = "INSERT INTO postings (entry_id, account_id, amount_cents, balance_after_cents, created_at)"
    conn.execute(postings + " VALUES (?, ?, ?, ?, ?)", (entry_id, source, -1, source_balance, now))
    conn.execute(postings + " VALUES (?, ?, ?, ?, ?)", (entry_id, target, 1, target_balance, now))
    head = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone() or (0, GENESIS_HASH)
    details = {"amount_cents": 1, "from_account_id": source, "to_account_id": target}
    record = AuditRecord(
        action="transfer",
        outcome="success",
        actor_id=user_id,
        resource_type="journal_entry",
        resource_id=str(entry_id),
        ip="127.0.0.1",
        user_agent="bench",
        request_id=f"floor-{n}",
        details=details,
        created_at=now,
        id=head[0] + 1,
        prev_hash=head[1],
    )
    record.hash = record.compute_hash(key)
    conn.execute(
        "INSERT INTO audit_log (id, created_at, actor_id, action, resource_type, resource_id, outcome, ip,"
        " user_agent, request_id, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            record.id,
            now,
            user_id,
            record.action,
            record.resource_type,
            record.resource_id,
            record.outcome,
            record.ip,
            record.user_agent,
            record.request_id,
            json.dumps(details, sort_keys=True),
            record.prev_hash,
            record.hash,
        ),
    )
    body = {"id": entry_id, "kind": "transfer", "status": "posted", "amount_cents": 1, "created_at": now}
    conn.execute(
        "INSERT INTO idempotency_keys (user_id, key, fingerprint, status_code, response_body, created_at)"
        " VALUES (?, ?, ?, 201, ?, ?)",
        (user_id, f"floor-{n}", "0" * 64, json.dumps(body), now),
    )


def run(workdir: Path, seconds: float, audit_key: str, per_commit: int = 1) -> dict:
    """Transfers per second of the loop for ``seconds`` (single thread, one COMMIT per ``per_commit``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    url, user_id, source, target = prepare(workdir / f"floor-{per_commit}.db", audit_key)
    conn = connect(url)
    key = audit_key.encode()
    done = 0
    try:
        started = time.perf_counter()
        deadline = started + seconds
        while time.perf_counter() < deadline:
            conn.execute("BEGIN IMMEDIATE")
            for _ in range(per_commit):
                _transfer(conn, key, user_id, source, target, done)
                source, target = target, source
                done += 1
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - started
        synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
    finally:
        conn.close()
    return {
        "per_commit": per_commit,
        "transfers": done,
        "seconds": round(elapsed, 3),
        "rate": round(done / elapsed, 1),
        "synchronous": {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(synchronous, synchronous),
    }
