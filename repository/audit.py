"""AuditRepository: the append-only, hash-chained audit log."""

from __future__ import annotations

import json
import sqlite3

from entities.audit import GENESIS_HASH, AuditRecord
from entities.clock import now_iso

_COLUMNS = (
    "id, created_at, actor_id, action, resource_type, resource_id, outcome, ip, user_agent, request_id,"
    " details, prev_hash, hash"
)


def _record(row) -> AuditRecord:
    data = dict(row)
    data["details"] = json.loads(data["details"])
    return AuditRecord(**data)


class AuditRepository:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def append(self, record: AuditRecord) -> AuditRecord:
        """Chain to the last record. The caller's write transaction (BEGIN IMMEDIATE) serialises appends."""
        last = self.conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        record.id = (last["id"] + 1) if last else 1
        record.prev_hash = last["hash"] if last else GENESIS_HASH
        record.created_at = record.created_at or now_iso()
        record.details = json.loads(json.dumps(record.details, default=str))
        record.hash = record.compute_hash()
        self.conn.execute(
            f"INSERT INTO audit_log ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.id,
                record.created_at,
                record.actor_id,
                record.action,
                record.resource_type,
                record.resource_id,
                record.outcome,
                record.ip,
                record.user_agent,
                record.request_id,
                json.dumps(record.details, sort_keys=True),
                record.prev_hash,
                record.hash,
            ),
        )
        return record

    def list(
        self,
        *,
        limit: int,
        before_id: int | None = None,
        actor_id: int | None = None,
        action: str | None = None,
        outcome: str | None = None,
        resource_type: str | None = None,
        resource_id: str | None = None,
    ) -> list[AuditRecord]:
        clauses, params = [], []
        for column, value in (
            ("id <", before_id),
            ("actor_id =", actor_id),
            ("action =", action),
            ("outcome =", outcome),
            ("resource_type =", resource_type),
            ("resource_id =", resource_id),
        ):
            if value is not None:
                clauses.append(f"{column} ?")
                params.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM audit_log {where} ORDER BY id DESC LIMIT ?", (*params, limit))
        return [_record(row) for row in rows]

    def iterate(self, batch: int = 5000):
        """Every record in id order, in batches, for chain verification."""
        last_id = 0
        while True:
            rows = self.conn.execute(
                f"SELECT {_COLUMNS} FROM audit_log WHERE id > ? ORDER BY id LIMIT ?", (last_id, batch)
            ).fetchall()
            if not rows:
                return
            for row in rows:
                yield _record(row)
            last_id = rows[-1]["id"]
