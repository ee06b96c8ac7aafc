"""Stripe-style idempotency: the first response to (user, key) is stored in the
same transaction as the money it moved, and replayed for the same request."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from entities.errors import IdempotencyKeyReused


@dataclass(frozen=True)
class IdempotentRequest:
    key: str
    fingerprint: str  # a hash of method, path and body
    # Builds the (status, body) the client is answered with, from an entry or a decline error.
    render: Callable[[object, Exception | None], tuple[int, dict]]


@dataclass(frozen=True)
class Replayed:
    status: int
    body: dict


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
