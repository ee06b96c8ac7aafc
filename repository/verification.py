"""Whole-ledger consistency queries for verification (SPEC section 8)."""

from __future__ import annotations

import sqlite3

from repository.migrations import expected_triggers, fold_whitespace

# The audit record of a money movement (services/ledger.py _move): action = the entry's kind,
# resource journal_entry/<entry id>, outcome success (posted) or declined, details.amount_cents.
# Denied attempts on an entry are outcome 'denied' and move no money.
_MONEY_RECORD = "a.resource_type = 'journal_entry' AND a.outcome IN ('success', 'declined')"
_SAME_MOVEMENT = """a.action = e.kind
    AND a.outcome = CASE e.status WHEN 'posted' THEN 'success' WHEN 'declined' THEN 'declined' END
    AND CASE WHEN json_valid(a.details) THEN json_extract(a.details, '$.amount_cents') END = e.amount_cents"""


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

    def unaudited_entries(self) -> tuple[list[int], int]:
        """(ids of journal entries without exactly one money audit record, or whose record names
        another kind, outcome or amount; entries checked)."""
        bad = [
            row[0]
            for row in self.conn.execute(
                f"""SELECT e.id FROM journal_entries e
                   WHERE (SELECT COUNT(*) FROM audit_log a
                          WHERE {_MONEY_RECORD} AND a.resource_id = CAST(e.id AS TEXT)) <> 1
                      OR NOT EXISTS (SELECT 1 FROM audit_log a
                          WHERE {_MONEY_RECORD} AND a.resource_id = CAST(e.id AS TEXT) AND {_SAME_MOVEMENT})
                   ORDER BY e.id"""
            )
        ]
        checked = self.conn.execute("SELECT COUNT(*) FROM journal_entries").fetchone()[0]
        return bad, checked

    def unmatched_money_records(self) -> tuple[list[int], int]:
        """(ids of money audit records with no journal entry of that id, kind, outcome and amount;
        money records checked)."""
        bad = [
            row[0]
            for row in self.conn.execute(
                f"""SELECT a.id FROM audit_log a
                   LEFT JOIN journal_entries e
                          ON e.id = CAST(a.resource_id AS INTEGER) AND CAST(e.id AS TEXT) = a.resource_id
                   WHERE {_MONEY_RECORD} AND (e.id IS NULL OR NOT ({_SAME_MOVEMENT}))
                   ORDER BY a.id"""
            )
        ]
        checked = self.conn.execute(f"SELECT COUNT(*) FROM audit_log a WHERE {_MONEY_RECORD}").fetchone()[0]
        return bad, checked

    def missing_triggers(self) -> tuple[list[str], int]:
        """(names of triggers the migrations create that are absent or altered, triggers expected)."""
        expected = expected_triggers()
        present = {
            row[0]: fold_whitespace(row[1] or "")
            for row in self.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        }
        bad = sorted(name for name, sql in expected.items() if present.get(name) != sql)
        return bad, len(expected)
