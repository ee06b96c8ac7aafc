"""Events (SPEC section 16): written by every change inside its own transaction (the outbox), read
by GET /events. ``data`` is the resource as the API represents it (entities/representation.py)."""

from __future__ import annotations

from entities import representation
from entities.clock import now_iso
from entities.errors import ValidationFailed
from entities.events import EVENT_TYPES, MAX_EVENTS_PAGE, Event
from entities.ledger import EntryStatus, JournalEntry
from entities.users import Actor


def publish(uow, event_type: str, data: dict, account_ids) -> Event:
    """Write one event in ``uow``'s transaction: it commits, or rolls back, with the change. With
    EVENTS_OUTBOX=false (the bench's measurement of this very cost; production refuses it) the
    event is built but not written, and stays unnumbered."""
    assert event_type in EVENT_TYPES, event_type
    accounts = [account_id for account_id in account_ids if account_id is not None]
    event = Event(None, event_type, now_iso(), data, accounts)
    return uow.events.add(event) if getattr(uow, "events_outbox", True) else event


def entry_written(uow, entry: JournalEntry, customer_account_ids) -> Event:
    """``<kind>.posted`` for a posted entry (seen by every customer account it moved), or
    ``entry.declined`` (seen by the account it was made on only: a decline moved nothing)."""
    if entry.status == EntryStatus.POSTED:
        return publish(uow, f"{entry.kind}.posted", representation.entry(entry), customer_account_ids)
    return publish(uow, "entry.declined", representation.entry(entry), [entry.account_id])


def hold_changed(uow, event_type: str, hold) -> Event:
    return publish(uow, event_type, representation.hold(hold), [hold.account_id])


def account_changed(uow, event_type: str, account) -> Event:
    return publish(uow, event_type, representation.account(account), [account.id])


def card_changed(uow, event_type: str, card) -> Event:
    return publish(uow, event_type, representation.card(card), [card.account_id])


class EventService:
    def __init__(self, uow_factory):
        self.uow = uow_factory

    def list(self, actor: Actor, *, after: int = 0, limit: int = 50, event_type: str | None = None):
        """Events after ``after``, oldest first: staff see all, a customer those of their own accounts
        (a transfer's other side without its balance). Returns (events, next_cursor), next_cursor
        being the last event's id when a later one exists, else None."""
        if event_type is not None and event_type not in EVENT_TYPES:
            raise ValidationFailed(errors=[{"field": "type", "message": "unknown event type"}])
        limit = max(1, min(limit, MAX_EVENTS_PAGE))
        with self.uow(write=False) as uow:
            owner = None if actor.is_staff else actor.user_id
            events = uow.events.page(after, limit + 1, event_type, owner)
            own = None if actor.is_staff else {a.id for a in uow.accounts.for_owner(actor.user_id)}
        page = [event.as_seen_by(own) for event in events[:limit]]
        return page, (page[-1].id if len(events) > limit else None)
