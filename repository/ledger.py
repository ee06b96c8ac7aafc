"""LedgerRepository: journal entries, postings, history and idempotency records."""

from __future__ import annotations

from entities.clock import now_iso
from entities.ledger import EntryKind, EntryStatus, HistoryItem, JournalEntry, Posting
from entities.statements import DeclinedLine, signed_declined_amount

_ENTRY_COLUMNS = (
    "id, kind, status, amount_cents, currency, memo, decline_reason, account_id,"
    " counterparty_account_id, reverses_entry_id, actor_id, created_at, hold_id"
)
_CREDIT_KINDS = {EntryKind.DEPOSIT}

# Statement queries (SPEC section 6): each is a range on an (account_id, created_at)
# index, so their cost follows the month's activity, never the account's history.
# Postings order by (created_at, id): id follows entry order within an account, and
# this order is the index's own (no sort step).
STATEMENT_OPENING_SQL = (
    "SELECT balance_after_cents FROM postings WHERE account_id = ? AND created_at < ?"
    " ORDER BY created_at DESC, id DESC LIMIT 1"
)
STATEMENT_LINES_SQL = """
    SELECT p.id AS id, p.entry_id AS entry_id, e.kind AS kind, e.status AS status,
           p.amount_cents AS amount_cents, p.balance_after_cents AS balance_after_cents,
           (SELECT COALESCE(a.system_code, a.number)
              FROM postings p2 JOIN accounts a ON a.id = p2.account_id
             WHERE p2.entry_id = p.entry_id AND p2.account_id <> p.account_id LIMIT 1) AS counterparty,
           e.memo AS memo, p.created_at AS created_at
      FROM postings p JOIN journal_entries e ON e.id = p.entry_id
     WHERE p.account_id = ? AND p.created_at >= ? AND p.created_at < ?
     ORDER BY p.created_at, p.id"""
STATEMENT_DECLINED_SQL = """
    SELECT e.id AS entry_id, e.kind AS kind, e.amount_cents AS amount_cents,
           (SELECT number FROM accounts WHERE id = e.counterparty_account_id) AS counterparty,
           e.memo AS memo, e.decline_reason AS decline_reason, e.created_at AS created_at
      FROM journal_entries e
     WHERE e.account_id = ? AND e.status = 'declined' AND e.created_at >= ? AND e.created_at < ?
     ORDER BY e.created_at, e.id"""


class LedgerRepository:
    def __init__(self, conn, backend=None):
        self.conn = conn

    def add(self, entry: JournalEntry) -> JournalEntry:
        entry.check_balanced()
        entry.created_at = entry.created_at or now_iso()
        row = self.conn.execute(
            f"INSERT INTO journal_entries ({_ENTRY_COLUMNS.replace('id, ', '', 1)})"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                str(entry.kind),
                str(entry.status),
                entry.amount_cents,
                entry.currency,
                entry.memo,
                entry.decline_reason,
                entry.account_id,
                entry.counterparty_account_id,
                entry.reverses_entry_id,
                entry.actor_id,
                entry.created_at,
                entry.hold_id,
            ),
        ).fetchone()
        entry.id = row[0]
        if entry.postings:  # one statement for all of them (on PostgreSQL one round trip, not one each)
            values = ", ".join("(?, ?, ?, ?, ?)" for _ in entry.postings)
            params = [
                value
                for p in entry.postings
                for value in (entry.id, p.account_id, p.amount_cents, p.balance_after_cents, entry.created_at)
            ]
            rows = self.conn.execute(
                "INSERT INTO postings (entry_id, account_id, amount_cents, balance_after_cents, created_at)"
                f" VALUES {values} RETURNING id, account_id, amount_cents",
                params,
            ).fetchall()
            # RETURNING's row order is not promised: each posting takes the id of its own row.
            ids = {}
            for posting_id, account_id, amount in rows:
                ids.setdefault((account_id, amount), []).append(posting_id)
            for posting in entry.postings:
                posting.id = ids[(posting.account_id, posting.amount_cents)].pop(0)
        return entry

    def get(self, entry_id: int) -> JournalEntry | None:
        row = self.conn.execute(f"SELECT {_ENTRY_COLUMNS} FROM journal_entries WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            return None
        entry = JournalEntry(
            kind=EntryKind(row["kind"]),
            status=EntryStatus(row["status"]),
            amount_cents=row["amount_cents"],
            currency=row["currency"],
            memo=row["memo"],
            decline_reason=row["decline_reason"],
            account_id=row["account_id"],
            counterparty_account_id=row["counterparty_account_id"],
            reverses_entry_id=row["reverses_entry_id"],
            actor_id=row["actor_id"],
            id=row["id"],
            created_at=row["created_at"],
            hold_id=row["hold_id"],
        )
        entry.postings = [
            Posting(r["account_id"], r["amount_cents"], r["balance_after_cents"], r["id"])
            for r in self.conn.execute(
                "SELECT id, account_id, amount_cents, balance_after_cents FROM postings WHERE entry_id = ? ORDER BY id",
                (entry_id,),
            )
        ]
        return entry

    def reversal_of(self, entry_id: int) -> int | None:
        row = self.conn.execute(
            "SELECT id FROM journal_entries WHERE reverses_entry_id = ? AND status = 'posted'", (entry_id,)
        ).fetchone()
        return row[0] if row else None

    def reversed_among(self, entry_ids: list[int]) -> set[int]:
        """Which of these entries already have a posted reversal (one probe of the unique index each)."""
        if not entry_ids:
            return set()
        marks = ", ".join("?" * len(entry_ids))
        rows = self.conn.execute(
            f"SELECT reverses_entry_id FROM journal_entries WHERE status = 'posted' AND reverses_entry_id IN ({marks})",
            list(entry_ids),
        )
        return {row[0] for row in rows}

    def history(
        self,
        account_id: int,
        *,
        limit: int,
        before_entry_id: int | None = None,
        kind: str | None = None,
        status: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> list[HistoryItem]:
        """Newest first, keyset on entry id: each branch walks an index from the cursor and stops at ``limit``."""
        where_p, where_d, params = [], [], {"acct": account_id, "limit": limit}
        if before_entry_id is not None:
            where_p.append("p.entry_id < :before")
            where_d.append("e.id < :before")
            params["before"] = before_entry_id
        if kind:
            where_p.append("e.kind = :kind")
            where_d.append("e.kind = :kind")
            params["kind"] = kind
        if date_from:
            where_p.append("p.created_at >= :date_from")
            where_d.append("e.created_at >= :date_from")
            params["date_from"] = date_from
        if date_to:
            where_p.append("p.created_at < :date_to")
            where_d.append("e.created_at < :date_to")
            params["date_to"] = date_to
        branches = []
        if status in (None, "posted"):
            extra = "".join(f" AND {c}" for c in where_p)
            branches.append(
                f"""SELECT * FROM (SELECT p.id AS id, p.entry_id AS entry_id, e.kind AS kind, e.status AS status,
                        p.amount_cents AS amount_cents, p.balance_after_cents AS balance_after_cents,
                        (SELECT COALESCE(a.system_code, a.number)
                          FROM postings p2 JOIN accounts a ON a.id = p2.account_id
                          WHERE p2.entry_id = p.entry_id AND p2.account_id <> p.account_id LIMIT 1) AS counterparty,
                        e.memo AS memo, e.created_at AS created_at
                    FROM postings p JOIN journal_entries e ON e.id = p.entry_id
                    WHERE p.account_id = :acct{extra} ORDER BY p.entry_id DESC LIMIT :limit) AS posted"""
            )
        if status in (None, "declined"):
            extra = "".join(f" AND {c}" for c in where_d)
            branches.append(
                f"""SELECT * FROM (SELECT CAST(NULL AS BIGINT) AS id, e.id AS entry_id, e.kind AS kind,
                        e.status AS status, e.amount_cents AS amount_cents,
                        CAST(NULL AS BIGINT) AS balance_after_cents,
                        (SELECT number FROM accounts WHERE id = e.counterparty_account_id) AS counterparty,
                        e.memo AS memo, e.created_at AS created_at
                    FROM journal_entries e
                    WHERE e.account_id = :acct AND e.status = 'declined'{extra}
                    ORDER BY e.id DESC LIMIT :limit) AS declined"""
            )
        if not branches:
            return []
        sql = " UNION ALL ".join(branches) + " ORDER BY entry_id DESC LIMIT :limit"
        items = []
        for row in self.conn.execute(sql, params):
            amount = row["amount_cents"]
            if row["status"] == "declined" and row["kind"] not in _CREDIT_KINDS:
                amount = -amount
            items.append(HistoryItem(**{**dict(row), "amount_cents": amount}))
        return items

    def postings_in_range(self, account_id: int, start: str, end: str) -> list[HistoryItem]:
        """The account's postings with ``start <= created_at < end``, oldest first, as history items."""
        rows = self.conn.execute(STATEMENT_LINES_SQL, (account_id, start, end))
        return [HistoryItem(**dict(row)) for row in rows]

    def declined_in_range(self, account_id: int, start: str, end: str) -> list[DeclinedLine]:
        """The account's declined operations with ``start <= created_at < end``, oldest first."""
        rows = self.conn.execute(STATEMENT_DECLINED_SQL, (account_id, start, end))
        return [
            DeclinedLine(**{**dict(row), "amount_cents": signed_declined_amount(row["kind"], row["amount_cents"])})
            for row in rows
        ]

    def balance_before(self, account_id: int, moment: str) -> int:
        """The balance after the account's last posting before ``moment`` (0 if none): one index probe."""
        row = self.conn.execute(STATEMENT_OPENING_SQL, (account_id, moment)).fetchone()
        return row[0] if row else 0
