"""Events (SPEC section 16): what changed, as the API represents it, in the change's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

EVENT_TYPES = (
    "deposit.posted",
    "withdrawal.posted",
    "transfer.posted",
    "card_purchase.posted",
    "reversal.posted",
    "entry.declined",
    "hold.created",
    "hold.captured",
    "hold.voided",
    "hold.expired",
    "account.opened",
    "account.frozen",
    "account.unfrozen",
    "account.closed",
    "account.locked",
    "account.unlocked",
    "card.issued",
    "card.frozen",
    "card.unfrozen",
    "card.cancelled",  # beyond SPEC 16's list: a card status change (cancel, and the old card of a replace)
)
# Dual control's requests and decisions (SPEC 15) write no event: SPEC 16's list of types is closed,
# and they change no money, account or card (the reversal an approval executes writes its own).
ANY_TYPE = "*"
MAX_EVENTS_PAGE = 200


@dataclass
class Event:
    id: int | None  # the public, increasing id (the seq column); None until numbered
    type: str
    created_at: str
    data: dict
    account_ids: list[int] = field(default_factory=list)  # the customer accounts it concerns

    def representation(self) -> dict:
        """``{id, type, created_at, data}``: the feed's item and a webhook's body."""
        return {"id": self.id, "type": self.type, "created_at": self.created_at, "data": self.data}

    def as_seen_by(self, own_account_ids: set[int] | None) -> Event:
        """The event as a reader sees it: staff (``None``) see it whole; a customer sees the balance
        after a posting on their own accounts only (a transfer's other side keeps its balance)."""
        if own_account_ids is None or "postings" not in self.data:
            return self
        postings = [
            p if p["account_id"] in own_account_ids else {**p, "balance_after_cents": None}
            for p in self.data["postings"]
        ]
        return Event(self.id, self.type, self.created_at, {**self.data, "postings": postings}, self.account_ids)


def subscribed(types: list[str], event_type: str) -> bool:
    """Whether a webhook subscribed to ``types`` (or to ``["*"]``) receives ``event_type``."""
    return ANY_TYPE in types or event_type in types
