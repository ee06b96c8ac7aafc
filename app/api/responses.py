"""Response shapes, for the OpenAPI document only (serializers.py builds the bodies)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class User(BaseModel):
    id: int
    email: str
    full_name: str
    role: str
    status: str
    created_at: str


class Me(User):
    mfa_enabled: bool  # a confirmed second factor (SPEC section 15)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
    user: User


class MfaChallenge(BaseModel):
    """A right password of a user with a second factor: no tokens yet; POST /auth/mfa goes on."""

    mfa_required: bool
    mfa_token: str
    expires_in: int


class MfaEnrolment(BaseModel):
    secret: str  # base32, 160 bits
    otpauth_uri: str


class RecoveryCodes(BaseModel):
    recovery_codes: list[str]


class Account(BaseModel):
    id: int
    number: str
    type: str
    currency: str
    balance_cents: int
    available_cents: int  # balance less pending holds (SPEC section 13)
    held_cents: int
    daily_limit_cents: int | None  # null: no daily limit (section 14)
    status: str
    pin_locked: bool
    owner_id: int | None
    created_at: str


class Posting(BaseModel):
    account_id: int
    amount_cents: int
    balance_after_cents: int | None  # null on another customer's or a system account's posting


class Entry(BaseModel):
    id: int
    kind: str
    status: str
    amount_cents: int
    currency: str
    memo: str | None
    decline_reason: str | None
    reverses_entry_id: int | None
    hold_id: int | None  # the hold a card purchase captured
    created_at: str
    postings: list[Posting]


class MoneyEntry(Entry):
    balance_after_cents: int | None


class HistoryItem(BaseModel):
    id: int | None
    entry_id: int
    kind: str
    status: str
    amount_cents: int
    balance_after_cents: int | None
    counterparty: str | None
    memo: str | None
    created_at: str


class Lookup(BaseModel):
    number: str
    holder: str


class AuditRecord(BaseModel):
    id: int
    created_at: str
    actor_id: int | None
    action: str
    resource_type: str | None
    resource_id: str | None
    outcome: str
    ip: str | None
    user_agent: str | None
    request_id: str | None
    details: dict[str, Any]
    hash: str


class Session(BaseModel):
    id: str
    kind: str
    created_at: str
    last_seen_at: str
    expires_at: str
    ip: str | None
    user_agent: str | None
    amr: list[str]  # ["pwd"] or ["pwd", "otp"]: whether the login verified a second factor
    current: bool


class Check(BaseModel):
    name: str
    passed: bool
    checked: int
    failures: int
    detail: str


class Verification(BaseModel):
    passed: bool
    checks: list[Check]


class ProblemError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    code: str
    request_id: str | None
    errors: list[ProblemError]


def _page(name: str, item: type[BaseModel]) -> type[BaseModel]:
    return type(name, (BaseModel,), {"__annotations__": {"items": list[item], "next_cursor": str | None}})


AccountList = _page("AccountList", Account)
UserList = _page("UserList", User)
HistoryPage = _page("HistoryPage", HistoryItem)
AuditPage = _page("AuditPage", AuditRecord)
SessionList = _page("SessionList", Session)

SCHEMAS: dict[str, type[BaseModel]] = {
    m.__name__: m
    for m in (
        User,
        Me,
        TokenPair,
        MfaChallenge,
        MfaEnrolment,
        RecoveryCodes,
        Account,
        Entry,
        MoneyEntry,
        HistoryItem,
        Lookup,
        AuditRecord,
        Session,
        Verification,
        Problem,
        AccountList,
        UserList,
        HistoryPage,
        AuditPage,
        SessionList,
    )
}


# Cards and statements (SPEC sections 5 and 6).
class Card(BaseModel):
    id: int
    account_id: int
    pan_last4: str
    masked_pan: str
    expiry_month: int
    expiry_year: int
    status: str
    created_at: str


class IssuedCard(Card):
    """Only the answer to the issue request carries the full PAN and CVV."""

    pan: str
    cvv: str


class DeclinedLine(BaseModel):
    entry_id: int
    kind: str
    status: str
    amount_cents: int
    counterparty: str | None
    memo: str | None
    decline_reason: str
    created_at: str


class Statement(BaseModel):
    account_id: int
    month: str
    opening_balance_cents: int
    closing_balance_cents: int
    total_credits_cents: int
    total_debits_cents: int
    count: int
    lines: list[HistoryItem]
    declined: list[DeclinedLine]


SCHEMAS.update({m.__name__: m for m in (Card, IssuedCard, DeclinedLine, Statement)})


# Audit checkpoints (SPEC section 7).
class Checkpoint(BaseModel):
    count: int
    last_id: int
    head: str


SCHEMAS.update({m.__name__: m for m in (Checkpoint,)})


# Holds (SPEC section 13).
class Hold(BaseModel):
    id: int
    account_id: int
    card_id: int | None
    kind: str  # card_authorization or staff_hold
    amount_cents: int
    captured_cents: int
    status: str  # pending, captured, voided or expired
    merchant: str | None
    reason: str | None
    expires_at: str | None
    created_at: str
    entry_id: int | None  # the capture's journal entry


HoldList = _page("HoldList", Hold)
SCHEMAS.update({m.__name__: m for m in (Hold, HoldList)})


# Events and webhooks (SPEC section 16).
class Event(BaseModel):
    id: int
    type: str
    created_at: str
    data: dict[str, Any]  # the resource as the API represents it


class EventList(BaseModel):
    items: list[Event]
    next_cursor: int | None  # the last item's id while a later event exists; ?after= it for the next page


SCHEMAS.update({m.__name__: m for m in (Event, EventList)})


class Webhook(BaseModel):
    id: int
    url: str
    events: list[str]
    description: str | None
    created_at: str


class WebhookCreated(Webhook):
    secret: str  # whsec_…: shown in this answer only


class WebhookList(BaseModel):
    items: list[Webhook]
    next_cursor: None


class WebhookDelivery(BaseModel):
    id: int
    event_id: int
    attempt: int
    status_code: int | None
    error: str | None
    delivered_at: str
    next_attempt_at: str | None  # the retry this attempt scheduled; null after a 2xx or the last attempt


class WebhookDeliveryList(BaseModel):
    items: list[WebhookDelivery]
    next_cursor: int | None


class Redelivery(BaseModel):
    event_id: int
    next_attempt_at: str


SCHEMAS.update(
    {m.__name__: m for m in (Webhook, WebhookCreated, WebhookList, WebhookDelivery, WebhookDeliveryList, Redelivery)}
)


# Dual control (SPEC section 15).
class Approval(BaseModel):
    id: int
    action: str  # reversal or role_grant
    status: str  # pending, approved or rejected
    requested_by: int
    decided_by: int | None
    reason: str | None  # the requester's
    created_at: str
    decided_at: str | None
    details: dict[str, Any]  # what a checker needs: the entry and accounts, or the user and roles
    result: dict[str, Any] | None  # the executed action's answer; null until approved and after a rejection
    decision_reason: str | None  # the rejection's reason (an approval's optional note)


ApprovalList = _page("ApprovalList", Approval)
SCHEMAS.update({m.__name__: m for m in (Approval, ApprovalList)})
