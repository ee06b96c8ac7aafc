"""Money forms submitted twice move money once (SPEC 4): a fresh key per rendered form, the stored
outcome answered for a resubmission."""

from __future__ import annotations

import json
import secrets

from flask import current_app, request

from app.errors import status_of
from entities.approvals import Approval
from entities.errors import DomainError
from services.idempotency import IdempotentRequest, Replayed, fingerprint, without_secrets


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(16)


def idempotent_form() -> IdempotentRequest | None:
    """Double submits of a money form move money once: the form carries a fresh key per render."""
    key = request.form.get("idempotency_key", "")
    if not 1 <= len(key) <= 64 or not key.isascii() or not key.isprintable():
        return None
    # The PIN stays out (SPEC section 4): a resubmission differing only in it is answered with the
    # stored outcome, never "reused", so a known key cannot tell a right PIN from a wrong one.
    submitted = ((k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "idempotency_key"))
    request_text = json.dumps([request.method, request.path, without_secrets(submitted)])
    request_fingerprint = fingerprint(current_app.config["PIN_PEPPER"], request_text)

    def answer(entry, error):
        if error is not None:
            return status_of(error), {"code": error.code, "detail": error.detail, "errors": error.errors}
        if isinstance(entry, Approval):  # sent for a second staff member's approval (SPEC 15)
            return 202, {"approval_id": entry.id}
        return 201, {"entry_id": entry.id}

    return IdempotentRequest(key=f"web:{key}", fingerprint=request_fingerprint, render=answer)


def settled(result):
    """A money call's entry; for a replayed submission, the stored decline is raised again, and a
    stored success is returned as None (nothing moved twice)."""
    if not isinstance(result, Replayed):
        return result
    if result.status >= 400:
        error = DomainError(result.body.get("detail"), errors=result.body.get("errors"))
        error.code = result.body.get("code", "validation_error")
        raise error
    return None
