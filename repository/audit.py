"""AuditRepository: the append-only audit log, chained by HMAC under the server's audit key."""

from __future__ import annotations

import json

from entities.audit import GENESIS_HASH, AuditRecord, Checkpoint
from entities.clock import now_iso

_COLUMNS = (
    "id, created_at, actor_id, action, resource_type, resource_id, outcome, ip, user_agent, request_id,"
    " details, prev_hash, hash"
)


# What a record says, in _COLUMNS order without id and the chain.
_CONTENT = "created_at, actor_id, action, resource_type, resource_id, outcome, ip, user_agent, request_id, details"

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
    def __init__(self, conn, backend=None, audit_key: bytes | None = None):
        self.conn = conn
        self._key = audit_key  # never written to the database
        # SQLite: each append chains to the last record (the write transaction serialises appends).
        # PostgreSQL: the record is written unchained; the sealer chains it after commit (SPEC 17).
        self.sealed_later = getattr(backend, "name", "sqlite") == "postgresql"

    def hash_of(self, record: AuditRecord) -> str:
        """The keyed hash ``record`` must carry."""
        if not self._key:
            raise MissingAuditKey("AUDIT_KEY is not configured: the audit chain cannot be written or verified")
        return record.compute_hash(self._key)

    def append(self, record: AuditRecord) -> AuditRecord:
        """Chain to the last record (SQLite: the caller's BEGIN IMMEDIATE serialises appends), or write
        it unchained for the sealer to chain after commit (PostgreSQL)."""
        if not self._key:
            raise MissingAuditKey("AUDIT_KEY is not configured: the audit chain cannot be written or verified")
        record.created_at = record.created_at or now_iso()
        record.details = json.loads(json.dumps(record.details, default=str))
        content = (
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
        )
        if self.sealed_later:
            record.prev_hash, record.hash = None, None
            record.id = self.conn.execute(
                f"INSERT INTO audit_log ({_CONTENT}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", content
            ).fetchone()[0]
            return record
        last = self.conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        record.id = (last["id"] + 1) if last else 1
        record.prev_hash = last["hash"] if last else GENESIS_HASH
        record.hash = self.hash_of(record)
        self.conn.execute(
            f"INSERT INTO audit_log (id, {_CONTENT}, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (record.id, *content, record.prev_hash, record.hash),
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
        if self.sealed_later:
            row = self.conn.execute(
                "SELECT COUNT(*) AS count, (SELECT id FROM audit_log WHERE chain_seq IS NOT NULL"
                " ORDER BY chain_seq DESC LIMIT 1) AS last_id, (SELECT hash FROM audit_log"
                " WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1) AS head"
                " FROM audit_log WHERE chain_seq IS NOT NULL"
            ).fetchone()
            return Checkpoint(row["count"], row["last_id"] or 0, row["head"] or GENESIS_HASH)
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
        """Every chained record in chain order (SQLite: id order; PostgreSQL: the sealer's chain_seq),
        in batches, for chain verification. Plain tuples: the walk over a long log spends most of its
        time building records."""
        order = "chain_seq" if self.sealed_later else "id"
        position = 0
        while True:
            rows = self.conn.tuples(
                f"SELECT {_FIELD_ORDER}, {order} FROM audit_log WHERE {order} > ? ORDER BY {order} LIMIT ?",
                (position, batch),
            )
            if not rows:
                return
            for row in rows:
                yield _record_from_tuple(row[:13])
            position = rows[-1][13]

    def unsealed(self) -> tuple[int, str | None]:
        """(records not chained yet, the oldest one's time): always (0, None) on SQLite."""
        if not self.sealed_later:
            return 0, None
        row = self.conn.execute("SELECT COUNT(*), MIN(created_at) FROM audit_log WHERE hash IS NULL").fetchone()
        return row[0], row[1]
