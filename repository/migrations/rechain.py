"""The Python half of migration NNNN_audit_keyed_chain: re-chain the audit log under AUDIT_KEY.

SQL cannot compute an HMAC, and the append-only trigger refuses UPDATE, so this step runs inside the
migration's own transaction, after its SQL: it proves the old unkeyed SHA-256 chain intact, lifts
``audit_log_no_update``, rewrites every record's ``prev_hash`` and ``hash`` under the key, puts the
trigger back exactly as it was, and appends one keyed ``audit.rechain`` record that keeps the old
head. Any failure rolls the whole migration back, trigger included.
"""

from __future__ import annotations

from entities.audit import GENESIS_HASH, AuditRecord
from repository.audit import AuditRepository

UPDATE_TRIGGER = "audit_log_no_update"


class RechainRefused(RuntimeError):
    """The log cannot be re-chained honestly; the migration is rolled back."""


def rechain_audit_log(conn, audit_key: bytes | None) -> None:
    """SQLite only: a PostgreSQL database is new with the keyed chain, and its sealer chains it."""
    audit = AuditRepository(conn, None, audit_key)
    records = list(audit.iterate())
    if not records:
        return  # a new database: nothing was chained yet
    if not audit_key:
        raise RechainRefused(f"AUDIT_KEY is required to re-chain the {len(records)} existing audit records")
    broken = _legacy_breaks(records)
    if broken:
        # Re-chaining would launder whatever was changed: stop and let a person look.
        raise RechainRefused(
            "the existing audit chain is broken (records " + ", ".join(map(str, broken[:20])) + "); not re-chaining"
        )
    trigger = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (UPDATE_TRIGGER,))
    trigger_sql = (trigger.fetchone() or [None])[0]
    if trigger_sql is None:
        raise RechainRefused(f"trigger {UPDATE_TRIGGER} is missing: the audit log was opened to edits; not re-chaining")
    legacy_head = records[-1].hash
    previous = GENESIS_HASH
    for record in records:
        record.prev_hash = previous
        record.hash = audit.hash_of(record)
        previous = record.hash
    conn.execute(f"DROP TRIGGER {UPDATE_TRIGGER}")
    audit.rechain(records)
    conn.execute(trigger_sql)
    audit.append(
        AuditRecord(
            action="audit.rechain",
            outcome="success",
            user_agent="migration",
            details={"records": len(records), "legacy_head": legacy_head, "legacy_last_id": records[-1].id},
        )
    )


def _legacy_breaks(records: list[AuditRecord]) -> list[int]:
    previous, broken = GENESIS_HASH, []
    for record in records:
        if record.prev_hash != previous or record.legacy_hash() != record.hash:
            broken.append(record.id)
        previous = record.hash
    return broken
