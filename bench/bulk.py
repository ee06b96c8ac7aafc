"""Bench-only: append many balanced journal entries straight into a stopped server's SQLite file.

Each entry is a deposit (cash vault -> account) or a withdrawal (account -> cash vault) with its two
postings and the running ``balance_after_cents`` of both accounts, and the accounts' stored balances
are brought up to date, so the ledger still sums to zero and `flask verify` passes."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

CHUNK = 20_000


def _times(count: int):
    """Increasing ISO-8601 UTC times ending about now, one per second."""
    start = datetime.now(UTC) - timedelta(seconds=count + 60)
    for i in range(count):
        yield (start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def add_entries(db_path: str, account_id: int, vault_id: int, entries: int) -> int:
    """Append ``entries`` entries (two deposits of 200 for each withdrawal of 100); returns postings added."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")  # set-up speed only: the measured server keeps FULL
        conn.execute("BEGIN IMMEDIATE")
        balance = conn.execute("SELECT balance_cents FROM accounts WHERE id = ?", (account_id,)).fetchone()[0]
        vault = conn.execute("SELECT balance_cents FROM accounts WHERE id = ?", (vault_id,)).fetchone()[0]
        currency = conn.execute("SELECT currency FROM accounts WHERE id = ?", (account_id,)).fetchone()[0]
        next_entry = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM journal_entries").fetchone()[0]
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
            if len(journal) >= CHUNK:
                _flush(conn, journal, postings)
        _flush(conn, journal, postings)
        conn.execute("UPDATE accounts SET balance_cents = ? WHERE id = ?", (balance, account_id))
        conn.execute("UPDATE accounts SET balance_cents = ? WHERE id = ?", (vault, vault_id))
        conn.execute("COMMIT")
        return 2 * entries
    finally:
        conn.close()


def _flush(conn: sqlite3.Connection, journal: list, postings: list) -> None:
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
    journal.clear()
    postings.clear()
