"""Webhooks (SPEC section 16): subscriptions, their secrets, Standard Webhooks signatures and the
retry schedule. The delivery itself (DNS, HTTP) is the service layer's."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from entities.errors import ValidationFailed
from entities.events import ANY_TYPE, EVENT_TYPES

SECRET_PREFIX = "whsec_"  # noqa: S105  (a prefix, not a secret)
SECRET_BYTES = 32  # SPEC 16: 24 to 64 random bytes
MAX_URL = 2048
MAX_RETRY_DELAY_S = 86400  # the backoff doubles up to a day between attempts


@dataclass
class Webhook:
    id: int | None
    url: str
    events: list[str]
    description: str | None
    created_at: str
    secret: str = field(default="", repr=False)  # the secret itself: only in the answer to its registration
    created_by: int | None = None
    after_seq: int = 0  # events up to this id have been queued for it
    deleted_at: str | None = None
    # As stored: a Fernet token under CARD_KEYS (a hook registered before secrets were encrypted holds
    # the secret itself, "whsec_…", until ``flask rotate-card-keys`` encrypts it).
    secret_enc: str = field(default="", repr=False)

    def wants(self, event_type: str) -> bool:
        return ANY_TYPE in self.events or event_type in self.events


@dataclass
class Job:
    """One event to deliver to one webhook: its attempts so far and when the next is due."""

    id: int
    webhook_id: int
    event_id: int
    attempts: int
    max_attempts: int
    status: str  # pending, delivered or failed
    next_attempt_at: str | None


@dataclass
class Delivery:
    """One attempt, as GET /webhooks/{id}/deliveries lists it."""

    id: int | None
    event_id: int
    attempt: int
    status_code: int | None
    error: str | None
    delivered_at: str
    next_attempt_at: str | None
    event_type: str | None = None  # read with the admin's page of recent deliveries only


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key: the bytes the secret's base64 names (Standard Webhooks)."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value: ``v1,`` and the base64 HMAC-SHA256, under the secret,
    of ``{webhook-id}.{webhook-timestamp}.{body}``."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def retry_delay_seconds(attempt: int, base_seconds: int) -> int:
    """Exponential backoff: the retry after attempt ``attempt`` waits base, 2 base, 4 base, …"""
    return min(base_seconds * 2 ** (attempt - 1), MAX_RETRY_DELAY_S)


def check_event_types(types) -> list[str]:
    """A non-empty list of known event types (each once), or ``["*"]``."""
    problem = None
    if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
        problem = 'must be a non-empty list of event types, or ["*"]'
    elif ANY_TYPE in types and len(types) > 1:
        problem = '"*" stands alone'
    elif unknown := [t for t in types if t != ANY_TYPE and t not in EVENT_TYPES]:
        problem = f"unknown event type {unknown[0][:64]!r}"
    elif len(set(types)) != len(types):
        problem = "lists a type twice"
    if problem:
        raise ValidationFailed(errors=[{"field": "events", "message": problem}])
    return list(types)
