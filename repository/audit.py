"""AuditRepository: the append-only audit log, chained by HMAC under the server's audit key."""

from __future__ import annotations

import json
import sqlite3

from entities.audit import GENESIS_HASH, AuditRecord, Checkpoint
from entities.clock import now_iso

_COLUMNS = (
    "id, created_at, actor_id, action, resource_type, resource_id, outcome, ip, user_agent, request_id,"
    " details, prev_hash, hash"
)


_FIELD_ORDER = (
    "action, outcome, actor_id, resource_type, resource_id, ip, user_agent, request_id,"
    " details, created_at, id, prev_hash, hash"
)


def _record(row) -> AuditRecord:
    data = dict(row)
    data["details"] = _details(data["details"])
    return AuditRecord(**data)


def _record_from_tuple(row: tuple) -> AuditRecord:
    """A row of ``_FIELD_ORDER``: AuditRecord's own field order, details (index 8) still JSON text."""
    return AuditRecord(*row[:8], _details(row[8]), *row[9:])


def _details(text):
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text  # edited behind our back into something that is not JSON: the hash check reports it


class MissingAuditKey(RuntimeError):
    pass


class AuditRepository:
    def __init__(self, conn: sqlite3.Connection, audit_key: bytes | None = None):
        self.conn = conn
        self._key = audit_key  # never written to the database

    def hash_of(self, record: AuditRecord) -> str:
        """The keyed hash ``record`` must carry."""
        if not self._key:
            raise MissingAuditKey("AUDIT_KEY is not configured: the audit chain cannot be written or verified")
        return record.compute_hash(self._key)

    def append(self, record: AuditRecord) -> AuditRecord:
        """Chain to the last record. The caller's write transaction (BEGIN IMMEDIATE) serialises appends."""
        last = self.conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        record.id = (last["id"] + 1) if last else 1
        record.prev_hash = last["hash"] if last else GENESIS_HASH
        record.created_at = record.created_at or now_iso()
        record.details = json.loads(json.dumps(record.details, default=str))
        record.hash = self.hash_of(record)
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

    def checkpoint(self) -> Checkpoint:
        """The chain as it stands: how many records, the newest id and its hash."""
        row = self.conn.execute(
            "SELECT COUNT(*) AS count, (SELECT id FROM audit_log ORDER BY id DESC LIMIT 1) AS last_id,"
            " (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1) AS head FROM audit_log"
        ).fetchone()
        return Checkpoint(row["count"], row["last_id"] or 0, row["head"] or GENESIS_HASH)

    def rechain(self, records: list[AuditRecord]) -> None:
        """Rewrite the stored links of ``records`` (the re-chain migration only, with the update trigger lifted)."""
        self.conn.executemany(
            "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", [(r.prev_hash, r.hash, r.id) for r in records]
        )

    def iterate(self, batch: int = 5000):
        """Every record in id order, in batches, for chain verification. Plain tuples, not
        sqlite3.Row: the walk over a long log spends most of its time building records."""
        last_id = 0
        cursor = self.conn.cursor()
        cursor.row_factory = None
        while True:
            rows = cursor.execute(
                f"SELECT {_FIELD_ORDER} FROM audit_log WHERE id > ? ORDER BY id LIMIT ?", (last_id, batch)
            ).fetchall()
            if not rows:
                return
            for row in rows:
                yield _record_from_tuple(row)
            last_id = rows[-1][10]
