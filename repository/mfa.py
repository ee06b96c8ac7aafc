"""MfaRepository: TOTP factors, recovery codes, login challenges (SPEC section 15)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Factor:
    user_id: int
    secret_enc: str
    created_at: str
    enabled_at: str | None
    last_step: int

    @property
    def enabled(self) -> bool:
        return self.enabled_at is not None


@dataclass(frozen=True)
class Challenge:
    id: str
    user_id: int
    expires_at: str
    used_at: str | None


class MfaRepository:
    def __init__(self, conn, backend=None):
        self.conn = conn
        self._for_update = getattr(backend, "for_update", "")

    def factor(self, user_id: int, *, lock: bool = False) -> Factor | None:
        row = self.conn.execute(
            "SELECT user_id, secret_enc, created_at, enabled_at, last_step FROM mfa_factors WHERE user_id = ?"
            + (self._for_update if lock else ""),
            (user_id,),
        ).fetchone()
        return Factor(**dict(row)) if row else None

    def is_enabled(self, user_id: int) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM mfa_factors WHERE user_id = ? AND enabled_at IS NOT NULL", (user_id,)
        ).fetchone()
        return row is not None

    def put_pending(self, user_id: int, secret_enc: str, now: str) -> None:
        """A new pending factor, replacing an earlier pending one (never an enabled one)."""
        self.conn.execute("DELETE FROM mfa_factors WHERE user_id = ? AND enabled_at IS NULL", (user_id,))
        self.conn.execute(
            "INSERT INTO mfa_factors (user_id, secret_enc, created_at) VALUES (?, ?, ?)", (user_id, secret_enc, now)
        )

    def enable(self, user_id: int, now: str) -> None:
        self.conn.execute("UPDATE mfa_factors SET enabled_at = ? WHERE user_id = ?", (now, user_id))

    def accept_step(self, user_id: int, step: int) -> bool:
        """Record ``step`` as used; False when it (or a later one) already was: a code counts once,
        even when two requests present it at the same moment (the update is conditional)."""
        cursor = self.conn.execute(
            "UPDATE mfa_factors SET last_step = ? WHERE user_id = ? AND last_step < ?", (step, user_id, step)
        )
        return cursor.rowcount == 1

    def delete(self, user_id: int) -> None:
        self.conn.execute("DELETE FROM recovery_codes WHERE user_id = ?", (user_id,))
        self.conn.execute("DELETE FROM mfa_factors WHERE user_id = ?", (user_id,))

    def replace_recovery_codes(self, user_id: int, hashes: list[str]) -> None:
        self.conn.execute("DELETE FROM recovery_codes WHERE user_id = ?", (user_id,))
        for code_hash in hashes:
            self.conn.execute("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)", (user_id, code_hash))

    def use_recovery_code(self, user_id: int, code_hash: str, now: str) -> bool:
        cursor = self.conn.execute(
            "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
            (now, user_id, code_hash),
        )
        return cursor.rowcount == 1

    def recovery_codes_left(self, user_id: int) -> int:
        row = self.conn.execute(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", (user_id,)
        ).fetchone()
        return row[0]

    def add_challenge(self, challenge_id: str, user_id: int, now: str, expires_at: str) -> None:
        self.conn.execute(
            "INSERT INTO mfa_challenges (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (challenge_id, user_id, now, expires_at),
        )

    def challenge(self, challenge_id: str) -> Challenge | None:
        row = self.conn.execute(
            "SELECT id, user_id, expires_at, used_at FROM mfa_challenges WHERE id = ?", (challenge_id,)
        ).fetchone()
        return Challenge(**dict(row)) if row else None

    def use_challenge(self, challenge_id: str, now: str) -> bool:
        """Spend the challenge; False if it was spent already (by a concurrent request too)."""
        cursor = self.conn.execute(
            "UPDATE mfa_challenges SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?",
            (now, challenge_id, now),
        )
        return cursor.rowcount == 1

    def purge_challenges(self, now: str) -> None:
        self.conn.execute("DELETE FROM mfa_challenges WHERE expires_at <= ?", (now,))

    def drop_challenges(self, user_id: int) -> None:
        """End the user's sign-in steps still open (a password change: they began with the old one)."""
        self.conn.execute("DELETE FROM mfa_challenges WHERE user_id = ?", (user_id,))

    def secrets_after(self, user_id: int, limit: int) -> list[tuple[int, str]]:
        rows = self.conn.execute(
            "SELECT user_id, secret_enc FROM mfa_factors WHERE user_id > ? ORDER BY user_id LIMIT ?", (user_id, limit)
        ).fetchall()
        return [(row["user_id"], row["secret_enc"]) for row in rows]

    def save_secret(self, user_id: int, secret_enc: str) -> None:
        self.conn.execute("UPDATE mfa_factors SET secret_enc = ? WHERE user_id = ?", (secret_enc, user_id))
