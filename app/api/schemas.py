"""Strict request models (pydantic): booleans, floats, strings-for-numbers and unknown
fields are refused. Their JSON Schemas also build /api/v1/openapi.json."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from entities.cards import MAX_MERCHANT, check_merchant
from entities.errors import ValidationFailed
from entities.holds import MAX_HOLD_SECONDS, MAX_LIMIT_CENTS
from entities.text import clean_text
from entities.users import MAX_FULL_NAME, check_password, check_timezone, clean_full_name
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


class RegisterIn(Strict):
    email: Email
    password: Annotated[str, Field(min_length=12, max_length=128, description="12 to 128 characters, not the email")]
    full_name: FullName

    @field_validator("password")
    @classmethod
    def _not_the_email(cls, password: str, info: ValidationInfo) -> str:
        # Fields validate in order: the email is in info.data only when it was valid.
        try:
            return check_password(password, info.data.get("email"))
        except ValidationFailed as error:
            raise _refusal(error) from None


class LoginIn(Strict):
    email: Annotated[str, Field(max_length=254)]
    password: Annotated[str, Field(max_length=1024)]


class MfaLoginIn(Strict):
    mfa_token: Annotated[str, Field(max_length=256)]
    code: Code


class MfaEnrolIn(Strict):
    password: Annotated[str, Field(max_length=1024)]


class MfaConfirmIn(Strict):
    code: Code


class MfaDisableIn(Strict):
    password: Annotated[str, Field(max_length=1024)]
    code: Code


class RefreshIn(Strict):
    refresh_token: Annotated[str, Field(max_length=4096)]


class LogoutIn(Strict):
    refresh_token: Annotated[str, Field(max_length=4096)] | None = None


class ProfileIn(Strict):
    full_name: FullName | None = None
    timezone: (
        Annotated[str, Field(max_length=64, description="An IANA time zone name"), _rule(check_timezone)] | None
    ) = None


class PasswordIn(Strict):
    current_password: Annotated[str, Field(max_length=1024)]
    new_password: Annotated[str, Field(min_length=12, max_length=128)]


class OpenAccountIn(Strict):
    type: Literal["checking", "savings"]
    pin: Pin
    currency: Annotated[str, Field(pattern=CURRENCY_PATTERN)] = "USD"
    owner_id: Id | None = None


class PinChangeIn(Strict):
    current_pin: Pin
    new_pin: Pin


class DepositIn(Strict):
    amount_cents: AmountCents
    memo: Memo | None = None


class WithdrawalIn(Strict):
    amount_cents: AmountCents
    pin: Pin
    memo: Memo | None = None
    otp: Otp | None = None


class TransferIn(Strict):
    from_account_id: Id
    to_account_number: Annotated[str, Field(pattern=ACCOUNT_NUMBER_PATTERN)]
    amount_cents: AmountCents
    pin: Pin
    memo: Memo | None = None
    otp: Otp | None = None


class ReverseIn(Strict):
    reason: Memo | None = None


class RoleIn(Strict):
    role: Literal["customer", "teller", "admin"]
    reason: Memo | None = None


class EmptyIn(Strict):
    pass


# Query strings arrive as text: these models coerce, but still bound every value.
class Query(BaseModel):
    model_config = ConfigDict(extra="ignore")


class HistoryQuery(Query):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=64)] | None = None
    kind: Literal["deposit", "withdrawal", "transfer", "card_purchase", "reversal"] | None = None
    status: Literal["posted", "declined"] | None = None
    from_: Annotated[date | None, Field(alias="from")] = None
    to: date | None = None


class AccountsQuery(Query):
    owner_id: Id | None = None


class LookupQuery(Query):
    number: Annotated[str, Field(pattern=ACCOUNT_NUMBER_PATTERN)]


class CustomersQuery(Query):
    q: Annotated[str, Field(min_length=1, max_length=100)]


class UsersQuery(Query):
    locked: bool = False
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=64)] | None = None


class AuditQuery(Query):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=64)] | None = None
    actor_id: Id | None = None
    action: Annotated[str, Field(max_length=64)] | None = None
    outcome: Literal["success", "failure", "denied", "declined"] | None = None
    resource_type: Annotated[str, Field(max_length=32)] | None = None
    resource_id: Annotated[str, Field(max_length=64)] | None = None


# Cards and statements (SPEC sections 5 and 6).
class CardPurchaseIn(Strict):
    amount_cents: AmountCents
    merchant: Merchant
    pin: Pin


# Holds and limits (SPEC sections 13 and 14).
class AuthorizationIn(Strict):
    amount_cents: AmountCents
    merchant: Merchant
    pin: Pin


class StaffHoldIn(Strict):
    amount_cents: AmountCents
    reason: Annotated[
        str,
        Field(description=f"1 to {MAX_MEMO} characters; {_TEXT}", json_schema_extra=_lengths(1, MAX_MEMO)),
        _rule(lambda value: clean_text(value, "reason", MAX_MEMO, required=True)),
    ]
    expires_in_seconds: Annotated[int, Field(ge=1, le=MAX_HOLD_SECONDS)] | None = None


class CaptureIn(Strict):
    amount_cents: Annotated[int, Field(ge=1, le=10**12, description="1 to the held amount; default all")] | None = None


class LimitIn(Strict):
    daily_limit_cents: Annotated[int, Field(ge=1, le=MAX_LIMIT_CENTS, description="null: no limit")] | None


class HoldsQuery(Query):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=64)] | None = None
    status: Literal["pending", "captured", "voided", "expired"] | None = None


class StatementQuery(Query):
    format: Literal["json", "csv"] = "json"


# Events and webhooks (SPEC section 16).
class EventsQuery(Query):
    after: Annotated[int, Field(ge=0, le=2**63 - 1, description="The previous page's next_cursor")] = 0
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    type: Annotated[str, Field(max_length=64, description="One event type")] | None = None


class WebhookIn(Strict):
    url: Annotated[str, Field(max_length=2048, description="https:// (http:// outside production); a public address")]
    events: Annotated[list[str], Field(min_length=1, max_length=32, description='Event types, or ["*"]')]
    description: Annotated[str, Field(max_length=200)] | None = None


class DeliveriesQuery(Query):
    after: Annotated[int, Field(ge=0, le=2**63 - 1, description="The previous page's next_cursor")] = 0
    limit: Annotated[int, Field(ge=1, le=200)] = 50


# Dual control (SPEC section 15).
class ApprovalsQuery(Query):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=64)] | None = None
    status: Literal["pending", "approved", "rejected"] | None = None


class ApproveIn(Strict):
    reason: Memo | None = None


class RejectIn(Strict):
    reason: Annotated[
        str,
        Field(description=f"1 to {MAX_MEMO} characters; {_TEXT}", json_schema_extra=_lengths(1, MAX_MEMO)),
        _rule(lambda value: clean_text(value, "reason", MAX_MEMO, required=True)),
    ]
