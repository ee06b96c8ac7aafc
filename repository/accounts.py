"""AccountRepository: customer and system accounts."""

from __future__ import annotations

from entities.accounts import Account, AccountStatus, AccountType, new_account_number
from entities.clock import now_iso

_COLUMNS = (
    "id, number, owner_id, type, currency, balance_cents, status, pin_hash, pin_salt,"
    " pin_failures, pin_locked, system_code, created_at, held_cents, daily_limit_cents"
)


def _account(row) -> Account | None:
    if row is None:
        return None
    return Account(
        id=row["id"],
        number=row["number"],
        owner_id=row["owner_id"],
        type=AccountType(row["type"]),
        currency=row["currency"],
        balance_cents=row["balance_cents"],
        status=AccountStatus(row["status"]),
        pin_hash=row["pin_hash"],
        pin_salt=row["pin_salt"],
        pin_failures=row["pin_failures"],
        pin_locked=bool(row["pin_locked"]),
        system_code=row["system_code"],
        created_at=row["created_at"],
        held_cents=row["held_cents"],
        daily_limit_cents=row["daily_limit_cents"],
    )


class AccountRepository:
    def __init__(self, conn, backend=None):
        self.conn = conn
        self._for_update = getattr(backend, "for_update", "")
        self._defers_system = getattr(backend, "defers_system_balances", False)

    def add(self, account: Account) -> Account | None:
        """Insert with a fresh random number, retrying the rare collision. A system account that a
        concurrent transaction created first is not inserted: None (the caller reads that one)."""
        for _ in range(20):
            account.number = new_account_number()
            row = self.conn.execute(
                "INSERT INTO accounts (number, owner_id, type, currency, balance_cents, status, pin_hash,"
                " pin_salt, system_code, created_at, daily_limit_cents) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING RETURNING id",
                (
                    account.number,
                    account.owner_id,
                    str(account.type),
                    account.currency,
                    account.balance_cents,
                    str(account.status),
                    account.pin_hash,
                    account.pin_salt,
                    account.system_code,
                    account.created_at,
                    account.daily_limit_cents,
                ),
            ).fetchone()
            if row is not None:
                account.id = row[0]
                return account
            if account.system_code is not None and self._system_row(account.system_code, account.currency):
                return None
        raise RuntimeError("could not allocate a unique account number")

    def lock(self, *accounts: Account) -> None:
        """Lock the rows of these customer accounts until the transaction ends, in ascending id order
        (so two movements never wait on each other in a circle), and refresh what a movement decides
        on: balance, status, PIN state. System accounts are never locked (SPEC section 17: their
        postings are folded by the sealer). On SQLite the write transaction already holds the file."""
        if not self._for_update:
            return
        ids = sorted({a.id for a in accounts if a is not None and not a.is_system})
        if not ids:
            return
        # One statement: ORDER BY is applied before the locking clause, so the rows are locked in id order.
        marks = ", ".join("?" for _ in ids)
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM accounts WHERE id IN ({marks}) ORDER BY id{self._for_update}", ids
        )
        locked = [_account(row) for row in rows]
        self._live(*locked)
        for fresh in locked:
            for account in (a for a in accounts if a is not None and a.id == fresh.id):
                account.balance_cents, account.status = fresh.balance_cents, fresh.status
                account.held_cents, account.expired_held_cents = fresh.held_cents, fresh.expired_held_cents
                account.daily_limit_cents = fresh.daily_limit_cents
                account.pin_hash, account.pin_salt = fresh.pin_hash, fresh.pin_salt
                account.pin_failures, account.pin_locked = fresh.pin_failures, fresh.pin_locked

    def get(self, account_id: int, *, lock: bool = False) -> Account | None:
        lock_clause = self._for_update if lock else ""
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM accounts WHERE id = ?{lock_clause}", (account_id,)).fetchone()
        return self._live(_account(row))

    def by_number(self, number: str) -> Account | None:
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM accounts WHERE number = ?", (number,)).fetchone()
        return self._live(_account(row))

    def many(self, account_ids) -> dict[int, Account]:
        """The listed accounts, by id, in one query, as stored (for naming them: number, type,
        currency; a balance read here does not subtract expired holds)."""
        ids = sorted(set(account_ids))
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM accounts WHERE id IN ({marks})", ids)
        return {account.id: account for account in map(_account, rows)}

    def for_owner(self, owner_id: int) -> list[Account]:
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM accounts WHERE owner_id = ? ORDER BY id", (owner_id,))
        accounts = [_account(row) for row in rows]
        self._live(*accounts)
        return accounts

    def _live(self, *accounts: Account | None) -> Account | None:
        """Holds expire lazily (SPEC section 13): a pending hold past its expiry reserves nothing from
        that instant, though the stored held_cents counts it until a write closes it. Only accounts
        with holds pay for the look-up. Returns the first account (for single reads)."""
        held = [a for a in accounts if a is not None and a.held_cents > 0]
        if held:
            marks = ", ".join("?" * len(held))
            rows = self.conn.execute(
                "SELECT account_id, SUM(amount_cents) FROM holds WHERE status = 'pending'"
                f" AND expires_at IS NOT NULL AND expires_at <= ? AND account_id IN ({marks}) GROUP BY account_id",
                [now_iso(), *(a.id for a in held)],
            )
            expired = {row[0]: int(row[1]) for row in rows}  # PostgreSQL's SUM of a BIGINT is a NUMERIC (Decimal)
            for account in held:
                account.expired_held_cents = expired.get(account.id, 0)
                account.held_cents -= account.expired_held_cents
        return accounts[0] if accounts else None

    def pin_locked(self, limit: int = 200) -> list[Account]:
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM accounts WHERE pin_locked = 1 ORDER BY id LIMIT ?", (limit,))
        return [_account(row) for row in rows]

    def system(self, code: str, currency: str) -> Account:
        """The system account for ``code`` in ``currency``, created on first use."""
        row = self._system_row(code, currency)
        if row is not None:
            return _account(row)
        account = Account(
            id=None,
            number="",
            owner_id=None,
            type=AccountType.SYSTEM,
            currency=currency,
            system_code=code,
            created_at=now_iso(),
        )
        return self.add(account) or _account(self._system_row(code, currency))

    def _system_row(self, code: str, currency: str):
        return self.conn.execute(
            f"SELECT {_COLUMNS} FROM accounts WHERE system_code = ? AND currency = ?", (code, currency)
        ).fetchone()

    def save_balance(self, account: Account) -> bool:
        """Store the balance a posting left; False when it is a system account's on a backend that folds
        those later (the posting is then written without its balance after: see the sealer)."""
        return self.save_balances(account)[0]

    def save_balances(self, *accounts: Account) -> list[bool]:
        """``save_balance`` for each account, in one statement (a movement's two sides: on PostgreSQL
        one round trip, not two)."""
        stored = [not (account.is_system and self._defers_system) for account in accounts]
        saved = [account for account, keep in zip(accounts, stored, strict=True) if keep]
        distinct = {account.id for account in saved}
        if len(distinct) < 2 or len(distinct) < len(saved):
            for account in saved:  # one account (or one row twice): each update in turn
                self.conn.execute(
                    "UPDATE accounts SET balance_cents = ? WHERE id = ?", (account.balance_cents, account.id)
                )
        else:
            values = ", ".join("(?, ?)" for _ in saved)
            self.conn.execute(
                f"UPDATE accounts SET balance_cents = v.column2 FROM (VALUES {values}) AS v"
                " WHERE accounts.id = v.column1",
                [value for account in saved for value in (account.id, account.balance_cents)],
            )
        return stored

    def save_daily_limit(self, account: Account) -> None:
        self.conn.execute(
            "UPDATE accounts SET daily_limit_cents = ? WHERE id = ?", (account.daily_limit_cents, account.id)
        )

    def save_status(self, account: Account) -> None:
        self.conn.execute("UPDATE accounts SET status = ? WHERE id = ?", (str(account.status), account.id))

    def save_pin_state(self, account: Account) -> None:
        self.conn.execute(
            "UPDATE accounts SET pin_hash = ?, pin_salt = ?, pin_failures = ?, pin_locked = ? WHERE id = ?",
            (account.pin_hash, account.pin_salt, account.pin_failures, int(account.pin_locked), account.id),
        )

    def teller_unlocks_since(self, account_id: int, since: str) -> int:
        """How often tellers lifted this account's PIN lock since ``since``, counted from the audit log
        (shared by every instance, append-only and chained, so the count cannot be reset quietly).
        "Tellers" are the actors whose role is teller now; 0005's partial index keeps this a range scan."""
        row = self.conn.execute(
            "SELECT COUNT(*) FROM audit_log JOIN users ON users.id = audit_log.actor_id"
            " WHERE audit_log.action = 'account.unlock' AND audit_log.resource_id = ?"
            " AND audit_log.created_at >= ? AND audit_log.outcome = 'success'"
            " AND audit_log.resource_type = 'account' AND users.role = 'teller'",
            (str(account_id), since),
        ).fetchone()
        return row[0]
