"""Bench-only: append many balanced journal entries straight into a stopped server's SQLite file.

Each entry is a deposit (cash vault -> account) or a withdrawal (account -> cash vault) with its two
postings and the running ``balance_after_cents`` of both accounts, and its audit record chained under
the server's AUDIT_KEY, as the ledger service writes it; the accounts' stored balances are brought up
to date, so the ledger still sums to zero, every entry has its audit record and `flask verify` passes."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

from entities.audit import GENESIS_HASH, AuditRecord

CHUNK = 20_000


def _times(count: int):
    """Increasing ISO-8601 UTC times ending about now, one per second."""
    start = datetime.now(UTC) - timedelta(seconds=count + 60)
    for i in range(count):
        yield (start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def add_entries(db_path: str, account_id: int, vault_id: int, entries: int, audit_key: str) -> int:
    """Append ``entries`` entries (two deposits of 200 for each withdrawal of 100); returns postings added."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")  # set-up speed only: the measured server keeps FULL
        conn.execute("BEGIN IMMEDIATE")
        balance = conn.execute("SELECT balance_cents FROM accounts WHERE id = ?", (account_id,)).fetchone()[0]
        vault = conn.execute("SELECT balance_cents FROM accounts WHERE id = ?", (vault_id,)).fetchone()[0]
        currency = conn.execute("SELECT currency FROM accounts WHERE id = ?", (account_id,)).fetchone()[0]
        next_entry = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM journal_entries").fetchone()[0]
        chain = _Chain(conn, audit_key.encode())
        journal, postings = [], []
        for n, created_at in enumerate(_times(entries)):
            kind, amount = ("withdrawal", 100) if n % 3 == 2 else ("deposit", 200)
            delta = amount if kind == "deposit" else -amount
            balance, vault = balance + delta, vault - delta
            entry_id = next_entry + n
            journal.append(
                (entry_id, kind, "posted", amount, currency, None, None, account_id, None, None, None, created_at)
            )
            postings.append((entry_id, vault_id, -delta, vault, created_at))
            postings.append((entry_id, account_id, delta, balance, created_at))
            chain.add(kind, entry_id, amount, account_id, created_at)
            if len(journal) >= CHUNK:
                _flush(conn, journal, postings, chain)
        _flush(conn, journal, postings, chain)
        conn.execute("UPDATE accounts SET balance_cents = ? WHERE id = ?", (balance, account_id))
        conn.execute("UPDATE accounts SET balance_cents = ? WHERE id = ?", (vault, vault_id))
        conn.execute("COMMIT")
        return 2 * entries
    finally:
        conn.close()


class _Chain:
    """Audit records of the bulk entries, chained after the log's last record."""

    def __init__(self, conn: sqlite3.Connection, key: bytes):
        last = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        self.key, self.next_id, self.head = key, (last[0] + 1 if last else 1), (last[1] if last else GENESIS_HASH)
        self.rows: list[tuple] = []

    def add(self, kind: str, entry_id: int, amount: int, account_id: int, created_at: str) -> None:
        details = {"account_id": account_id, "amount_cents": amount, "reason": None, "via": "bench"}
        record = AuditRecord(
            action=kind,
            outcome="success",
            resource_type="journal_entry",
            resource_id=str(entry_id),
            details=details,
            created_at=created_at,
            id=self.next_id,
            prev_hash=self.head,
        )
        record.hash = record.compute_hash(self.key)
        stored_details = json.dumps(details, sort_keys=True)
        self.rows.append((record.id, created_at, kind, record.resource_id, stored_details, self.head, record.hash))
        self.next_id, self.head = self.next_id + 1, record.hash


def _flush(conn: sqlite3.Connection, journal: list, postings: list, chain: _Chain) -> None:
    conn.executemany(
        "INSERT INTO journal_entries (id, kind, status, amount_cents, currency, memo, decline_reason, account_id,"
        " counterparty_account_id, reverses_entry_id, actor_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        journal,
    )
    conn.executemany(
        "INSERT INTO postings (entry_id, account_id, amount_cents, balance_after_cents, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        postings,
    )
    conn.executemany(
        "INSERT INTO audit_log (id, created_at, action, resource_type, resource_id, outcome, details, prev_hash, hash)"
        " VALUES (?, ?, ?, 'journal_entry', ?, 'success', ?, ?, ?)",
        chain.rows,
    )
    journal.clear()
    postings.clear()
    chain.rows.clear()
