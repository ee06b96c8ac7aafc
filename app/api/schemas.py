"""Strict request models (pydantic): booleans, floats, strings-for-numbers and unknown
fields are refused. Their JSON Schemas also build /api/v1/openapi.json."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from entities.accounts import CURRENCIES, check_currency
from entities.cards import MAX_MERCHANT, check_merchant
from entities.errors import ValidationFailed
from entities.holds import MAX_HOLD_SECONDS, MAX_LIMIT_CENTS
from entities.text import clean_text
from entities.users import MAX_FULL_NAME, check_password, check_timezone, clean_full_name
from services.audit import MAX_REASON
from services.emails import check_email
from services.ledger import MAX_MEMO


def _rule(check):
    """A pydantic validator made of the service's own rule, so the API refuses exactly what the
    service refuses (the service stays the authority) and pydantic reports every field at once."""

    def validate(value):
        try:
            return check(value)
        except ValidationFailed as error:
            raise _refusal(error) from None

    return AfterValidator(validate)


def _refusal(error: ValidationFailed) -> PydanticCustomError:
    message = error.errors[0]["message"] if error.errors else error.detail
    return PydanticCustomError("invalid", "{message}", {"message": message})


_TEXT = "NFC-normalised and trimmed; no control, format or other invisible character (tab and newline included)"


def _lengths(low: int, high: int) -> dict:
    # Documented for clients, enforced by the rule: it counts after trimming (SPEC section 2), so a
    # padded value longer than maxLength is still accepted.
    return {"minLength": low, "maxLength": high} if low else {"maxLength": high}


PIN_PATTERN = r"^[0-9]{4,6}$"
ACCOUNT_NUMBER_PATTERN = r"^[0-9]{10}$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"

AmountCents = Annotated[int, Field(ge=1, le=10**12, description="Integer minor units, 1 to 10^12")]
Pin = Annotated[str, Field(pattern=PIN_PATTERN, description="4 to 6 ASCII digits")]
Memo = Annotated[
    str,
    Field(description=f"At most {MAX_MEMO} characters; {_TEXT}", json_schema_extra=_lengths(0, MAX_MEMO)),
    _rule(lambda value: clean_text(value, "memo", MAX_MEMO, required=False)),
]


def _reason(more: str, example: str):
    """A staff action's reason: the text rule of every reason, at most MAX_REASON characters."""
    return Annotated[
        str,
        Field(
            description=f"At most {MAX_REASON} characters; {_TEXT}{more}",
            json_schema_extra=_lengths(0, MAX_REASON),
            examples=[example],
        ),
        _rule(lambda value: clean_text(value, "reason", MAX_REASON, required=False)),
    ]


CardReason = _reason(". Required of staff on a customer's card", "Card lost on the train")
Reason = _reason("", "Customer reported fraud on the phone")
FullName = Annotated[
    str,
    Field(description=f"1 to {MAX_FULL_NAME} characters; {_TEXT}", json_schema_extra=_lengths(1, MAX_FULL_NAME)),
    _rule(clean_full_name),
]
Merchant = Annotated[
    str,
    Field(description=f"1 to {MAX_MERCHANT} characters; {_TEXT}", json_schema_extra=_lengths(1, MAX_MERCHANT)),
    _rule(check_merchant),
]
Email = Annotated[
    str,
    Field(max_length=254, description="Valid syntax; no whitespace, control or format character; stored lower-case"),
    _rule(check_email),
]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


# SPEC 15: a code of the authenticator app (six digits) or, where a login accepts one, a recovery code.
Code = Annotated[str, Field(max_length=64, description="Six digits from the authenticator app, or a recovery code")]
Otp = Annotated[
    str,
    Field(
        max_length=64,
        description="Step-up: six digits from the authenticator app, needed by a user with a second factor"
        " when the amount is at least STEP_UP_CENTS",
    ),
]


_CURSOR = "The previous page's `next_cursor`; omit it for the first page"
_LIMIT = "Items per page, 1 to 200"
_STEP_UP = (
    "Step-up: a current code from the authenticator app, needed when a user with a second factor moves"
    " at least STEP_UP_CENTS (default 100000); checked before the PIN"
)
Limit = Annotated[int, Field(ge=1, le=200, description=_LIMIT)]
Cursor = Annotated[str, Field(max_length=64)]


class RegisterIn(Strict):
    email: Email = Field(description="The email to log in with: valid syntax, no whitespace; stored lower-case")
    password: Annotated[str, Field(min_length=12, max_length=128)] = Field(
        description="12 to 128 characters (any Unicode), not equal to the email"
    )
    full_name: FullName = Field(
        description=f"The customer's name, 1 to {MAX_FULL_NAME} characters after trimming; {_TEXT}"
    )

    @field_validator("password")
    @classmethod
    def _not_the_email(cls, password: str, info: ValidationInfo) -> str:
        # Fields validate in order: the email is in info.data only when it was valid.
        try:
            return check_password(password, info.data.get("email"))
        except ValidationFailed as error:
            raise _refusal(error) from None


class LoginIn(Strict):
    email: Annotated[str, Field(max_length=254)] = Field(description="The email the user registered with")
    password: Annotated[str, Field(max_length=1024)] = Field(description="The user's password")


class MfaLoginIn(Strict):
    mfa_token: Annotated[str, Field(max_length=256)] = Field(
        description="The `mfa_token` of the login's answer: single-use, valid for 5 minutes"
    )
    code: Code = Field(description="Six digits from the authenticator app, or one of the recovery codes")


class MfaEnrolIn(Strict):
    password: Annotated[str, Field(max_length=1024)] = Field(description="The current password, to prove it is you")


class MfaConfirmIn(Strict):
    code: Code = Field(description="Six digits the authenticator app shows for the new secret")


class MfaDisableIn(Strict):
    password: Annotated[str, Field(max_length=1024)] = Field(description="The current password")
    code: Code = Field(description="Six digits from the authenticator app, or a recovery code")


class RefreshIn(Strict):
    refresh_token: Annotated[str, Field(max_length=4096)] = Field(
        description="The newest refresh token of the pair; it is spent, and presenting it again revokes the family"
    )


class LogoutIn(Strict):
    refresh_token: Annotated[str, Field(max_length=4096)] | None = Field(
        None, description="The session's refresh token, revoked with the access token; optional"
    )


class ProfileIn(Strict):
    full_name: FullName | None = Field(None, description="A new full name; omit it to keep the current one")
    timezone: (
        Annotated[str, Field(max_length=64, description="An IANA time zone name"), _rule(check_timezone)] | None
    ) = Field(None, description="An IANA time zone name (e.g. Europe/Berlin) the pages show times in; omit to keep")


class PasswordIn(Strict):
    current_password: Annotated[str, Field(max_length=1024)] = Field(description="The password in use now")
    new_password: Annotated[str, Field(min_length=12, max_length=128)] = Field(
        description="12 to 128 characters, not equal to the email; every other session is revoked"
    )


class OpenAccountIn(Strict):
    type: Literal["checking", "savings"] = Field(description="The account type: `checking` or `savings`")
    pin: Pin = Field(description="The new account's transaction PIN: 4 to 6 digits")
    currency: Annotated[str, Field(pattern=CURRENCY_PATTERN), _rule(check_currency)] = Field(
        "USD",
        description=f"An ISO 4217 code in capitals, one of {', '.join(sorted(CURRENCIES))}; transfers only go"
        " between accounts of one currency",
    )
    owner_id: Id | None = Field(None, description="Staff: the customer who will own the account; default yourself")


class PinChangeIn(Strict):
    current_pin: Pin = Field(description="The PIN in use now; a wrong one counts toward the PIN lock")
    new_pin: Pin = Field(description="The new PIN: 4 to 6 digits")


class DepositIn(Strict):
    amount_cents: AmountCents = Field(description="The cash paid in, in cents: 1 to 10^12")
    memo: Memo | None = Field(None, description=f"A note kept with the entry, at most {MAX_MEMO} characters")


class WithdrawalIn(Strict):
    amount_cents: AmountCents = Field(description="The cash paid out, in cents: 1 to 10^12")
    pin: Pin = Field(description="The account's transaction PIN")
    memo: Memo | None = Field(None, description=f"A note kept with the entry, at most {MAX_MEMO} characters")
    otp: Otp | None = Field(None, description=_STEP_UP)


class TransferIn(Strict):
    from_account_id: Id = Field(description="The id of the sending account (one of yours; staff: any)")
    to_account_number: Annotated[str, Field(pattern=ACCOUNT_NUMBER_PATTERN)] = Field(
        description="The receiving account's 10-digit number (check it with GET /api/v1/accounts/lookup)"
    )
    amount_cents: AmountCents = Field(description="The amount to send, in cents: 1 to 10^12")
    pin: Pin = Field(description="The sending account's transaction PIN")
    memo: Memo | None = Field(None, description=f"A note both sides see, at most {MAX_MEMO} characters")
    otp: Otp | None = Field(None, description=_STEP_UP)


class ReverseIn(Strict):
    reason: Memo | None = Field(
        None, description=f"Why the entry is reversed, kept with the reversal; at most {MAX_MEMO}"
    )


class RoleIn(Strict):
    role: Literal["customer", "teller", "admin"] = Field(
        description="The new role; granting `admin` waits for another admin's approval"
    )
    reason: Memo | None = Field(None, description=f"Why, for the audit log; at most {MAX_MEMO} characters")


class EmptyIn(Strict):
    """No member: send nothing, or `{}`."""


class ReasonIn(Strict):
    """Optionally, why (send nothing, `{}`, or `{"reason"}`): the audit record keeps it. The pages ask
    staff for one every time; a script may leave it out."""

    reason: Reason | None = Field(None, description="Why, for the audit log")


class CardChangeIn(Strict):
    """Why a card is cancelled or replaced: optional for the card's owner, required of staff acting on
    a customer's card. The audit record keeps it."""

    reason: CardReason | None = Field(
        None, description="Why, for the audit log: optional for the owner, required of staff on a customer's card"
    )


# Query strings arrive as text: these models coerce, but still bound every value.
class Query(BaseModel):
    model_config = ConfigDict(extra="ignore")


class HistoryQuery(Query):
    limit: Limit = 50
    cursor: Cursor | None = Field(None, description=_CURSOR)
    kind: Literal["deposit", "withdrawal", "transfer", "card_purchase", "reversal"] | None = Field(
        None, description="Only entries of this kind"
    )
    status: Literal["posted", "declined"] | None = Field(None, description="Only posted or only declined entries")
    from_: Annotated[date | None, Field(alias="from", description="Only entries on or after this UTC date")] = None
    to: date | None = Field(None, description="Only entries on or before this UTC date")


class PageQuery(Query):
    """Every list's paging (SPEC 5): ``limit`` 1 to 200 and the previous page's ``next_cursor``."""

    limit: Limit = 50
    cursor: Cursor | None = Field(None, description=_CURSOR)


class AccountsQuery(PageQuery):
    owner_id: Id | None = Field(None, description="Staff: the accounts of this user; default your own")


class LookupQuery(Query):
    number: Annotated[str, Field(pattern=ACCOUNT_NUMBER_PATTERN)] = Field(
        description="The 10-digit account number to check"
    )


class CustomersQuery(PageQuery):
    q: Annotated[str, Field(min_length=1, max_length=100)] = Field(
        description="Part of an email or name, or a whole account number"
    )


class UsersQuery(Query):
    locked: bool = Field(False, description="true: only users locked now (by failed logins or by an admin)")
    limit: Limit = 50
    cursor: Cursor | None = Field(None, description=_CURSOR)


class AuditQuery(Query):
    limit: Limit = 50
    cursor: Cursor | None = Field(None, description=_CURSOR)
    actor_id: Id | None = Field(None, description="Only records of this user's actions")
    action: Annotated[str, Field(max_length=64)] | None = Field(
        None, description="Only this action, e.g. `login` or `transfer`"
    )
    outcome: Literal["success", "failure", "denied", "declined"] | None = Field(
        None, description="Only records with this outcome"
    )
    resource_type: Annotated[str, Field(max_length=32)] | None = Field(
        None, description="Only records about this kind of resource, e.g. `account`"
    )
    resource_id: Annotated[str, Field(max_length=64)] | None = Field(
        None, description="Only records about the resource with this id"
    )


# Cards and statements (SPEC sections 5 and 6).
class CardPurchaseIn(Strict):
    amount_cents: AmountCents = Field(description="The price, in cents: 1 to 10^12")
    merchant: Merchant = Field(description=f"Who is paid, 1 to {MAX_MERCHANT} characters; {_TEXT}")
    pin: Pin = Field(description="The card's account's transaction PIN")


# Holds and limits (SPEC sections 13 and 14).
class AuthorizationIn(Strict):
    amount_cents: AmountCents = Field(description="The amount to hold, in cents: 1 to 10^12")
    merchant: Merchant = Field(description=f"Who asks for the hold, 1 to {MAX_MERCHANT} characters; {_TEXT}")
    pin: Pin = Field(description="The card's account's transaction PIN")


class StaffHoldIn(Strict):
    amount_cents: AmountCents = Field(description="The amount to hold, in cents: 1 to 10^12")
    reason: Annotated[
        str,
        Field(json_schema_extra=_lengths(1, MAX_MEMO)),
        _rule(lambda value: clean_text(value, "reason", MAX_MEMO, required=True)),
    ] = Field(description=f"Why the money is held, 1 to {MAX_MEMO} characters; {_TEXT}")
    expires_in_seconds: Annotated[int, Field(ge=1, le=MAX_HOLD_SECONDS)] | None = Field(
        None, description=f"When the hold ends by itself, in seconds from now (1 to {MAX_HOLD_SECONDS}); omit: never"
    )


class CaptureIn(Strict):
    amount_cents: Annotated[int, Field(ge=1, le=10**12)] | None = Field(
        None, description="The amount to take, in cents: 1 to the held amount; omit it to take all of it"
    )


class LimitIn(Strict):
    daily_limit_cents: Annotated[int, Field(ge=1, le=MAX_LIMIT_CENTS)] | None = Field(
        description="Money out allowed per UTC day, in cents (1 to 10^12), or null for no limit;"
        " the owner may only lower it"
    )


class HoldsQuery(Query):
    limit: Limit = 50
    cursor: Cursor | None = Field(None, description=_CURSOR)
    status: Literal["pending", "captured", "voided", "expired"] | None = Field(
        None, description="Only holds with this status; default all"
    )


class StatementQuery(Query):
    format: Literal["json", "csv"] = Field("json", description="`json`, or `csv` for a spreadsheet download")


# Events and webhooks (SPEC section 16).
class EventsQuery(Query):
    after: Annotated[int, Field(ge=0, le=2**63 - 1)] = Field(
        0, description="The previous page's `next_cursor`: events with a greater id; 0 for the first"
    )
    limit: Limit = 50
    type: Annotated[str, Field(max_length=64)] | None = Field(None, description="Only events of this type")


class WebhookIn(Strict):
    url: Annotated[str, Field(max_length=2048)] = Field(
        description="Where events are POSTed: https:// (http:// outside production), never a private address"
    )
    events: Annotated[list[str], Field(min_length=1, max_length=32)] = Field(
        description='The event types to send, e.g. ["transfer.posted"], or ["*"] for all'
    )
    description: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="A note for people: what the receiver is"
    )


class DeliveriesQuery(PageQuery):
    after: Annotated[int, Field(ge=0, le=2**63 - 1)] = Field(
        0, description="Attempts with a greater id (an attempt's `id`); `cursor` is the usual way to page"
    )


# Dual control (SPEC section 15).
class ApprovalsQuery(Query):
    limit: Limit = 50
    cursor: Cursor | None = Field(None, description=_CURSOR)
    status: Literal["pending", "approved", "rejected"] | None = Field(
        None, description="Only requests with this status; default all"
    )


class ApproveIn(Strict):
    reason: Memo | None = Field(None, description=f"An optional note with the approval; at most {MAX_MEMO}")


class RejectIn(Strict):
    reason: Annotated[
        str,
        Field(json_schema_extra=_lengths(1, MAX_MEMO)),
        _rule(lambda value: clean_text(value, "reason", MAX_MEMO, required=True)),
    ] = Field(description=f"Why the request is rejected, 1 to {MAX_MEMO} characters; {_TEXT}")
