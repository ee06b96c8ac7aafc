"""Stripe-style idempotency: the first response to (user, key) is stored in the
same transaction as the money it moved, and replayed for the same request."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass

from entities.errors import IdempotencyKeyReused


@dataclass(frozen=True)
class IdempotentRequest:
    key: str
    fingerprint: str  # a keyed hash of method, path and body (see fingerprint())
    # Builds the (status, body) the client is answered with, from an entry or a decline error.
    render: Callable[[object, Exception | None], tuple[int, dict]]


@dataclass(frozen=True)
class Replayed:
    status: int
    body: dict


def fingerprint(secret: str, request_text: str) -> str:
    """HMAC-SHA256 of the request under a server-side secret. The body carries the PIN, and a plain
    hash stored in the database would give a 4-6 digit PIN back offline in seconds."""
    return hmac.new(secret.encode(), request_text.encode(), hashlib.sha256).hexdigest()


def replay(uow, user_id: int, request: IdempotentRequest | None) -> Replayed | None:
    if request is None:
        return None
    stored = uow.ledger.idempotent_response(user_id, request.key)
    if stored is None:
        return None
    if stored["fingerprint"] != request.fingerprint:
        raise IdempotencyKeyReused(errors=[{"field": "Idempotency-Key", "message": "was used with another request"}])
    return Replayed(stored["status_code"], json.loads(stored["response_body"]))


def remember(uow, user_id: int, request: IdempotentRequest | None, entry, error: Exception | None = None) -> None:
    if request is None:
        return
    status, body = request.render(entry, error)
    uow.ledger.save_idempotent_response(user_id, request.key, request.fingerprint, status, json.dumps(body))
