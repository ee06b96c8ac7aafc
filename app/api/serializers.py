"""Explicit JSON representations (SPEC section 9): never a row or __dict__."""

from __future__ import annotations

import csv
import io

from app.spreadsheet import decimal_text, safe_cell
from entities import mfa
from entities.cursor import decode_cursor, encode_cursor
from entities.representation import account, approval, card, entry, hold, user  # noqa: F401  (the API's own shapes)


def me(u) -> dict:
    """GET /me: the user, and whether a second factor is enabled (SPEC section 15)."""
    return {**user(u), "mfa_enabled": u.mfa_enabled}


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


def checkpoint(c) -> dict:
    return {"count": c.count, "last_id": c.last_id, "head": c.head}


def session(s, current_id: str | None = None) -> dict:
    return {
        "id": s.id,
        "kind": s.kind,
        "created_at": s.created_at,
        "last_seen_at": s.last_seen_at,
        "expires_at": s.expires_at,
        "ip": s.ip,
        "user_agent": s.user_agent,
        "amr": list(mfa.amr_of(s.amr)),  # whether the login that started it verified a second factor
        "current": s.id == current_id,
    }


def page(items: list, next_cursor: str | None) -> dict:
    return {"items": items, "next_cursor": next_cursor}


def page_of(found: list, query, key=lambda item: item.id) -> tuple[list, str | None]:
    """One page of a short list read whole (one owner's accounts or sessions, the webhooks), as every
    list pages (SPEC 5): the items after ``query.cursor`` in ``key`` order (an increasing integer), at
    most ``query.limit``, and the cursor of the next page (None on the last)."""
    after = decode_cursor(query.cursor)
    return keyset_page(
        [item for item in sorted(found, key=key) if after is None or key(item) > after], query.limit, key
    )


def keyset_page(rows: list, limit: int, key=lambda item: item.id) -> tuple[list, str | None]:
    """``rows`` read with one more than ``limit`` (after the cursor, in key order): the page, and the
    cursor of the next one (None when no row was left over)."""
    return rows[:limit], encode_cursor(key(rows[limit - 1])) if len(rows) > limit else None


# Cards and statements (SPEC sections 5 and 6).


def issued_card(issued) -> dict:
    """The answer to the issue request: the only representation with the full PAN and CVV."""
    return {**card(issued.card), "pan": issued.pan, "cvv": issued.cvv}


def declined_line(d) -> dict:
    return {
        "entry_id": d.entry_id,
        "kind": d.kind,
        "status": "declined",
        "amount_cents": d.amount_cents,
        "counterparty": d.counterparty,
        "memo": d.memo,
        "decline_reason": d.decline_reason,
        "created_at": d.created_at,
    }


def statement(s) -> dict:
    return {
        "account_id": s.account_id,
        "month": str(s.month),
        "opening_balance_cents": s.opening_balance_cents,
        "closing_balance_cents": s.closing_balance_cents,
        "total_credits_cents": s.total_credits_cents,
        "total_debits_cents": s.total_debits_cents,
        "count": s.count,
        "lines": [history_item(line) for line in s.lines],
        "declined": [declined_line(d) for d in s.declined],
    }


STATEMENT_CSV_HEADER = ("created_at", "entry_id", "kind", "description", "counterparty", "amount", "balance_after")


def statement_csv(s) -> str:
    """Header plus one row per posted line; amounts as exact decimals ("-12.50"), never floats."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(STATEMENT_CSV_HEADER)
    for line in s.lines:
        writer.writerow(
            (
                line.created_at,
                line.entry_id,
                line.kind,
                safe_cell(line.memo),
                safe_cell(line.counterparty),
                decimal_text(line.amount_cents),
                decimal_text(line.balance_after_cents),
            )
        )
    return buffer.getvalue()


# Events and webhooks (SPEC section 16).
def event(e) -> dict:
    return e.representation()


def webhook(w, with_secret: bool = False) -> dict:
    body = {"id": w.id, "url": w.url, "events": w.events, "description": w.description, "created_at": w.created_at}
    return {**body, "secret": w.secret} if with_secret else body


def delivery(d) -> dict:
    return {
        "id": d.id,
        "event_id": d.event_id,
        "attempt": d.attempt,
        "status_code": d.status_code,
        "error": d.error,
        "delivered_at": d.delivered_at,
        "next_attempt_at": d.next_attempt_at,
    }
