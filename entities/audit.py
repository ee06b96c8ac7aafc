"""Audit records, chained by HMAC-SHA256 under a server key so edits behind the application's back
show, and checkpoints of the chain that catch what a key cannot (deleting the newest records)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

GENESIS_HASH = "0" * 64
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class AuditRecord:
    action: str
    outcome: str
    actor_id: int | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    details: dict = field(default_factory=dict)
    created_at: str = ""
    id: int | None = None
    prev_hash: str = GENESIS_HASH
    hash: str = ""

    def canonical(self) -> str:
        return json.dumps(
            [
                self.id,
                self.created_at,
                self.actor_id,
                self.action,
                self.resource_type,
                self.resource_id,
                self.outcome,
                self.ip,
                self.user_agent,
                self.request_id,
                self.details,
                self.prev_hash,
            ],
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=True,
        )

    def compute_hash(self, key: bytes) -> str:
        """HMAC-SHA256 of the canonical form: without the key nobody can forge or re-chain a record."""
        if not key:
            raise ValueError("the audit chain needs a key")
        keyed = _keyed(key).copy()  # the key's pads once, not once per record: verification hashes them all
        keyed.update(self.canonical().encode())
        return keyed.hexdigest()

    def legacy_hash(self) -> str:
        """The unkeyed SHA-256 of chains written before AUDIT_KEY; only the re-chain migration reads it."""
        return hashlib.sha256(self.canonical().encode()).hexdigest()


def record_mac(key: bytes, nonce: str, content: tuple) -> str:
    """HMAC-SHA256 under the audit key of one record's content as stored (the text of its columns,
    details as JSON text) and its nonce. On PostgreSQL the writer stores it with the record, in the
    record's own transaction, and the sealer chains no record whose MAC is missing or wrong: without
    the key nobody can add a record for the sealer to chain. The nonce, unique in the log, makes a
    copy of a genuine record show."""
    if not key:
        raise ValueError("the audit chain needs a key")
    text = [None if value is None else str(value) for value in content]
    keyed = _keyed(key).copy()
    keyed.update(json.dumps(["audit-record", nonce, *text], separators=(",", ":"), ensure_ascii=True).encode())
    return keyed.hexdigest()


def mac_matches(key: bytes, nonce, content: tuple, mac) -> bool:
    """Whether ``mac`` is the MAC of this content and nonce (False when either is missing)."""
    if not isinstance(nonce, str) or not isinstance(mac, str):
        return False
    return hmac.compare_digest(record_mac(key, nonce, content), mac)


@lru_cache(maxsize=4)
def _keyed(key: bytes):
    return hmac.new(key, digestmod=hashlib.sha256)


class InvalidCheckpoint(ValueError):
    pass


@dataclass(frozen=True)
class Checkpoint:
    """The chain as it stood: ``count`` records, the last one chained ``last_id`` with hash ``head``.
    An empty log is ``(0, 0, GENESIS_HASH)``."""

    count: int
    last_id: int
    head: str

    def to_dict(self) -> dict:
        return {"count": self.count, "last_id": self.last_id, "head": self.head}

    @classmethod
    def from_dict(cls, data) -> Checkpoint:
        if not isinstance(data, dict) or set(data) != {"count", "last_id", "head"}:
            raise InvalidCheckpoint('a checkpoint is a JSON object with exactly "count", "last_id" and "head"')
        count, last_id, head = data["count"], data["last_id"], data["head"]
        for name, value in (("count", count), ("last_id", last_id)):
            if type(value) is not int or value < 0:
                raise InvalidCheckpoint(f"{name} must be a non-negative integer")
        if not isinstance(head, str) or not _HEX64.match(head):
            raise InvalidCheckpoint("head must be 64 lowercase hex digits")
        # No bound between count and last_id: on PostgreSQL the chain runs in commit order, so its
        # newest record may have an id below the count. The walk proves the rest (services/verification.py).
        if (count == 0) != (last_id == 0) or (count == 0 and head != GENESIS_HASH):
            raise InvalidCheckpoint("count, last_id and head do not describe a possible chain")
        return cls(count, last_id, head)

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        try:
            data = json.loads(text)
        except ValueError:
            raise InvalidCheckpoint("not valid JSON") from None
        return cls.from_dict(data)
