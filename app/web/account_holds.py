"""What the pages that show holds need to render them: the account page's pending holds and daily
limit, a card's authorisations, the teller desk's holds and limits per account. Read-only; kept apart
from app/web/holds.py (the routes) so the account, card and teller views can import it without a cycle."""

from __future__ import annotations

from app.auth import require_actor, services
from entities.holds import HoldStatus

HOLDS_SHOWN = 50  # one page of an account's holds, newest first
RECENT_AUTHORIZATIONS = 10  # ended authorisations shown under a card's pending ones


def pending_holds(actor, account_id: int) -> list:
    holds, _ = services().holds.for_account(actor, account_id, status=str(HoldStatus.PENDING), limit=HOLDS_SHOWN)
    return holds


def account_money(account) -> dict:
    """The account page: pending holds (the available balance is on the account) and today's limit use."""
    actor = require_actor()
    return {
        "pending_holds": pending_holds(actor, account.id),
        "limit_used_cents": services().holds.limit_used_today(actor, account.id),
    }


def card_authorizations(actor, account_id: int, card_id: int) -> list:
    """A card's authorisations: every pending one first, then the most recent that ended. The pending
    ones of the account's earlier cards come too: a cancelled card's authorisations can still be
    captured or voided, and the account's current card is where its holder looks for them."""
    holds, _ = services().holds.for_account(actor, account_id, limit=HOLDS_SHOWN)
    pending = [h for h in holds if h.is_card and h.status == HoldStatus.PENDING]
    ended = [h for h in holds if h.card_id == card_id and h.status != HoldStatus.PENDING]
    return pending + ended[:RECENT_AUTHORIZATIONS]


def cards_authorizations(slots) -> dict:
    """The cards page: each card's authorisations by card id."""
    actor = require_actor()
    return {card.id: card_authorizations(actor, account.id, card.id) for account, card in slots if card}


def earlier_pending(slots) -> dict:
    """The cards page: for each account without a card, how many payments a cancelled card of it
    authorised that are still pending (the slot points to the account page, which lists them)."""
    actor = require_actor()
    counts = {}
    for account, card in slots:
        if card is None and account.status != "closed":
            counts[account.id] = sum(h.is_card for h in pending_holds(actor, account.id))
    return counts


def desk_hold_rows(accounts) -> dict:
    """The teller desk: per open account of the customer, its pending holds and today's limit use."""
    actor = require_actor()
    rows = []
    for account in accounts:
        if account.status == "closed":
            continue
        used = services().holds.limit_used_today(actor, account.id)
        rows.append({"account": account, "pending_holds": pending_holds(actor, account.id), "limit_used_cents": used})
    return {"hold_rows": rows}


def hold_expiry_text() -> str:
    """How long a card authorisation lasts, in words ("7 days")."""
    seconds = services().settings.hold_expiry_seconds
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"
