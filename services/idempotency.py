"""Stripe-style idempotency: the first response to (user, key) is stored in the
same transaction as the money it moved, and replayed for the same request."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass

from entities.errors import IdempotencyKeyReused
from entities.users import Actor
from services.audit import deny

# Left out of the fingerprint (SPEC section 4, "PIN oracle"): a retry that differs only in a secret is
# the same request and gets the stored answer, so a known key never tells a right PIN from a wrong one.
SECRET_FIELDS = frozenset(
    {"pin", "current_pin", "new_pin", "password", "current_password", "new_password", "otp", "code"}
)


@dataclass(frozen=True)
class IdempotentRequest:
    key: str
    fingerprint: str  # a keyed hash of method, path and body without its secrets (see fingerprint())
    # Builds the (status, body) the client is answered with, from an entry or a decline error.
    render: Callable[[object, Exception | None], tuple[int, dict]]


@dataclass(frozen=True)
class Replayed:
    status: int
    body: dict


def without_secrets(fields):
    """The (name, value) pairs of a body or form, minus the secrets, in a stable order."""
    return sorted((str(name), value) for name, value in fields if name not in SECRET_FIELDS)


def fingerprint(secret: str, request_text: str) -> str:
    """HMAC-SHA256 of the request under a server-side secret. Secrets are left out before this
    (without_secrets), but a memo or an amount is still nobody else's business: keyed, not plain."""
    return hmac.new(secret.encode(), request_text.encode(), hashlib.sha256).hexdigest()


def replay(uow, actor: Actor, request: IdempotentRequest | None) -> Replayed | None:
    """The stored answer to this key, or None for a new one, which this transaction now holds (a
    concurrent duplicate waits for it, then replays). A key reused with another request is 422
    idempotency_key_reused, audited in a transaction of its own (the caller's one rolls back)."""
    if request is None:
        return None
    stored = uow.idempotency.claim(actor.user_id, request.key, request.fingerprint)
    if stored is None:
        return None
    if stored["fingerprint"] != request.fingerprint:
        deny(uow, actor, "idempotency.reused", "idempotency_key", None, error=_key_reused, key=request.key)
    return Replayed(stored["status_code"], json.loads(stored["response_body"]))


def _key_reused() -> IdempotencyKeyReused:
    return IdempotencyKeyReused(errors=[{"field": "Idempotency-Key", "message": "was used with another request"}])


def remember(uow, user_id: int, request: IdempotentRequest | None, entry, error: Exception | None = None) -> None:
    if request is None:
        return
    status, body = request.render(entry, error)
    uow.idempotency.complete(user_id, request.key, status, json.dumps(body))
