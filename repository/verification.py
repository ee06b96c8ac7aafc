"""Whole-ledger consistency queries for verification (SPEC section 8)."""

from __future__ import annotations

import json

from repository.migrations import expected_functions, expected_triggers, fold_whitespace

# The audit record of a money movement (services/ledger.py _move): action = the entry's kind,
# resource journal_entry/<entry id>, outcome success (posted) or declined, details.amount_cents.
# Denied attempts on an entry are outcome 'denied' and move no money.
_MONEY_RECORD = "a.resource_type = 'journal_entry' AND a.outcome IN ('success', 'declined')"
_SAME_MOVEMENT = """a.action = e.kind
    AND a.outcome = CASE e.status WHEN 'posted' THEN 'success' WHEN 'declined' THEN 'declined' END
    AND {amount} = e.amount_cents
    AND {account} = e.account_id
    AND ({counterparty_absent} OR {counterparty} IS NOT DISTINCT FROM e.counterparty_account_id)"""
# details.amount_cents of a record, NULL if the details are not JSON (edited behind our back).
_AMOUNT = {
    "sqlite": "CASE WHEN json_valid(a.details) THEN json_extract(a.details, '$.amount_cents') END",
    # details are our own json.dumps(sort_keys=True); anything else fails the match, as it should
    "postgresql": "CAST(substring(a.details from '\"amount_cents\": (-?[0-9]{1,18})[,}]') AS BIGINT)",
}
# details.account_id (the account the movement was made on: the entry's account_id), and
# details.counterparty_account_id (the entry's other side, JSON null for a system account's). The
# keyed record ties the entry's accounts, not only its amount, so an entry's side moved behind the
# application's back fails. Records written before the counterparty was recorded lack the member:
# for them it is not compared.
_ACCOUNT = {
    "sqlite": "CASE WHEN json_valid(a.details) THEN json_extract(a.details, '$.account_id') END",
    "postgresql": "CAST(substring(a.details from '\"account_id\": (-?[0-9]{1,18})[,}]') AS BIGINT)",
}
_COUNTERPARTY_ABSENT = {
    "sqlite": "(json_valid(a.details) AND json_type(a.details, '$.counterparty_account_id') IS NULL)",
    "postgresql": "a.details NOT LIKE '%\"counterparty\\_account\\_id\": %' ESCAPE '\\'",
}
_COUNTERPARTY = {
    "sqlite": "CASE WHEN json_valid(a.details) THEN json_extract(a.details, '$.counterparty_account_id') END",
    "postgresql": "CAST(substring(a.details from '\"counterparty_account_id\": (-?[0-9]{1,18})[,}]') AS BIGINT)",
}
# the journal entry a money record names: resource_id as an integer, NULL if it is not one
_ENTRY_ID = {
    "sqlite": "CAST(a.resource_id AS INTEGER)",
    "postgresql": "CASE WHEN a.resource_id ~ '^[0-9]{1,18}$' THEN CAST(a.resource_id AS BIGINT) END",
}
# The stored balance, sum and last balance after of every account. On PostgreSQL a system
# account's postings are folded by the sealer in (txid, id) order, so its last balance after is
# the last folded one, and postings not folded yet are added to the stored balance.
_BALANCES = {
    "sqlite": """SELECT a.id FROM accounts a
                   LEFT JOIN (SELECT account_id, SUM(amount_cents) AS total FROM postings GROUP BY account_id) s
                          ON s.account_id = a.id
                   WHERE a.balance_cents <> COALESCE(s.total, 0)
                      OR a.balance_cents <> COALESCE((SELECT p.balance_after_cents FROM postings p
                             WHERE p.account_id = a.id ORDER BY p.entry_id DESC, p.id DESC LIMIT 1), 0)""",
    "postgresql": """SELECT a.id FROM accounts a
                   LEFT JOIN (SELECT account_id, SUM(amount_cents) AS total,
                                     SUM(CASE WHEN balance_after_cents IS NULL THEN amount_cents ELSE 0 END) AS pending,
                                     COUNT(*) - COUNT(balance_after_cents) AS unfolded
                                FROM postings GROUP BY account_id) s
                          ON s.account_id = a.id
                   WHERE a.balance_cents + COALESCE(s.pending, 0) <> COALESCE(s.total, 0)
                      OR (a.type <> 'system' AND COALESCE(s.unfolded, 0) > 0)
                      OR a.balance_cents <> COALESCE(CASE WHEN a.type = 'system'
                             THEN (SELECT p.balance_after_cents FROM postings p
                                    WHERE p.account_id = a.id AND p.balance_after_cents IS NOT NULL
                                    ORDER BY p.txid DESC, p.id DESC LIMIT 1)
                             ELSE (SELECT p.balance_after_cents FROM postings p
                                    WHERE p.account_id = a.id ORDER BY p.entry_id DESC, p.id DESC LIMIT 1) END, 0)""",
}


# What each posted entry must post (services/ledger.py and entities/ledger.py build them so): its
# amount out of one account and into another, as exactly two postings. The entry names its own
# account (account_id) and the other side: its counterparty, or, where that is null, the system
# account of the entry's currency its kind implies (cash-vault for deposits and withdrawals,
# card-settlement for card purchases). A deposit credits its own account; a withdrawal, a transfer
# and a card purchase debit it. A reversal posts the entry it reverses backwards: that entry must be
# posted, not a reversal, of the same amount and currency, and name the same two accounts. A
# declined entry posts nothing. Anything else (a pair smuggled into an audited entry, a leg moved
# to another account) fails, even when it all sums to zero. ``base`` is the entry whose sides are
# posted (the reversed one, for a reversal); its account is null when a reversal does not match it.
# One pass over the journal with index look-ups: no intermediate table to build.
_UNBALANCED = """
SELECT legs.id FROM (
  SELECT id, amount_cents,
         CASE WHEN (kind = 'reversal') = (base_kind = 'deposit') THEN base_account ELSE base_other END AS debit_id,
         CASE WHEN (kind = 'reversal') = (base_kind = 'deposit') THEN base_other ELSE base_account END AS credit_id
    FROM (SELECT e.id, e.kind, e.amount_cents, COALESCE(o.kind, e.kind) AS base_kind,
                 CASE WHEN e.kind <> 'reversal' THEN e.account_id
                      WHEN o.status = 'posted' AND o.kind <> 'reversal' AND o.amount_cents = e.amount_cents
                       AND o.currency = e.currency
                       AND ((e.account_id = o.account_id AND COALESCE(e.counterparty_account_id, s.id)
                                                             = COALESCE(o.counterparty_account_id, s.id))
                            OR (e.account_id = COALESCE(o.counterparty_account_id, s.id)
                                AND COALESCE(e.counterparty_account_id, s.id) = o.account_id))
                      THEN o.account_id END AS base_account,
                 CASE WHEN e.kind <> 'reversal' THEN COALESCE(e.counterparty_account_id, s.id)
                      ELSE COALESCE(o.counterparty_account_id, s.id) END AS base_other
            FROM journal_entries e
            LEFT JOIN journal_entries o ON e.kind = 'reversal' AND o.id = e.reverses_entry_id
            LEFT JOIN accounts s ON s.type = 'system' AND s.currency = e.currency
                  AND s.system_code = CASE COALESCE(o.kind, e.kind) WHEN 'deposit' THEN 'cash-vault'
                                          WHEN 'withdrawal' THEN 'cash-vault'
                                          WHEN 'card_purchase' THEN 'card-settlement' END
           WHERE e.status = 'posted') AS base) AS legs
  LEFT JOIN postings p ON p.entry_id = legs.id
 GROUP BY legs.id, legs.debit_id, legs.credit_id, legs.amount_cents
HAVING legs.debit_id IS NULL OR legs.credit_id IS NULL OR legs.debit_id = legs.credit_id OR COUNT(p.id) <> 2
    OR SUM(CASE WHEN p.account_id = legs.debit_id AND p.amount_cents = -legs.amount_cents THEN 1 ELSE 0 END) <> 1
    OR SUM(CASE WHEN p.account_id = legs.credit_id AND p.amount_cents = legs.amount_cents THEN 1 ELSE 0 END) <> 1
UNION
SELECT e.id FROM journal_entries e JOIN postings p ON p.entry_id = e.id WHERE e.status = 'declined'
ORDER BY 1"""


class VerificationRepository:
    def __init__(self, conn, backend=None):
        self.conn = conn
        self.backend = getattr(backend, "name", "sqlite")
        self._same_movement = _SAME_MOVEMENT.format(
            amount=_AMOUNT[self.backend],
            account=_ACCOUNT[self.backend],
            counterparty_absent=_COUNTERPARTY_ABSENT[self.backend],
            counterparty=_COUNTERPARTY[self.backend],
        )

    def ledger_total(self) -> tuple[int, int]:
        """(sum of every posting, number of postings)."""
        row = self.conn.execute("SELECT COALESCE(SUM(amount_cents), 0), COUNT(*) FROM postings").fetchone()
        return row[0], row[1]

    def unbalanced_entries(self) -> tuple[list[int], int]:
        """(ids of entries whose postings are not exactly the two their entry implies, entries checked)."""
        bad = [row[0] for row in self.conn.execute(_UNBALANCED)]
        checked = self.conn.execute("SELECT COUNT(*) FROM journal_entries").fetchone()[0]
        return bad, checked

    def mismatched_balances(self) -> tuple[list[int], int]:
        """(ids of accounts whose stored balance differs from the sum of their postings or from
        their last posting's balance_after, accounts checked)."""
        bad = [row[0] for row in self.conn.execute(_BALANCES[self.backend])]
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
                          WHERE {_MONEY_RECORD} AND a.resource_id = CAST(e.id AS TEXT) AND {self._same_movement})
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
                          ON e.id = {_ENTRY_ID[self.backend]} AND CAST(e.id AS TEXT) = a.resource_id
                   WHERE {_MONEY_RECORD} AND (e.id IS NULL OR NOT ({self._same_movement}))
                   ORDER BY a.id"""
            )
        ]
        checked = self.conn.execute(f"SELECT COUNT(*) FROM audit_log a WHERE {_MONEY_RECORD}").fetchone()[0]
        return bad, checked

    def missing_triggers(self) -> tuple[list[str], int]:
        """(names of triggers the migrations create that are absent or altered, triggers expected)."""
        expected = expected_triggers(self.backend)
        if self.backend == "postgresql":
            return self._missing_pg_triggers(expected)
        present = {
            row[0]: fold_whitespace(row[1] or "")
            for row in self.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        }
        bad = sorted(name for name, sql in expected.items() if present.get(name) != sql)
        return bad, len(expected)

    def _missing_pg_triggers(self, expected: dict[str, str]) -> tuple[list[str], int]:
        """PostgreSQL: each trigger present and enabled, and each trigger function's body as the
        migrations wrote it (a replaced function would open the tables to edits)."""
        enabled = {
            row[0]
            for row in self.conn.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'")
        }
        bad = [name for name in expected if name not in enabled]
        bodies = {
            row[0]: fold_whitespace(row[1] or "")
            for row in self.conn.execute(
                "SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                " WHERE n.nspname = current_schema()"
            )
        }
        bad += [name + "()" for name, body in expected_functions().items() if bodies.get(name) != body]
        return sorted(bad), len(expected)

    # Holds (SPEC sections 8 and 13).
    def unmatched_reservations(self) -> tuple[list[int], int]:
        """(ids of accounts whose held_cents is not the sum of their pending holds, or exceeds the
        balance of a customer account; accounts checked)."""
        bad = [
            row[0]
            for row in self.conn.execute(
                """SELECT a.id FROM accounts a
                   LEFT JOIN (SELECT account_id, SUM(amount_cents) AS held FROM holds
                               WHERE status = 'pending' GROUP BY account_id) h ON h.account_id = a.id
                   WHERE a.held_cents <> COALESCE(h.held, 0)
                      OR (a.type <> 'system' AND a.held_cents > a.balance_cents)
                   ORDER BY a.id"""
            )
        ]
        checked = self.conn.execute("SELECT COUNT(*) FROM accounts").fetchone()[0]
        return bad, checked

    def unmatched_captures(self) -> tuple[list[int], int]:
        """(ids of holds whose capture and journal entry disagree: a captured hold without exactly one
        posted card purchase of its amount on its account, or an entry naming a hold that was not
        captured so; holds checked)."""
        bad = [
            row[0]
            for row in self.conn.execute(
                """SELECT h.id FROM holds h
                   LEFT JOIN journal_entries e ON e.hold_id = h.id
                   WHERE (h.status = 'captured') <> (e.id IS NOT NULL)
                      OR (e.id IS NOT NULL AND (e.kind <> 'card_purchase' OR e.status <> 'posted'
                          OR e.amount_cents <> h.captured_cents OR e.account_id <> h.account_id))
                   UNION
                   SELECT e.hold_id FROM journal_entries e LEFT JOIN holds h ON h.id = e.hold_id
                   WHERE e.hold_id IS NOT NULL AND h.id IS NULL
                   ORDER BY 1"""
            )
        ]
        checked = self.conn.execute("SELECT COUNT(*) FROM holds").fetchone()[0]
        return bad, checked

    def unaudited_holds(self) -> tuple[list[int], int]:
        """(ids of holds without their hold.create audit record, or, once closed, without the one
        record of how they ended; holds checked). A hold written behind the application's back has
        neither."""
        resource = "a.resource_type = 'hold' AND a.resource_id = CAST(h.id AS TEXT) AND a.outcome = 'success'"
        bad = [
            row[0]
            for row in self.conn.execute(
                f"""SELECT h.id FROM holds h
                   WHERE (SELECT COUNT(*) FROM audit_log a WHERE {resource} AND a.action = 'hold.create') <> 1
                      OR (h.status <> 'pending' AND (SELECT COUNT(*) FROM audit_log a WHERE {resource}
                          AND a.action = CASE h.status WHEN 'captured' THEN 'hold.capture'
                                                      WHEN 'voided' THEN 'hold.void'
                                                      ELSE 'hold.expire' END) <> 1)
                   ORDER BY h.id"""
            )
        ]
        checked = self.conn.execute("SELECT COUNT(*) FROM holds").fetchone()[0]
        return bad, checked

    # Dual control (SPEC section 15).
    def unexecuted_approvals(self) -> tuple[list[int], int]:
        """(ids of approved requests that were not executed as approved; approved requests checked).
        A reversal's result must be a posted reversal of the requested entry, of its amount; a role
        grant's, the user it names, with the audit record of that role change made by the approver
        under this approval. An approval forged behind the application's back, or a result edited,
        names no such entry or record."""
        approved = self.conn.execute(
            "SELECT id, action, details, result, decided_by FROM approvals WHERE status = 'approved' ORDER BY id"
        ).fetchall()
        bad = []
        for row in approved:
            details, result = _json_object(row[2]), _json_object(row[3])
            executed = {"reversal": self._reversal_executed, "role_grant": self._role_granted}.get(row[1])
            if executed is None or not executed(row[0], details, result, row[4]):
                bad.append(row[0])
        return bad, len(approved)

    def _reversal_executed(self, approval_id: int, details: dict, result: dict, decided_by) -> bool:
        entry = self.conn.execute(
            "SELECT kind, status, amount_cents, reverses_entry_id FROM journal_entries WHERE id = ?",
            (result.get("id") if isinstance(result.get("id"), int) else None,),
        ).fetchone()
        expected = ("reversal", "posted", details.get("amount_cents"), details.get("entry_id"))
        return entry is not None and tuple(entry) == expected

    def _role_granted(self, approval_id: int, details: dict, result: dict, decided_by) -> bool:
        user_id = details.get("user_id")
        if not isinstance(user_id, int) or result.get("id") != user_id:
            return False
        records = self.conn.execute(
            "SELECT details FROM audit_log WHERE action = 'user.role' AND outcome = 'success'"
            " AND resource_type = 'user' AND resource_id = ? AND actor_id = ?",
            (str(user_id), decided_by),
        ).fetchall()
        wanted = {"approval_id": approval_id, "role": details.get("to_role")}
        return any(wanted.items() <= _json_object(record[0]).items() for record in records)


def _json_object(text) -> dict:
    """A stored JSON object, or {} for anything else (text edited behind the application's back)."""
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
