"""HoldRepository (SPEC section 13) and DailyTotals (section 14).

The database keeps ``accounts.held_cents`` itself: 0007's triggers reserve a hold's amount when
it is inserted and release it when the hold leaves 'pending', and a CHECK refuses a customer
account whose holds exceed its balance. An expiry is evaluated lazily: a pending hold past its
``expires_at`` reads as expired at once and is closed by the next write on its account (or the
sweep)."""

from __future__ import annotations

from entities.holds import Hold, HoldKind, HoldStatus

_COLUMNS = (
    "h.id, h.account_id, h.card_id, h.kind, h.amount_cents, h.captured_cents, h.status, h.merchant, h.reason,"
    " h.expires_at, h.counted_day, h.actor_id, h.created_at, h.closed_at,"
    " (SELECT e.id FROM journal_entries e WHERE e.hold_id = h.id) AS entry_id"
)


def _hold(row) -> Hold | None:
    if row is None:
        return None
    return Hold(
        id=row["id"],
        account_id=row["account_id"],
        card_id=row["card_id"],
        kind=HoldKind(row["kind"]),
        amount_cents=row["amount_cents"],
        captured_cents=row["captured_cents"],
        status=HoldStatus(row["status"]),
        merchant=row["merchant"],
        reason=row["reason"],
        expires_at=row["expires_at"],
        counted_day=row["counted_day"],
        actor_id=row["actor_id"],
        created_at=row["created_at"],
        closed_at=row["closed_at"],
        entry_id=row["entry_id"],
    )


# ?status= as a reader sees it at a given instant (the lazy expiry): (condition, takes now)
_STATUS_FILTER = {
    HoldStatus.PENDING: ("h.status = 'pending' AND (h.expires_at IS NULL OR h.expires_at > ?)", True),
    HoldStatus.EXPIRED: ("(h.status = 'expired' OR (h.status = 'pending' AND h.expires_at <= ?))", True),
    HoldStatus.CAPTURED: ("h.status = 'captured'", False),
    HoldStatus.VOIDED: ("h.status = 'voided'", False),
}


class HoldRepository:
    def __init__(self, conn, backend=None):
        self.conn = conn
        self._for_update = getattr(backend, "for_update", "")

    def add(self, hold: Hold) -> Hold:
        """Insert a pending hold; the trigger reserves it (and the CHECK refuses it beyond the balance)."""
        hold.id = self.conn.execute(
            "INSERT INTO holds (account_id, card_id, kind, amount_cents, merchant, reason, expires_at, counted_day,"
            " actor_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                hold.account_id,
                hold.card_id,
                str(hold.kind),
                hold.amount_cents,
                hold.merchant,
                hold.reason,
                hold.expires_at,
                hold.counted_day,
                hold.actor_id,
                hold.created_at,
            ),
        ).fetchone()[0]
        return hold

    def get(self, hold_id: int, *, lock: bool = False) -> Hold | None:
        lock_clause = self._for_update.replace("UPDATE", "UPDATE OF h") if lock else ""
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM holds h WHERE h.id = ?{lock_clause}", (hold_id,)).fetchone()
        return _hold(row)

    def close(self, hold: Hold, status: HoldStatus, closed_at: str, captured_cents: int = 0) -> None:
        """pending -> captured | voided | expired, once (a trigger refuses anything else and releases
        the reservation)."""
        self.conn.execute(
            "UPDATE holds SET status = ?, captured_cents = ?, closed_at = ? WHERE id = ? AND status = 'pending'",
            (str(status), captured_cents, closed_at, hold.id),
        )
        hold.status, hold.captured_cents, hold.closed_at = status, captured_cents, closed_at

    def due(self, account_id: int, now: str) -> list[Hold]:
        """The account's pending holds whose expiry has come (0007's partial index)."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM holds h WHERE h.account_id = ? AND h.status = 'pending'"
            " AND h.expires_at IS NOT NULL AND h.expires_at <= ? ORDER BY h.id",
            (account_id, now),
        )
        return [_hold(row) for row in rows]

    def accounts_with_due(self, now: str, limit: int) -> list[int]:
        """Accounts that have a pending hold past its expiry, for the sweep."""
        rows = self.conn.execute(
            "SELECT DISTINCT account_id FROM holds WHERE status = 'pending' AND expires_at IS NOT NULL"
            " AND expires_at <= ? ORDER BY account_id LIMIT ?",
            (now, limit),
        )
        return [row[0] for row in rows]

    def for_account(
        self, account_id: int, now: str, *, status: HoldStatus | None = None, before_id: int | None = None, limit: int
    ) -> list[Hold]:
        """Newest first, keyset on id."""
        where, params = ["h.account_id = ?"], [account_id]
        if status is not None:
            condition, takes_now = _STATUS_FILTER[status]
            where.append(condition)
            params += [now] if takes_now else []
        if before_id is not None:
            where.append("h.id < ?")
            params.append(before_id)
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM holds h WHERE {' AND '.join(where)} ORDER BY h.id DESC LIMIT ?",
            [*params, limit],
        )
        return [_hold(row) for row in rows]


class DailyTotals:
    """Running totals per UTC day (0007's daily_totals): money out of an account, a customer's cash in.
    ``used(..., lock=True)`` takes the row's lock first (an upsert that changes nothing), so two
    transactions on PostgreSQL cannot both read a total and both spend what is left of it."""

    def __init__(self, conn, backend=None):
        self.conn = conn

    def used(self, scope: str, subject_id: int, day: str, *, lock: bool = False) -> int:
        if lock:
            row = self.conn.execute(
                "INSERT INTO daily_totals (scope, subject_id, day, cents) VALUES (?, ?, ?, 0)"
                " ON CONFLICT (scope, subject_id, day) DO UPDATE SET cents = daily_totals.cents RETURNING cents",
                (scope, subject_id, day),
            ).fetchone()
        else:
            row = self.conn.execute(
                "SELECT cents FROM daily_totals WHERE scope = ? AND subject_id = ? AND day = ?",
                (scope, subject_id, day),
            ).fetchone()
        return row[0] if row else 0

    def add(self, scope: str, subject_id: int, day: str, cents: int) -> None:
        """Add ``cents`` to a day's total."""
        self.conn.execute(
            "INSERT INTO daily_totals (scope, subject_id, day, cents) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (scope, subject_id, day) DO UPDATE SET cents = daily_totals.cents + excluded.cents",
            (scope, subject_id, day, cents),
        )

    def give_back(self, scope: str, subject_id: int, day: str, cents: int) -> None:
        """Take ``cents`` off a day's total (a voided, expired or partly captured authorisation)."""
        self.conn.execute(
            "UPDATE daily_totals SET cents = cents - ? WHERE scope = ? AND subject_id = ? AND day = ?",
            (cents, scope, subject_id, day),
        )
