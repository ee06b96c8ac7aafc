"""AccountRepository: customer and system accounts."""

from __future__ import annotations

import sqlite3

from entities.accounts import Account, AccountStatus, AccountType, new_account_number
from entities.clock import now_iso

_COLUMNS = (
    "id, number, owner_id, type, currency, balance_cents, status, pin_hash, pin_salt,"
    " pin_failures, pin_locked, system_code, created_at"
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
    )


class AccountRepository:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def add(self, account: Account) -> Account:
        """Insert with a fresh random number, retrying the rare collision."""
        for _ in range(20):
            account.number = new_account_number()
            try:
                cursor = self.conn.execute(
                    "INSERT INTO accounts (number, owner_id, type, currency, balance_cents, status, pin_hash,"
                    " pin_salt, system_code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    ),
                )
            except sqlite3.IntegrityError as exc:
                if "accounts.number" in str(exc):
                    continue
                raise
            account.id = cursor.lastrowid
            return account
        raise RuntimeError("could not allocate a unique account number")

    def get(self, account_id: int) -> Account | None:
        return _account(self.conn.execute(f"SELECT {_COLUMNS} FROM accounts WHERE id = ?", (account_id,)).fetchone())

    def by_number(self, number: str) -> Account | None:
        return _account(self.conn.execute(f"SELECT {_COLUMNS} FROM accounts WHERE number = ?", (number,)).fetchone())

    def for_owner(self, owner_id: int) -> list[Account]:
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM accounts WHERE owner_id = ? ORDER BY id", (owner_id,))
        return [_account(row) for row in rows]

    def pin_locked(self, limit: int = 200) -> list[Account]:
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM accounts WHERE pin_locked = 1 ORDER BY id LIMIT ?", (limit,))
        return [_account(row) for row in rows]

    def system(self, code: str, currency: str) -> Account:
        """The system account for ``code`` in ``currency``, created on first use."""
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM accounts WHERE system_code = ? AND currency = ?", (code, currency)
        ).fetchone()
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
        return self.add(account)

    def save_balance(self, account: Account) -> None:
        self.conn.execute("UPDATE accounts SET balance_cents = ? WHERE id = ?", (account.balance_cents, account.id))

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
