"""Event types in words (SPEC 10: words, not codes), for the admin's webhook pages and the account
page's staff section; grouped as the webhook form offers them."""

from __future__ import annotations

from entities.events import ANY_TYPE, EVENT_TYPES

EVENT_WORDS = {
    "deposit.posted": "Cash deposit",
    "withdrawal.posted": "Cash withdrawal",
    "transfer.posted": "Transfer",
    "card_purchase.posted": "Card purchase",
    "reversal.posted": "Reversal",
    "entry.declined": "Declined payment",
    "hold.created": "Hold placed",
    "hold.captured": "Hold captured",
    "hold.voided": "Hold released",
    "hold.expired": "Hold expired",
    "account.opened": "Account opened",
    "account.frozen": "Account frozen",
    "account.unfrozen": "Account unfrozen",
    "account.closed": "Account closed",
    "account.locked": "PIN locked",
    "account.unlocked": "PIN unlocked",
    "card.issued": "Card issued",
    "card.frozen": "Card frozen",
    "card.unfrozen": "Card unfrozen",
    "card.cancelled": "Card cancelled",
    ANY_TYPE: "Every event",
}
GROUPS = (
    ("Money", [t for t in EVENT_TYPES if t.endswith(".posted") or t == "entry.declined"]),
    ("Holds", [t for t in EVENT_TYPES if t.startswith("hold.")]),
    ("Accounts", [t for t in EVENT_TYPES if t.startswith("account.")]),
    ("Cards", [t for t in EVENT_TYPES if t.startswith("card.")]),
    ("Approvals (staff only)", [t for t in EVENT_TYPES if t.startswith("approval.")]),
)
assert sorted(t for _, types in GROUPS for t in types) == sorted(EVENT_TYPES)


def event_words(event_type: str) -> str:
    """ "transfer.posted" -> "Transfer"; an unknown type is shown as itself."""
    return EVENT_WORDS.get(event_type, event_type)
