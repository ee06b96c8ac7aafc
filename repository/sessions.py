"""SessionRepository: web sessions, API token families, refresh tokens, the token blacklist."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SessionRecord:
    id: str
    user_id: int
    kind: str
    created_at: str
    last_seen_at: str
    expires_at: str
    revoked_at: str | None
    ip: str | None
    user_agent: str | None
    amr: str = "pwd"  # "pwd" or "pwd otp": what the login that started the session verified


@dataclass(frozen=True)
class AccessState:
    """What an access token's check needs, read in one statement."""

    blacklisted: bool
    session_user_id: int | None  # None: no such session
    revoked: bool
    role: str | None  # None: no such user


class SessionRepository:
    def __init__(self, conn, backend=None):
        self.conn = conn
        self._for_update = getattr(backend, "for_update", "")

    def add(self, record: SessionRecord) -> None:
        self.conn.execute(
            "INSERT INTO sessions (id, user_id, kind, created_at, last_seen_at, expires_at, ip, user_agent, amr)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.id,
                record.user_id,
                record.kind,
                record.created_at,
                record.last_seen_at,
                record.expires_at,
                record.ip,
                record.user_agent,
                record.amr,
            ),
        )

    def get(self, session_id: str) -> SessionRecord | None:
        row = self.conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return SessionRecord(**dict(row)) if row else None

    def access_state(self, session_id: str, jti: str, user_id: int) -> AccessState:
        """The blacklist entry of ``jti``, the session and the user's role, in one statement (one round
        trip instead of three on every authenticated API request)."""
        row = self.conn.execute(
            "SELECT EXISTS (SELECT 1 FROM token_blacklist WHERE jti = ?) AS blacklisted,"
            " (SELECT user_id FROM sessions WHERE id = ?) AS session_user_id,"
            " (SELECT revoked_at IS NOT NULL FROM sessions WHERE id = ?) AS revoked,"
            " (SELECT role FROM users WHERE id = ?) AS role",
            (jti, session_id, session_id, user_id),
        ).fetchone()
        return AccessState(bool(row["blacklisted"]), row["session_user_id"], bool(row["revoked"]), row["role"])

    def touch(self, session_id: str, now: str) -> None:
        self.conn.execute("UPDATE sessions SET last_seen_at = ? WHERE id = ?", (now, session_id))

    def revoke(self, session_id: str, now: str) -> None:
        self.conn.execute("UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (now, session_id))

    def delete(self, session_id: str) -> None:
        self.conn.execute("DELETE FROM refresh_tokens WHERE session_id = ?", (session_id,))
        self.conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    def revoke_all_for_user(self, user_id: int, now: str, *, except_id: str | None = None) -> int:
        cursor = self.conn.execute(
            "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND id IS DISTINCT FROM ?",
            (now, user_id, except_id),
        )
        return cursor.rowcount

    def active_for_user(self, user_id: int, now: str) -> list[SessionRecord]:
        rows = self.conn.execute(
            "SELECT * FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?"
            " ORDER BY last_seen_at DESC",
            (user_id, now),
        )
        return [SessionRecord(**dict(row)) for row in rows]

    # refresh tokens
    def add_refresh(self, jti: str, session_id: str, expires_at: str) -> None:
        self.conn.execute(
            "INSERT INTO refresh_tokens (jti, session_id, expires_at) VALUES (?, ?, ?)", (jti, session_id, expires_at)
        )

    def get_refresh(self, jti: str):
        """The refresh token's row, locked until commit (PostgreSQL): two concurrent uses of one token
        are decided one after the other, so the second is seen as reuse."""
        return self.conn.execute(f"SELECT * FROM refresh_tokens WHERE jti = ?{self._for_update}", (jti,)).fetchone()

    def mark_refresh_used(self, jti: str, now: str) -> bool:
        cursor = self.conn.execute(
            "UPDATE refresh_tokens SET used_at = ? WHERE jti = ? AND used_at IS NULL", (now, jti)
        )
        return cursor.rowcount == 1

    # blacklist
    def blacklist(self, jti: str, expires_at: str) -> None:
        self.conn.execute(
            "INSERT INTO token_blacklist (jti, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING", (jti, expires_at)
        )

    def is_blacklisted(self, jti: str) -> bool:
        return self.conn.execute("SELECT 1 FROM token_blacklist WHERE jti = ?", (jti,)).fetchone() is not None

    def purge_expired(self, now: str) -> int:
        """Blacklist entries past their token's expiry can go: the token is refused as expired anyway."""
        return self.conn.execute("DELETE FROM token_blacklist WHERE expires_at < ?", (now,)).rowcount
