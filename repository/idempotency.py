"""IdempotencyRepository: a key is claimed before the work it guards and completed with its answer
in the same transaction (SPEC section 4).

The claim is ``INSERT … ON CONFLICT DO NOTHING``: on PostgreSQL a concurrent duplicate's insert
waits on the unique index until the first transaction ends, then finds its completed answer and
replays it (or, if the first rolled back, claims the key itself); on SQLite the writer queue
already orders them. A claim is never committed without its answer: a transaction that commits
something else (a wrong PIN's count) gives the claim back first."""

from __future__ import annotations

from entities.clock import now_iso
from repository.errors import UniqueViolation

PENDING = 0  # status_code of a claimed key whose answer is not written yet (never committed)


class IdempotencyRepository:
    def __init__(self, conn, backend=None):
        self.conn = conn
        self._claimed: tuple[int, str] | None = None

    def claim(self, user_id: int, key: str, fingerprint: str):
        """None if this transaction now holds the key; else the stored row (fingerprint, status_code,
        response_body) of the request that completed it."""
        row = self.conn.execute(
            "INSERT INTO idempotency_keys (user_id, key, fingerprint, status_code, response_body, created_at)"
            " VALUES (?, ?, ?, ?, '', ?) ON CONFLICT (user_id, key) DO NOTHING RETURNING id",
            (user_id, key, fingerprint, PENDING, now_iso()),
        ).fetchone()
        if row is not None:
            self._claimed = (user_id, key)
            return None
        return self.stored(user_id, key)

    def stored(self, user_id: int, key: str):
        return self.conn.execute(
            "SELECT fingerprint, status_code, response_body FROM idempotency_keys WHERE user_id = ? AND key = ?",
            (user_id, key),
        ).fetchone()

    def complete(self, user_id: int, key: str, status: int, body: str) -> None:
        self.conn.execute(
            "UPDATE idempotency_keys SET status_code = ?, response_body = ? WHERE user_id = ? AND key = ?",
            (status, body, user_id, key),
        )
        if self._claimed == (user_id, key):
            self._claimed = None

    def save(self, user_id: int, key: str, fingerprint: str, status: int, body: str) -> None:
        """Claim and complete at once (tools and tests)."""
        if self.claim(user_id, key, fingerprint) is not None:
            raise UniqueViolation("UNIQUE constraint failed: idempotency_keys.user_id, idempotency_keys.key")
        self.complete(user_id, key, status, body)

    def before_commit(self) -> None:
        """Give back a claim this transaction did not complete (it commits other work, not the answer)."""
        if self._claimed is not None:
            user_id, key = self._claimed
            self._claimed = None
            self.conn.execute(
                "DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND status_code = ?",
                (user_id, key, PENDING),
            )

    def purge(self, older_than: str) -> int:
        return self.conn.execute("DELETE FROM idempotency_keys WHERE created_at < ?", (older_than,)).rowcount
