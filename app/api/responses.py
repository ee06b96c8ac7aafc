"""Response shapes, for the OpenAPI document only (serializers.py builds the bodies). Every field says
what it holds: the descriptions are the reference people read at /api/v1/docs."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

_TIME = "ISO 8601, UTC"
CreatedAt = Annotated[str, Field(description=f"When it was created: {_TIME}")]


class User(BaseModel):
    """A user: customer, teller or admin."""

    id: int = Field(description="The user's id")
    email: str = Field(description="The login email, lower-case")
    full_name: str = Field(description="The user's full name")
    role: str = Field(description="`customer`, `teller` or `admin`")
    status: str = Field(description="`active`, or `locked` (by failed logins until the lock ends, or by an admin)")
    created_at: CreatedAt


class Me(User):
    """The caller's own profile."""

    mfa_enabled: bool = Field(description="Whether a second factor (an authenticator app) is confirmed")


class TokenPair(BaseModel):
    """A login's or refresh's answer: the tokens to call the API with."""

    access_token: str = Field(description="The bearer token for Authorization: Bearer; lives 15 minutes by default")
    refresh_token: str = Field(
        description="Single-use: POST it to /api/v1/auth/refresh for a new pair; lives 7 days by default"
    )
    token_type: str = Field(description="Always `Bearer`")
    expires_in: int = Field(description="Seconds until the access token expires")
    user: User = Field(description="Who logged in")


class MfaChallenge(BaseModel):
    """A right password of a user with a second factor: no tokens yet; POST /auth/mfa goes on."""

    mfa_required: bool = Field(description="Always true: send a code to POST /api/v1/auth/mfa to finish logging in")
    mfa_token: str = Field(description="Single-use proof of the right password, for POST /api/v1/auth/mfa")
    expires_in: int = Field(description="Seconds the mfa_token stays valid (300)")


class MfaEnrolment(BaseModel):
    """A pending second factor: add it to an authenticator app, then confirm it with a code."""

    secret: str = Field(description="The shared secret, base32 (32 characters, 160 bits)")
    otpauth_uri: str = Field(description="The same secret as an otpauth:// URI, for a QR code")


class RecoveryCodes(BaseModel):
    """Shown once: each code logs in once in place of an authenticator code."""

    recovery_codes: list[str] = Field(description="Ten single-use recovery codes; only their hashes are kept")


class Account(BaseModel):
    """A bank account."""

    id: int = Field(description="The account's id, used in paths")
    number: str = Field(description="The 10-digit account number (Luhn check digit) others send money to")
    type: str = Field(description="`checking` or `savings`")
    currency: str = Field(description="ISO 4217 code")
    balance_cents: int = Field(description="The posted balance, in cents; never negative")
    available_cents: int = Field(description="What can be spent now: the balance less pending holds, in cents")
    held_cents: int = Field(description="The sum of the pending holds, in cents")
    daily_limit_cents: int | None = Field(description="Money out allowed per UTC day, in cents; null: no limit")
    status: str = Field(description="`active`, `frozen` (no money in or out) or `closed` (final)")
    pin_locked: bool = Field(description="Whether wrong PINs locked the account; a teller or admin unlocks it")
    owner_id: int | None = Field(description="The owning user's id")
    created_at: CreatedAt


class Posting(BaseModel):
    """One side of a journal entry: the postings of an entry sum to zero."""

    account_id: int = Field(description="The account this side moves")
    amount_cents: int = Field(description="Signed, in cents: positive into the account, negative out of it")
    balance_after_cents: int | None = Field(
        description="The account's balance after this posting; null on another customer's or a bank account's posting"
    )


class Entry(BaseModel):
    """A journal entry: one money movement (or a declined attempt) with its postings."""

    id: int = Field(description="The entry's id (GET /api/v1/transactions/{id})")
    kind: str = Field(description="`deposit`, `withdrawal`, `transfer`, `card_purchase` or `reversal`")
    status: str = Field(description="`posted`, or `declined` (recorded, moved nothing)")
    amount_cents: int = Field(description="The amount moved (or refused), in cents; always positive")
    currency: str = Field(description="ISO 4217 code")
    memo: str | None = Field(description="The note given with the movement")
    decline_reason: str | None = Field(
        description="Why it was declined (a problem code such as `insufficient_funds`); null if posted"
    )
    reverses_entry_id: int | None = Field(description="For a reversal: the entry it compensates")
    hold_id: int | None = Field(description="For a card purchase from a capture: the hold it captured")
    created_at: CreatedAt
    postings: list[Posting] = Field(description="The entry's postings; empty for a decline")


class MoneyEntry(Entry):
    """A deposit's or withdrawal's entry, with the account's new balance."""

    balance_after_cents: int | None = Field(description="The account's balance after this entry, in cents")


class HistoryItem(BaseModel):
    """One line of an account's history, seen from that account."""

    id: int | None = Field(description="The posting's id; null for a declined attempt (it has no posting)")
    entry_id: int = Field(description="The journal entry's id")
    kind: str = Field(description="`deposit`, `withdrawal`, `transfer`, `card_purchase` or `reversal`")
    status: str = Field(description="`posted` or `declined`")
    amount_cents: int = Field(
        description="Signed from this account's side, in cents: money in positive, money out negative"
    )
    balance_after_cents: int | None = Field(description="This account's balance after the line; null for a decline")
    counterparty: str | None = Field(
        description="The other account's number, or the bank's side: `cash-vault` (cash) or `card-settlement` (cards)"
    )
    memo: str | None = Field(description="The note given with the movement")
    created_at: CreatedAt


class Lookup(BaseModel):
    """A recipient check: enough to recognise the account, nothing more."""

    number: str = Field(description="The account number looked up")
    holder: str = Field(description="The holder's first name and last initial (`Alice C.`)")


class AuditRecord(BaseModel):
    """One record of the append-only, hash-chained audit log."""

    id: int = Field(description="The record's id, increasing")
    created_at: CreatedAt
    actor_id: int | None = Field(description="Who acted; null for an anonymous caller (e.g. a failed login)")
    action: str = Field(description="What was done, e.g. `login`, `transfer`, `account.freeze`")
    resource_type: str | None = Field(description="The kind of resource acted on, e.g. `account`")
    resource_id: str | None = Field(description="The id of the resource acted on")
    outcome: str = Field(description="`success`, `failure`, `denied` or `declined`")
    ip: str | None = Field(description="The caller's address")
    user_agent: str | None = Field(description="The caller's User-Agent, at most 256 characters")
    request_id: str | None = Field(description="The request's X-Request-ID")
    details: dict[str, Any] = Field(description="What else the action records (amounts, reasons, the changed fields)")
    hash: str = Field(description="HMAC-SHA256 under AUDIT_KEY, chaining this record to the one before")


class Session(BaseModel):
    """A web session or an API token family of the caller."""

    id: str = Field(description="The session's id")
    kind: str = Field(description="`web` (a browser session) or `api` (a refresh token family)")
    created_at: CreatedAt
    last_seen_at: str = Field(description=f"When it was last used: {_TIME}")
    expires_at: str = Field(description=f"When it ends at the latest: {_TIME}")
    ip: str | None = Field(description="The address it was started from")
    user_agent: str | None = Field(description="The User-Agent it was started with")
    amr: list[str] = Field(description='How its login was verified: ["pwd"], or ["pwd", "otp"] with a second factor')
    current: bool = Field(description="Whether this is the session making this request")


class Check(BaseModel):
    """One verification check."""

    name: str = Field(description="What was checked, e.g. `ledger_sums_to_zero`")
    passed: bool = Field(description="Whether the check passed")
    checked: int = Field(description="How many items (postings, accounts, records) were checked")
    failures: int = Field(description="How many of them failed")
    detail: str = Field(description="What failed, in words (ids, sums); empty when all passed")


class Verification(BaseModel):
    """The ledger and audit verification report."""

    passed: bool = Field(description="Whether every check passed")
    checks: list[Check] = Field(description="Each check and its result")


class ProblemError(BaseModel):
    """One offending field of a request."""

    field: str = Field(description="The field, header (`Content-Type`, `Idempotency-Key`) or `body` at fault")
    message: str = Field(description="What is wrong with it, e.g. `must be at least 1`")


class Problem(BaseModel):
    """An error, as application/problem+json (RFC 9457)."""

    type: str = Field(description="A URI naming the problem type: urn:corebank:problem:<code>")
    title: str = Field(description="The code's short, fixed phrase")
    status: int = Field(description="The HTTP status")
    detail: str = Field(description="What happened to this request, in words, and what to do next where that helps")
    code: str = Field(description="Stable snake_case identifier to branch on, e.g. `insufficient_funds`")
    request_id: str | None = Field(description="The request's X-Request-ID: quote it when asking about the request")
    errors: list[ProblemError] = Field(description="Every offending field at once (validation errors); empty otherwise")


def _page(name: str, item: type[BaseModel], what: str) -> type[BaseModel]:
    annotations = {
        "items": Annotated[list[item], Field(description=f"The {what} of this page")],
        "next_cursor": Annotated[
            str | None, Field(description="Pass as `cursor` for the next page; null on the last page")
        ],
    }
    return type(name, (BaseModel,), {"__annotations__": annotations, "__doc__": f"A page of {what}."})


AccountList = _page("AccountList", Account, "accounts")
UserList = _page("UserList", User, "users")
HistoryPage = _page("HistoryPage", HistoryItem, "history lines, newest first")
AuditPage = _page("AuditPage", AuditRecord, "audit records, newest first")
SessionList = _page("SessionList", Session, "sessions")

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
    """A debit card, as every read shows it: the last four digits only."""

    id: int = Field(description="The card's id, used in paths")
    account_id: int = Field(description="The account the card pays from")
    pan_last4: str = Field(description="The card number's last four digits")
    masked_pan: str = Field(description="The card number masked but for its last four digits")
    expiry_month: int = Field(description="Expiry month, 1 to 12")
    expiry_year: int = Field(description="Expiry year, four digits")
    status: str = Field(description="`active`, `frozen` (refuses payments until unfrozen) or `cancelled`")
    created_at: CreatedAt


class IssuedCard(Card):
    """Only the answer to the issue request carries the full PAN and CVV."""

    pan: str = Field(description="The full card number: shown in this answer only, never again")
    cvv: str = Field(description="The card's security code: shown in this answer only, never again")


class DeclinedLine(BaseModel):
    """A declined attempt in a statement: recorded, moved nothing."""

    entry_id: int = Field(description="The declined journal entry's id")
    kind: str = Field(description="What was attempted, e.g. `withdrawal`, `transfer` or `card_purchase`")
    status: str = Field(description="Always `declined`")
    amount_cents: int = Field(description="The amount refused, in cents")
    counterparty: str | None = Field(description="The other account's number, if any")
    memo: str | None = Field(description="The note given with the attempt")
    decline_reason: str = Field(description="Why it was declined, as a problem code (e.g. `insufficient_funds`)")
    created_at: CreatedAt


class Statement(BaseModel):
    """An account's statement for one calendar month (UTC)."""

    account_id: int = Field(description="The account")
    month: str = Field(description="The month, YYYY-MM")
    opening_balance_cents: int = Field(description="The balance at the start of the month, in cents")
    closing_balance_cents: int = Field(description="The balance at the end of the month, in cents")
    total_credits_cents: int = Field(description="The sum of the money in, in cents")
    total_debits_cents: int = Field(description="The sum of the money out, in cents (positive)")
    count: int = Field(description="How many posted lines the month has")
    lines: list[HistoryItem] = Field(description="The posted lines, oldest first")
    declined: list[DeclinedLine] = Field(description="The declined attempts of the month")


SCHEMAS.update({m.__name__: m for m in (Card, IssuedCard, DeclinedLine, Statement)})


# Audit checkpoints (SPEC section 7).
class Checkpoint(BaseModel):
    """The audit chain as it stands: keep it outside the database to prove nothing was cut off later."""

    count: int = Field(description="How many audit records the chain holds")
    last_id: int = Field(description="The id of the last record chained (PostgreSQL: commit order, not id order)")
    head: str = Field(description="The newest record's chained hash")


SCHEMAS.update({m.__name__: m for m in (Checkpoint,)})


# Holds (SPEC section 13).
class Hold(BaseModel):
    """Money reserved on an account without moving it: a card authorisation or a staff hold."""

    id: int = Field(description="The hold's id, used in paths")
    account_id: int = Field(description="The account the money is held on")
    card_id: int | None = Field(description="The card of an authorisation; null for a staff hold")
    kind: str = Field(description="`card_authorization` or `staff_hold`")
    amount_cents: int = Field(description="The amount held, in cents")
    captured_cents: int = Field(description="The amount a capture took, in cents; 0 until then")
    status: str = Field(description="`pending` (reserving), `captured`, `voided` or `expired`")
    merchant: str | None = Field(description="Who asked for an authorisation; null for a staff hold")
    reason: str | None = Field(description="Why staff hold the money; null for an authorisation")
    expires_at: str | None = Field(
        description=f"When it stops reserving by itself: {_TIME}; null: not before it is voided"
    )
    created_at: CreatedAt
    entry_id: int | None = Field(description="The capture's journal entry; null until captured")


HoldList = _page("HoldList", Hold, "holds, newest first")
SCHEMAS.update({m.__name__: m for m in (Hold, HoldList)})


# Events and webhooks (SPEC section 16).
class Event(BaseModel):
    """Something that changed, as the feed and webhooks carry it."""

    id: int = Field(description="Increasing id: the feed pages by it and receivers deduplicate by it (webhook-id)")
    type: str = Field(description="What happened, e.g. `transfer.posted`, `hold.created`, `account.frozen`")
    created_at: CreatedAt
    data: dict[str, Any] = Field(description="The resource as the API represents it (never a PAN, CVV, PIN or secret)")


class EventList(BaseModel):
    """A page of events, oldest first."""

    items: list[Event] = Field(description="The events of this page")
    next_cursor: int | None = Field(
        description="The last item's id while a later event exists (pass it as `after`); else null"
    )


SCHEMAS.update({m.__name__: m for m in (Event, EventList)})


class Webhook(BaseModel):
    """A receiver events are POSTed to, signed."""

    id: int = Field(description="The webhook's id, used in paths")
    url: str = Field(description="Where the events are POSTed")
    events: list[str] = Field(description='The event types sent, or ["*"] for all')
    description: str | None = Field(description="The note given when it was registered")
    created_at: CreatedAt


class WebhookCreated(Webhook):
    """A webhook just registered: the only answer with its signing secret."""

    secret: str = Field(description="whsec_ and the base64 HMAC key the signatures use: shown in this answer only")


class WebhookList(BaseModel):
    """Every webhook, in one page."""

    items: list[Webhook] = Field(description="The webhooks")
    next_cursor: None = Field(description="Always null: the list is one page")


class WebhookDelivery(BaseModel):
    """One attempt to deliver an event to a webhook."""

    id: int = Field(description="The attempt's id")
    event_id: int = Field(description="The event delivered")
    attempt: int = Field(description="1 for the first attempt, 2 for the first retry, ...")
    status_code: int | None = Field(description="The receiver's HTTP status; null when no answer came")
    error: str | None = Field(description="Why the attempt failed without an answer (e.g. a timeout); null otherwise")
    delivered_at: str = Field(description=f"When the attempt was made: {_TIME}")
    next_attempt_at: str | None = Field(
        description="The retry this attempt scheduled; null after a 2xx or the last attempt"
    )


class WebhookDeliveryList(BaseModel):
    """A page of delivery attempts, oldest first."""

    items: list[WebhookDelivery] = Field(description="The attempts of this page")
    next_cursor: int | None = Field(description="Pass as `after` for the next page; null on the last page")


class Redelivery(BaseModel):
    """An event queued to be sent again, with a fresh set of attempts."""

    event_id: int = Field(description="The event sent again")
    next_attempt_at: str = Field(description=f"When the first new attempt is due: {_TIME}")


SCHEMAS.update(
    {m.__name__: m for m in (Webhook, WebhookCreated, WebhookList, WebhookDelivery, WebhookDeliveryList, Redelivery)}
)


# Dual control (SPEC section 15).
class Approval(BaseModel):
    """A request waiting for (or decided by) a second staff member: four eyes."""

    id: int = Field(description="The approval request's id, used in paths")
    action: str = Field(description="`reversal` or `role_grant`")
    status: str = Field(description="`pending`, `approved` or `rejected`")
    requested_by: int = Field(description="The staff member who asked")
    decided_by: int | None = Field(description="The staff member who decided; null while pending")
    reason: str | None = Field(description="The requester's reason")
    created_at: CreatedAt
    decided_at: str | None = Field(description=f"When it was decided: {_TIME}; null while pending")
    details: dict[str, Any] = Field(description="What a checker needs: the entry and accounts, or the user and roles")
    result: dict[str, Any] | None = Field(
        description="The executed action's answer; null until approved and after a rejection"
    )
    decision_reason: str | None = Field(description="The rejection's reason, or an approval's optional note")


ApprovalList = _page("ApprovalList", Approval, "approval requests, newest first")
SCHEMAS.update({m.__name__: m for m in (Approval, ApprovalList)})
