"""AuditRepository: the append-only audit log, chained by HMAC under the server's audit key."""

from __future__ import annotations

import json
import secrets

from entities.audit import GENESIS_HASH, AuditRecord, Checkpoint, mac_matches, record_mac
from entities.clock import now_iso

_COLUMNS = (
    "id, created_at, actor_id, action, resource_type, resource_id, outcome, ip, user_agent, request_id,"
    " details, prev_hash, hash"
)

# What a record says, in AuditRecord's own field order, details as stored (JSON text): on
# PostgreSQL, what the MAC its writer stores with it covers (with its nonce).
SEALED = "action, outcome, actor_id, resource_type, resource_id, ip, user_agent, request_id, details, created_at"
_FIELD_ORDER = f"{SEALED}, id, prev_hash, hash"


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
        return record.compute_hash(self._required_key())

    def _required_key(self) -> bytes:
        if not self._key:
            raise MissingAuditKey("AUDIT_KEY is not configured: the audit chain cannot be written or verified")
        return self._key

    def append(self, record: AuditRecord) -> AuditRecord:
        """Chain to the last record (SQLite: the caller's BEGIN IMMEDIATE serialises appends), or write
        it unchained, with its nonce and MAC, for the sealer to chain after commit (PostgreSQL)."""
        key = self._required_key()
        record.created_at = record.created_at or now_iso()
        record.details = json.loads(json.dumps(record.details, default=str))
        content = (
            record.action,
            record.outcome,
            record.actor_id,
            record.resource_type,
            record.resource_id,
            record.ip,
            record.user_agent,
            record.request_id,
            json.dumps(record.details, sort_keys=True),
            record.created_at,
        )
        if self.sealed_later:
            nonce = secrets.token_hex(16)
            record.prev_hash, record.hash = None, None
            record.id = self.conn.execute(
                f"INSERT INTO audit_log ({SEALED}, nonce, mac) VALUES ({', '.join('?' * 12)}) RETURNING id",
                (*content, nonce, record_mac(key, nonce, content)),
            ).fetchone()[0]
            return record
        last = self.conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        record.id = (last["id"] + 1) if last else 1
        record.prev_hash = last["hash"] if last else GENESIS_HASH
        record.hash = self.hash_of(record)
        self.conn.execute(
            f"INSERT INTO audit_log (id, {SEALED}, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

    def walk(self, batch: int = 5000):
        """Every chained record in chain order (SQLite: every record, by id, however low; PostgreSQL: the
        sealer's chain_seq), in batches, for chain verification, each with whether the MAC its writer
        stored is right (PostgreSQL; a record chained before migration 0012 carries none, and its keyed
        hash covers it all the same). Plain tuples: the walk over a long log spends most of its time
        building records."""
        order = "chain_seq" if self.sealed_later else "id"
        seal = ", nonce, mac" if self.sealed_later else ""
        sql = f"SELECT {_FIELD_ORDER}, {order}{seal} FROM audit_log WHERE {{}} ORDER BY {order} LIMIT ?"
        where, after = f"{order} IS NOT NULL", ()
        while True:
            rows = self.conn.tuples(sql.format(where), (*after, batch))
            if not rows:
                return
            for row in rows:
                yield _record_from_tuple(row[:13]), self._mac_right(row)
            where, after = f"{order} > ?", (rows[-1][13],)

    def _mac_right(self, row: tuple) -> bool:
        if not self.sealed_later or row[14:16] == (None, None):
            return True
        return mac_matches(self._required_key(), row[14], row[:10], row[15])

    def iterate(self, batch: int = 5000):
        """Every chained record in chain order (see ``walk``)."""
        for record, _ in self.walk(batch):
            yield record

    def count(self) -> int:
        """Every record the log holds, chained or not: what the walk and the unsealed must add up to."""
        return self.conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]

    def unsealed(self) -> tuple[int, str | None]:
        """(records not chained yet, the oldest one's time): always (0, None) on SQLite."""
        if not self.sealed_later:
            return 0, None
        row = self.conn.execute("SELECT COUNT(*), MIN(created_at) FROM audit_log WHERE hash IS NULL").fetchone()
        return row[0], row[1]

    def unsealed_forgeries(self) -> list[int]:
        """PostgreSQL: ids of the records not chained yet that no writer of ours wrote: their MAC is
        missing or wrong, or the sealer refused them (it never will chain them). [] on SQLite."""
        if not self.sealed_later:
            return []
        key = self._required_key()
        rows = self.conn.tuples(f"SELECT {SEALED}, id, nonce, mac, refused_at FROM audit_log WHERE hash IS NULL")
        return [row[10] for row in rows if row[13] is not None or not mac_matches(key, row[11], row[:10], row[12])]

    def copies(self) -> list[int]:
        """PostgreSQL: ids of the records that share their nonce with another (a genuine record copied,
        MAC and all, past the nonce's unique index). [] on SQLite, whose chain hash covers the id."""
        if not self.sealed_later:
            return []
        rows = self.conn.execute(
            "SELECT id FROM audit_log WHERE nonce IN"
            " (SELECT nonce FROM audit_log WHERE nonce IS NOT NULL GROUP BY nonce HAVING COUNT(*) > 1)"
        )
        return [row[0] for row in rows]
