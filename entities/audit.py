"""Audit records, chained by SHA-256 so edits behind the application's back show."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

GENESIS_HASH = "0" * 64


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

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical().encode()).hexdigest()
