"""UserRepository: users and their login-lock state."""

from __future__ import annotations

from entities.users import Role, User

_COLUMNS = "id, email, full_name, password_hash, role, failed_logins, locked_until, admin_locked, timezone, created_at"


def _user(row) -> User | None:
    if row is None:
        return None
    return User(
        id=row["id"],
        email=row["email"],
        full_name=row["full_name"],
        password_hash=row["password_hash"],
        role=Role(row["role"]),
        failed_logins=row["failed_logins"],
        locked_until=row["locked_until"],
        admin_locked=bool(row["admin_locked"]),
        timezone=row["timezone"],
        created_at=row["created_at"],
    )


class UserRepository:
    def __init__(self, conn, backend=None):
        self.conn = conn
        self._for_update = getattr(backend, "for_update", "")

    def add(self, user: User) -> User:
        row = self.conn.execute(
            "INSERT INTO users (email, full_name, password_hash, role, timezone, created_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING RETURNING id",
            (user.email, user.full_name, user.password_hash, str(user.role), user.timezone, user.created_at),
        ).fetchone()
        if row is None:  # the email is taken (before, or by a concurrent registration)
            return None
        user.id = row[0]
        return user

    def email_exists(self, email: str) -> bool:
        return self.conn.execute("SELECT 1 FROM users WHERE email = ?", (email,)).fetchone() is not None

    def get(self, user_id: int) -> User | None:
        return _user(self.conn.execute(f"SELECT {_COLUMNS} FROM users WHERE id = ?", (user_id,)).fetchone())

    def many(self, user_ids) -> dict[int, User]:
        """The listed users, by id, in one query (a page that names people reads them all at once)."""
        ids = sorted(set(user_ids))
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM users WHERE id IN ({marks})", ids)
        return {user.id: user for user in map(_user, rows)}

    def lock(self, user_id: int) -> User | None:
        """The user re-read with its row locked until the transaction ends (PostgreSQL; on SQLite the
        write transaction already holds the database): every read-modify-write of a user reads it
        so, and login counters, roles and passwords never lose an update."""
        return _user(
            self.conn.execute(f"SELECT {_COLUMNS} FROM users WHERE id = ?{self._for_update}", (user_id,)).fetchone()
        )

    def by_email(self, email: str) -> User | None:
        return _user(self.conn.execute(f"SELECT {_COLUMNS} FROM users WHERE email = ?", (email,)).fetchone())

    def save_login_state(self, user: User) -> None:
        self.conn.execute(
            "UPDATE users SET failed_logins = ?, locked_until = ?, admin_locked = ? WHERE id = ?",
            (user.failed_logins, user.locked_until, int(user.admin_locked), user.id),
        )

    def count_locked_attempt(self, user_id: int, window_opens_before: str, now: str) -> int | None:
        """Count one attempt on a locked user in login_denials, in one statement (atomic on both
        backends). If it opens a new window (none open, or the open one started at or before
        ``window_opens_before``), return how many attempts were counted since the last one that
        opened a window (to be recorded); inside an open window return None (counted only)."""
        row = self.conn.execute(
            "INSERT INTO login_denials (user_id, window_started_at, suppressed, carried) VALUES (?, ?, 0, 0)"
            " ON CONFLICT (user_id) DO UPDATE SET"
            " carried = CASE WHEN login_denials.window_started_at <= ?"
            " THEN login_denials.suppressed ELSE login_denials.carried END,"
            " suppressed = CASE WHEN login_denials.window_started_at <= ? THEN 0 ELSE login_denials.suppressed + 1 END,"
            " window_started_at = CASE WHEN login_denials.window_started_at <= ?"
            " THEN excluded.window_started_at ELSE login_denials.window_started_at END"
            " RETURNING suppressed, carried",
            (user_id, now, window_opens_before, window_opens_before, window_opens_before),
        ).fetchone()
        return row["carried"] if row["suppressed"] == 0 else None

    # Each save writes only the columns its use case changes (and the service holds the row with
    # ``lock``): a profile update never writes back a role or password changed meanwhile.
    def save_profile(self, user: User) -> None:
        self.conn.execute(
            "UPDATE users SET full_name = ?, timezone = ? WHERE id = ?", (user.full_name, user.timezone, user.id)
        )

    def save_password(self, user: User) -> None:
        self.conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (user.password_hash, user.id))

    def save_role(self, user: User) -> None:
        self.conn.execute("UPDATE users SET role = ? WHERE id = ?", (str(user.role), user.id))

    def list(self, *, locked_at: str | None = None, after_id: int | None = None, limit: int = 50) -> list[User]:
        """Users by id; ``locked_at`` (an ISO time) keeps only those locked at that moment."""
        clauses, params = [], []
        if locked_at is not None:
            clauses.append("(admin_locked = 1 OR (locked_until IS NOT NULL AND locked_until > ?))")
            params.append(locked_at)
        if after_id is not None:
            clauses.append("id > ?")
            params.append(after_id)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM users {where} ORDER BY id LIMIT ?", (*params, limit))
        return [_user(row) for row in rows]

    def search_customers(self, query: str, limit: int = 20, after_id: int = 0) -> list[User]:
        """Customers whose email or name contains ``query``, or who own account number ``query``, by
        id after ``after_id``."""
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self.conn.execute(
            f"""SELECT {_COLUMNS} FROM users WHERE role = 'customer' AND id > ? AND (
                    email LIKE ? ESCAPE '\\' OR lower(full_name) LIKE lower(?) ESCAPE '\\'
                    OR id IN (SELECT owner_id FROM accounts WHERE number = ?))
                ORDER BY id LIMIT ?""",
            (after_id, pattern, pattern, query, limit),
        )
        return [_user(row) for row in rows]
