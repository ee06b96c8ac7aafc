"""Writing and reading the audit log."""

from __future__ import annotations

from dataclasses import dataclass, field

from entities import valid_id
from entities.audit import AuditRecord
from entities.errors import Forbidden, NotFound, not_permitted, not_visible
from entities.text import clean_text
from entities.users import Actor

MAX_REASON = 140
# What the audit viewer names instead of an id (SPEC 10): the detail keys and resource types that
# refer to a user, an account or a card.
_KIND_BY_KEY = {
    "owner_id": "users",
    "user_id": "users",
    "requested_by": "users",
    "observed_by": "users",
    "account_id": "accounts",
    "counterparty_account_id": "accounts",
    "card_id": "cards",
}
_KIND_BY_RESOURCE = {"user": "users", "account": "accounts", "card": "cards"}


@dataclass(frozen=True)
class AuditNames:
    """The users, accounts and cards a page of audit records mentions, each by id."""

    users: dict = field(default_factory=dict)
    accounts: dict = field(default_factory=dict)
    cards: dict = field(default_factory=dict)


def reason_details(reason) -> dict:
    """A staff action's reason for its audit record: {"reason": text}, or {} when none was given.
    The text rule applies (trimmed, NFC, no hidden character, at most 140 characters)."""
    text = clean_text(reason, "reason", MAX_REASON, required=False) if reason is not None else None
    return {"reason": text} if text else {}


def record(uow, actor: Actor, action: str, outcome: str = "success", resource_type=None, resource_id=None, **details):
    """Append one audit record inside ``uow``'s transaction."""
    return uow.audit.append(
        AuditRecord(
            action=action,
            outcome=outcome,
            actor_id=actor.user_id,
            resource_type=resource_type,
            resource_id=None if resource_id is None else str(resource_id),
            ip=actor.ip,
            user_agent=(actor.user_agent or "")[:256] or None,
            request_id=actor.request_id,
            details=details,
        )
    )


def deny(uow, actor: Actor, action: str, resource_type=None, resource_id=None, *, error=NotFound, **details):
    """Undo whatever ``uow`` did, audit the denial in a fresh transaction on the same
    connection, and raise ``error`` (404 hides existence; 403 for staff-only actions)."""
    uow.rollback()
    uow.begin(write=True)
    record(uow, actor, action, "denied", resource_type, resource_id, **details)
    uow.commit()
    raise denial(error, actor, action, resource_type, resource_id)


def denial(error, actor: Actor, action: str, resource_type=None, resource_id=None) -> Exception:
    """The exception a denial raises, its detail saying what was refused. A 404 reads the same whether
    the resource is absent or someone else's (SPEC section 1); other errors keep their own words."""
    if error is NotFound:
        return not_visible(resource_type, resource_id)
    if error is Forbidden:
        return not_permitted(actor.role, action)
    return error()


class AuditService:
    def __init__(self, uow_factory):
        self.uow = uow_factory

    def record(
        self, actor: Actor, action: str, outcome: str = "success", resource_type=None, resource_id=None, **details
    ):
        """Write one audit record in a transaction of its own."""
        with self.uow() as uow:
            record(uow, actor, action, outcome, resource_type, resource_id, **details)
            uow.commit()

    def deny(self, actor: Actor, action: str, resource_type: str, resource_id, *, error=NotFound, **details):
        """Audit a denied access and raise: 404 hides existence from customers, 403 for staff-only actions."""
        self.record(actor, action, "denied", resource_type, resource_id, **details)
        raise denial(error, actor, action, resource_type, resource_id)

    def require_staff(self, actor: Actor, action: str, resource_type=None, resource_id=None):
        if not actor.is_staff:
            self.deny(actor, action, resource_type, resource_id, error=Forbidden)

    def require_admin(self, actor: Actor, action: str, resource_type=None, resource_id=None):
        if not actor.is_admin:
            self.deny(actor, action, resource_type, resource_id, error=Forbidden)

    def list(self, actor: Actor, *, limit: int, before_id=None, **filters):
        self.require_admin(actor, "audit.read")
        with self.uow(write=False) as uow:
            return uow.audit.list(limit=limit, before_id=before_id, **filters)

    def names(self, actor: Actor, records) -> AuditNames:
        """The people, accounts and cards ``records`` mention (actor, resource, details), looked up
        in one query each: three reads a page, whatever its length."""
        self.require_admin(actor, "audit.read")
        wanted = mentioned(records)
        with self.uow(write=False) as uow:
            return AuditNames(
                uow.users.many(wanted["users"]), uow.accounts.many(wanted["accounts"]), uow.cards.many(wanted["cards"])
            )


def mentioned(records) -> dict[str, set[int]]:
    """The ids of users, accounts and cards that ``records`` refer to."""
    wanted = {"users": set(), "accounts": set(), "cards": set()}
    for record in records:
        refs = [("users", record.actor_id), (_KIND_BY_RESOURCE.get(record.resource_type), record.resource_id)]
        details = record.details if isinstance(record.details, dict) else {}  # edited: not an object
        refs += [(_KIND_BY_KEY.get(key), value) for key, value in details.items()]
        for kind, value in refs:
            if kind and (found := as_id(value)) is not None:
                wanted[kind].add(found)
    return wanted


def as_id(value) -> int | None:
    """An id as the audit record keeps it (an int in the details, text as the resource id), or None."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        value = int(value)
    return value if valid_id(value) else None
