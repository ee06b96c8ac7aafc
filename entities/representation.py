"""The API representations of the resources events carry (SPEC sections 9 and 16). They live here,
below every layer, so the service layer can put exactly what the API shows into an event's data
without importing the app; app/api/serializers.py answers requests with these same functions.
A card shows its last four digits only: no representation here holds a PAN, CVV, PIN or secret."""

from __future__ import annotations

from entities.clock import now_iso


def account(a) -> dict:
    return {
        "id": a.id,
        "number": a.number,
        "type": str(a.type),
        "currency": a.currency,
        "balance_cents": a.balance_cents,
        "available_cents": a.available_cents,
        "held_cents": a.held_cents,
        "daily_limit_cents": a.daily_limit_cents,
        "status": str(a.status),
        "pin_locked": a.pin_locked,
        "owner_id": a.owner_id,
        "created_at": a.created_at,
    }


def entry(e, balance_of: int | None = None) -> dict:
    body = {
        "id": e.id,
        "kind": str(e.kind),
        "status": str(e.status),
        "amount_cents": e.amount_cents,
        "currency": e.currency,
        "memo": e.memo,
        "decline_reason": e.decline_reason,
        "reverses_entry_id": e.reverses_entry_id,
        "hold_id": e.hold_id,
        "created_at": e.created_at,
        "postings": [
            {"account_id": p.account_id, "amount_cents": p.amount_cents, "balance_after_cents": p.balance_after_cents}
            for p in e.postings
        ],
    }
    if balance_of is not None:
        body["balance_after_cents"] = next(
            (p.balance_after_cents for p in e.postings if p.account_id == balance_of), None
        )
    return body


def hold(h) -> dict:
    return {
        "id": h.id,
        "account_id": h.account_id,
        "card_id": h.card_id,
        "kind": str(h.kind),
        "amount_cents": h.amount_cents,
        "captured_cents": h.captured_cents,
        "status": str(h.status),
        "merchant": h.merchant,
        "reason": h.reason,
        "expires_at": h.expires_at,
        "created_at": h.created_at,
        "entry_id": h.entry_id,
    }


def card(c) -> dict:
    """A card as every read shows it: the last four digits only."""
    return {
        "id": c.id,
        "account_id": c.account_id,
        "pan_last4": c.pan_last4,
        "masked_pan": c.masked_pan,
        "expiry_month": c.expiry_month,
        "expiry_year": c.expiry_year,
        "status": str(c.status),
        "created_at": c.created_at,
    }


def user(u) -> dict:
    return {
        "id": u.id,
        "email": u.email,
        "full_name": u.full_name,
        "role": str(u.role),
        "status": u.status(now_iso()),
        "created_at": u.created_at,
    }


def approval(a) -> dict:
    """A dual-control request (SPEC section 15). ``result`` is the executed action's answer (null
    until approved, and after a rejection); ``decision_reason`` the rejection's reason."""
    return {
        "id": a.id,
        "action": str(a.action),
        "status": str(a.status),
        "requested_by": a.requested_by,
        "decided_by": a.decided_by,
        "reason": a.reason,
        "created_at": a.created_at,
        "decided_at": a.decided_at,
        "details": a.details,
        "result": a.result,
        "decision_reason": a.decision_reason,
    }
