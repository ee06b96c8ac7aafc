"""An account's events for staff (the account page's staff section): newest first, each with a
one-line summary in words, its other side named as history lines name it (services/line_names.py)."""

from __future__ import annotations

from dataclasses import dataclass

from entities.errors import Forbidden
from entities.events import MAX_EVENTS_PAGE, Event
from entities.users import Actor
from services.accounts import load_visible, refuse_own
from services.audit import deny
from services.line_names import LineNamer

# Decline reasons (entry.declined) in words; anything else is shown as its code, humanised.
DECLINES = {
    "insufficient_funds": "not enough money",
    "account_unavailable": "account frozen or closed",
    "account_locked": "PIN locked",
    "invalid_pin": "wrong PIN",
    "limit_exceeded": "over the daily limit",
    "card_frozen": "card frozen",
    "card_cancelled": "card cancelled",
}

# An account event's type says what happened ("Account frozen"); these add what it does not.
ACCOUNT_SUMMARIES = {
    "account.locked": "After three wrong PINs",
    "account.unlocked": "The PIN can be used again",
}


@dataclass(frozen=True)
class EventLine:
    """``amount_cents``: what the event moved on this account (signed; None when it moved nothing);
    ``summary``: the rest of the line in words ("To Bob B.", "At Corner Café", "Frozen")."""

    event: Event
    summary: str
    amount_cents: int | None = None
    currency: str = "USD"
    moved: bool = True  # False: an amount that was asked for but not moved (a decline, a hold)


class AccountEventService:
    def __init__(self, uow_factory):
        self.uow = uow_factory

    def for_account(self, actor: Actor, account_id, *, before: int | None = None, limit: int = 20):
        """Staff: the events of one customer account, newest first, before event ``before``. Never on
        an account the staff member owns (SPEC 1: staff powers never apply to their own accounts).
        Returns (lines, next_cursor), next_cursor being the last line's id when older ones exist."""
        limit = max(1, min(limit, MAX_EVENTS_PAGE))
        with self.uow(write=False) as uow:
            if not actor.is_staff:
                deny(uow, actor, "events.read", "account", account_id, error=Forbidden)
            account = load_visible(uow, actor, account_id, "events.read")
            refuse_own(uow, actor, [account], "events.read", "account", account.id)
            events = uow.events.for_account(account.id, before, limit + 1)
            namer = LineNamer(uow, account, actor.user_id)
            lines = [_line(uow, namer, account, event) for event in events[:limit]]
        return lines, (lines[-1].event.id if len(events) > limit else None)


def _line(uow, namer: LineNamer, account, event: Event) -> EventLine:
    data, group = event.data, event.type.split(".")[0]
    currency = data.get("currency") or account.currency
    if event.type == "entry.declined":
        reason = DECLINES.get(data.get("decline_reason") or "", (data.get("decline_reason") or "").replace("_", " "))
        return EventLine(
            event, f"Declined: {reason}" if reason else "Declined", data.get("amount_cents"), currency, False
        )
    if "postings" in data:
        mine = next((p["amount_cents"] for p in data["postings"] if p["account_id"] == account.id), None)
        return EventLine(event, _entry_summary(uow, namer, account, data, mine), mine, currency)
    if group == "hold":
        amount = data["captured_cents"] if event.type == "hold.captured" else data["amount_cents"]
        where = f"At {data['merchant']}" if data.get("merchant") else (data.get("reason") or "Staff hold")
        return EventLine(event, where, amount, currency, False)
    if group == "card":
        return EventLine(event, f"Card ···{data.get('pan_last4', '')}")
    return EventLine(event, ACCOUNT_SUMMARIES.get(event.type, "").format(**data))


def _entry_summary(uow, namer: LineNamer, account, data: dict, mine: int | None) -> str:
    """A posted entry's other side in words: a transfer's party, a purchase's merchant, a memo."""
    if data["kind"] == "transfer":
        other_id = next((p["account_id"] for p in data["postings"] if p["account_id"] != account.id), None)
        other = uow.accounts.get(other_id) if other_id else None
        party = namer.party(other.number) if other is not None else None
        if party is None:
            return "Transfer out" if (mine or 0) < 0 else "Transfer in"
        return f"To {party}" if (mine or 0) < 0 else f"From {party}"
    if data["kind"] == "card_purchase":
        return f"At {data['memo']}" if data.get("memo") else "Card purchase"
    if data["kind"] == "reversal":
        return f"Reversal of entry #{data['reverses_entry_id']}" if data.get("reverses_entry_id") else "Reversal"
    return data.get("memo") or ""
