"""Explicit JSON representations (SPEC section 9): never a row or __dict__."""

from __future__ import annotations

from entities.clock import now_iso


def user(u) -> dict:
    return {
        "id": u.id,
        "email": u.email,
        "full_name": u.full_name,
        "role": str(u.role),
        "status": u.status(now_iso()),
        "created_at": u.created_at,
    }


def account(a) -> dict:
    return {
        "id": a.id,
        "number": a.number,
        "type": str(a.type),
        "currency": a.currency,
        "balance_cents": a.balance_cents,
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


def history_item(item) -> dict:
    return {
        "id": item.id,
        "entry_id": item.entry_id,
        "kind": item.kind,
        "status": item.status,
        "amount_cents": item.amount_cents,
        "balance_after_cents": item.balance_after_cents,
        "counterparty": item.counterparty,
        "memo": item.memo,
        "created_at": item.created_at,
    }


def audit_record(r) -> dict:
    return {
        "id": r.id,
        "created_at": r.created_at,
        "actor_id": r.actor_id,
        "action": r.action,
        "resource_type": r.resource_type,
        "resource_id": r.resource_id,
        "outcome": r.outcome,
        "ip": r.ip,
        "user_agent": r.user_agent,
        "request_id": r.request_id,
        "details": r.details,
        "hash": r.hash,
    }


def session(s, current_id: str | None = None) -> dict:
    return {
        "id": s.id,
        "kind": s.kind,
        "created_at": s.created_at,
        "last_seen_at": s.last_seen_at,
        "expires_at": s.expires_at,
        "ip": s.ip,
        "user_agent": s.user_agent,
        "current": s.id == current_id,
    }


def page(items: list, next_cursor: str | None) -> dict:
    return {"items": items, "next_cursor": next_cursor}
