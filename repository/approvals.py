"""ApprovalRepository: dual-control requests (SPEC section 15, migration 0010).

A decision is a conditional UPDATE (``WHERE status = 'pending'``) made in the same transaction as
the action it executes, on a row read with ``get(lock=True)`` first: on PostgreSQL a second
decider waits on the row lock and then reads it decided; on SQLite the write transaction already
holds the database. Either way exactly one decision wins."""

from __future__ import annotations

import json

from entities.approvals import Approval, ApprovalAction, ApprovalStatus

_COLUMNS = (
    "id, action, subject, status, requested_by, reason, details, created_at, decided_by, decided_at,"
    " decision_reason, result"
)


def _json(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"), sort_keys=True)


def _approval(row) -> Approval | None:
    if row is None:
        return None
    return Approval(
        id=row["id"],
        action=ApprovalAction(row["action"]),
        subject=row["subject"],
        status=ApprovalStatus(row["status"]),
        requested_by=row["requested_by"],
        reason=row["reason"],
        details=json.loads(row["details"]),
        created_at=row["created_at"],
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        decision_reason=row["decision_reason"],
        result=None if row["result"] is None else json.loads(row["result"]),
    )


class ApprovalRepository:
    def __init__(self, conn, backend=None):
        self.conn = conn
        self._for_update = getattr(backend, "for_update", "")

    def add(self, approval: Approval) -> Approval | None:
        """Insert a pending request; None when its subject already has one pending (the partial
        unique index decides, so two racing requests cannot both wait)."""
        row = self.conn.execute(
            "INSERT INTO approvals (action, subject, requested_by, reason, details, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            (
                str(approval.action),
                approval.subject,
                approval.requested_by,
                approval.reason,
                _json(approval.details),
                approval.created_at,
            ),
        ).fetchone()
        if row is None:
            return None
        approval.id = row[0]
        return approval

    def get(self, approval_id: int, *, lock: bool = False) -> Approval | None:
        lock_clause = self._for_update if lock else ""
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM approvals WHERE id = ?{lock_clause}", (approval_id,))
        return _approval(row.fetchone())

    def pending_for(self, action: ApprovalAction, subject: str) -> Approval | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM approvals WHERE action = ? AND subject = ? AND status = 'pending'",
            (str(action), subject),
        ).fetchone()
        return _approval(row)

    def decide(self, approval: Approval) -> bool:
        """Write ``approval``'s decision if it is still pending; False when another decision won."""
        cursor = self.conn.execute(
            "UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?, decision_reason = ?, result = ?"
            " WHERE id = ? AND status = 'pending'",
            (
                str(approval.status),
                approval.decided_by,
                approval.decided_at,
                approval.decision_reason,
                _json(approval.result),
                approval.id,
            ),
        )
        return cursor.rowcount == 1

    def list(self, *, status: ApprovalStatus | None = None, before_id: int | None = None, limit: int) -> list:
        """Newest first, keyset on id."""
        where, params = [], []
        if status is not None:
            where.append("status = ?")
            params.append(str(status))
        if before_id is not None:
            where.append("id < ?")
            params.append(before_id)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM approvals{clause} ORDER BY id DESC LIMIT ?", [*params, limit])
        return [_approval(row) for row in rows]

    def pending_among(self, action: ApprovalAction, subjects: list[str]) -> set[str]:
        """Which of ``subjects`` have a request of ``action`` waiting."""
        if not subjects:
            return set()
        marks = ", ".join("?" for _ in subjects)
        rows = self.conn.execute(
            f"SELECT subject FROM approvals WHERE status = 'pending' AND action = ? AND subject IN ({marks})",
            (str(action), *subjects),
        )
        return {row[0] for row in rows}

    def count_pending(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM approvals WHERE status = 'pending'").fetchone()[0]
