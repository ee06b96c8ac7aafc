"""The account page's staff section: the account's recent events, newest first, with "load more".
Shown to staff on a customer's account only (never on their own: SPEC 1; never to customers)."""

from __future__ import annotations

from flask import Blueprint, request

from app.auth import require_actor, services
from app.web.htmx import fragment, is_htmx, redirect_to
from entities.cursor import decode_cursor, encode_cursor

bp = Blueprint("account_events", __name__)

EVENTS_SHOWN = 10


def staff_events(account) -> dict:
    """The section's context for the account page: ``events`` is None where it is not shown."""
    actor = require_actor()
    if not actor.is_staff or account.owner_id == actor.user_id:
        return {"events": None}
    return _page(account.id)


def _page(account_id: int) -> dict:
    lines, next_id = services().account_events.for_account(
        require_actor(), account_id, before=decode_cursor(request.args.get("cursor") or None), limit=EVENTS_SHOWN
    )
    return {"events": lines, "events_next": encode_cursor(next_id) if next_id else None}


@bp.get("/accounts/<int:account_id>/events")
def more(account_id: int):
    """The next (older) rows of the section; the service refuses customers and staff on their own."""
    context = _page(account_id)
    if not is_htmx():
        return redirect_to(f"/accounts/{account_id}")
    account = services().accounts.get(require_actor(), account_id)
    return fragment("partials/accounts/_event_rows.html", account=account, **context)
