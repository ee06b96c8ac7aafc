"""WebhookRepository (SPEC section 16): subscriptions, the jobs that carry each event to each hook
(the delivery state that survives a restart), and one row per delivery attempt."""

from __future__ import annotations

import json

from entities.webhooks import Delivery, Job, Webhook

_HOOK = "id, url, events, description, secret, created_at, created_by, after_seq, deleted_at"
_JOB = "id, webhook_id, event_seq, attempts, max_attempts, status, next_attempt_at"
_DELIVERY = "id, event_id, attempt, status_code, error, delivered_at, next_attempt_at"


def _webhook(row) -> Webhook | None:
    if row is None:
        return None
    return Webhook(
        id=row["id"],
        url=row["url"],
        events=json.loads(row["events"]),
        description=row["description"],
        secret_enc=row["secret"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        after_seq=row["after_seq"],
        deleted_at=row["deleted_at"],
    )


class WebhookRepository:
    def __init__(self, conn, backend=None):
        self.conn = conn

    # -- subscriptions -------------------------------------------------------------------------

    def add(self, hook: Webhook) -> Webhook:
        """Insert ``hook``, its fan-out starting after the newest numbered event."""
        row = self.conn.execute(
            "INSERT INTO webhooks (url, events, description, secret, created_at, created_by, after_seq)"
            " VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) FROM events)) RETURNING id, after_seq",
            (hook.url, json.dumps(hook.events), hook.description, hook.secret_enc, hook.created_at, hook.created_by),
        ).fetchone()
        hook.id, hook.after_seq = row[0], row[1]
        return hook

    def get(self, hook_id: int) -> Webhook | None:
        """A live (not deleted) hook."""
        row = self.conn.execute(f"SELECT {_HOOK} FROM webhooks WHERE id = ? AND deleted_at IS NULL", (hook_id,))
        return _webhook(row.fetchone())

    def live(self) -> list[Webhook]:
        rows = self.conn.execute(f"SELECT {_HOOK} FROM webhooks WHERE deleted_at IS NULL ORDER BY id")
        return [_webhook(row) for row in rows]

    def delete(self, hook_id: int, at: str) -> bool:
        done = self.conn.execute(
            "UPDATE webhooks SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL", (at, hook_id)
        )
        return done.rowcount == 1

    def secrets_after(self, after_id: int, limit: int) -> list[tuple[int, str]]:
        """(id, stored secret) of every hook, deleted ones included, in id order (key rotation)."""
        rows = self.conn.execute(
            "SELECT id, secret FROM webhooks WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit)
        ).fetchall()
        return [(row[0], row[1]) for row in rows]

    def save_secret(self, hook_id: int, secret_enc: str) -> None:
        self.conn.execute("UPDATE webhooks SET secret = ? WHERE id = ?", (secret_enc, hook_id))

    def clear_secrets(self) -> list[tuple[int, str]]:
        """(id, secret) of every hook whose secret is still stored in clear (from before encryption)."""
        rows = self.conn.execute(
            "SELECT id, secret FROM webhooks WHERE secret LIKE ? ESCAPE '\\' ORDER BY id", (r"whsec\_%",)
        ).fetchall()
        return [(row[0], row[1]) for row in rows]

    def replace_secret(self, hook_id: int, was: str, secret_enc: str) -> bool:
        """Store ``secret_enc`` if the hook's secret is still ``was`` (another instance may have done it)."""
        changed = self.conn.execute(
            "UPDATE webhooks SET secret = ? WHERE id = ? AND secret = ?", (secret_enc, hook_id, was)
        )
        return changed.rowcount == 1

    def advance(self, hook_id: int, after_seq: int) -> None:
        self.conn.execute(
            "UPDATE webhooks SET after_seq = ? WHERE id = ? AND after_seq < ?", (after_seq, hook_id, after_seq)
        )

    # -- jobs ----------------------------------------------------------------------------------

    def queue(self, hook_id: int, event_id: int, max_attempts: int, due_at: str) -> None:
        self.conn.execute(
            "INSERT INTO webhook_jobs (webhook_id, event_seq, max_attempts, next_attempt_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (webhook_id, event_seq) DO NOTHING",
            (hook_id, event_id, max_attempts, due_at),
        )

    def due(self, now: str, limit: int) -> list[Job]:
        """Pending jobs of live hooks whose next attempt is due, the longest waiting first."""
        rows = self.conn.execute(
            f"SELECT {', '.join('j.' + c for c in _JOB.split(', '))} FROM webhook_jobs j"
            " JOIN webhooks w ON w.id = j.webhook_id AND w.deleted_at IS NULL"
            " WHERE j.status = 'pending' AND j.next_attempt_at <= ? ORDER BY j.next_attempt_at, j.id LIMIT ?",
            (now, limit),
        )
        return [Job(*row) for row in rows]

    def next_due_at(self) -> str | None:
        row = self.conn.execute(
            "SELECT MIN(j.next_attempt_at) FROM webhook_jobs j JOIN webhooks w ON w.id = j.webhook_id"
            " AND w.deleted_at IS NULL WHERE j.status = 'pending'"
        ).fetchone()
        return row[0]

    def record(self, job: Job, delivery: Delivery, status: str) -> bool:
        """Store attempt ``delivery`` of ``job`` and the job's new state, unless the job moved meanwhile
        (another worker's attempt): returns whether it was stored."""
        moved = self.conn.execute(
            "UPDATE webhook_jobs SET attempts = ?, status = ?, next_attempt_at = ?"
            " WHERE id = ? AND attempts = ? AND status = 'pending'",
            (delivery.attempt, status, delivery.next_attempt_at, job.id, delivery.attempt - 1),
        )
        if moved.rowcount != 1:
            return False
        delivery.id = self.conn.execute(
            "INSERT INTO webhook_deliveries (webhook_id, job_id, event_id, attempt, status_code, error, delivered_at,"
            " next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                job.webhook_id,
                job.id,
                job.event_id,
                delivery.attempt,
                delivery.status_code,
                delivery.error,
                delivery.delivered_at,
                delivery.next_attempt_at,
            ),
        ).fetchone()[0]
        return True

    def requeue(self, hook_id: int, delivery_id: int, extra_attempts: int, due_at: str) -> Job | None:
        """Send the event of delivery ``delivery_id`` again (an admin's "send again"): its job is due
        now, with ``extra_attempts`` more attempts than it has made."""
        row = self.conn.execute(
            "SELECT job_id FROM webhook_deliveries WHERE id = ? AND webhook_id = ?", (delivery_id, hook_id)
        ).fetchone()
        if row is None:
            return None
        found = self.conn.execute(
            f"UPDATE webhook_jobs SET status = 'pending', next_attempt_at = ?, max_attempts = attempts + ?"
            f" WHERE id = ? RETURNING {_JOB}",
            (due_at, extra_attempts, row[0]),
        ).fetchone()
        return Job(*found)

    # -- attempts ------------------------------------------------------------------------------

    def deliveries(self, hook_id: int, after_id: int | None, limit: int) -> list[Delivery]:
        """The hook's delivery attempts, oldest first."""
        rows = self.conn.execute(
            f"SELECT {_DELIVERY} FROM webhook_deliveries WHERE webhook_id = ? AND id > ? ORDER BY id LIMIT ?",
            (hook_id, after_id or 0, limit),
        )
        return [Delivery(*row) for row in rows]

    def recent_deliveries(self, hook_id: int, before_id: int | None, limit: int) -> list[Delivery]:
        """The hook's delivery attempts, newest first, with their event's type."""
        columns = ", ".join("d." + c for c in _DELIVERY.split(", "))
        rows = self.conn.execute(
            f"SELECT {columns}, e.type FROM webhook_deliveries d LEFT JOIN events e ON e.seq = d.event_id"
            " WHERE d.webhook_id = ? AND d.id < ? ORDER BY d.id DESC LIMIT ?",
            (hook_id, before_id if before_id is not None else 2**62, limit),
        )
        return [Delivery(*row) for row in rows]
