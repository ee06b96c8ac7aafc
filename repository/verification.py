"""Whole-ledger consistency queries for verification (SPEC section 8)."""

from __future__ import annotations

import sqlite3


class VerificationRepository:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def ledger_total(self) -> tuple[int, int]:
        """(sum of every posting, number of postings)."""
        row = self.conn.execute("SELECT COALESCE(SUM(amount_cents), 0), COUNT(*) FROM postings").fetchone()
        return row[0], row[1]

    def unbalanced_entries(self) -> tuple[list[int], int]:
        """(ids of posted entries whose postings do not sum to zero or number under two, entries checked)."""
        bad = [
            row[0]
            for row in self.conn.execute(
                """SELECT e.id FROM journal_entries e LEFT JOIN postings p ON p.entry_id = e.id
                   WHERE e.status = 'posted' GROUP BY e.id
                   HAVING COALESCE(SUM(p.amount_cents), 0) <> 0 OR COUNT(p.id) < 2
                   UNION
                   SELECT e.id FROM journal_entries e JOIN postings p ON p.entry_id = e.id
                   WHERE e.status = 'declined'"""
            )
        ]
        checked = self.conn.execute("SELECT COUNT(*) FROM journal_entries").fetchone()[0]
        return bad, checked

    def mismatched_balances(self) -> tuple[list[int], int]:
        """(ids of accounts whose stored balance differs from the sum of their postings or from
        their last posting's balance_after, accounts checked)."""
        bad = [
            row[0]
            for row in self.conn.execute(
                """SELECT a.id FROM accounts a
                   LEFT JOIN (SELECT account_id, SUM(amount_cents) AS total FROM postings GROUP BY account_id) s
                          ON s.account_id = a.id
                   WHERE a.balance_cents <> COALESCE(s.total, 0)
                      OR a.balance_cents <> COALESCE((SELECT p.balance_after_cents FROM postings p
                             WHERE p.account_id = a.id ORDER BY p.entry_id DESC, p.id DESC LIMIT 1), 0)"""
            )
        ]
        checked = self.conn.execute("SELECT COUNT(*) FROM accounts").fetchone()[0]
        return bad, checked

    def negative_balances(self) -> tuple[list[int], int]:
        bad = [
            row[0] for row in self.conn.execute("SELECT id FROM accounts WHERE type <> 'system' AND balance_cents < 0")
        ]
        checked = self.conn.execute("SELECT COUNT(*) FROM accounts WHERE type <> 'system'").fetchone()[0]
        return bad, checked
