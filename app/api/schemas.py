"""Strict request models (pydantic): booleans, floats, strings-for-numbers and unknown
fields are refused. Their JSON Schemas also build /api/v1/openapi.json."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

AmountCents = Annotated[int, Field(ge=1, le=10**12, description="Integer minor units, 1 to 10^12")]
Pin = Annotated[str, Field(pattern=r"^[0-9]{4,6}$", description="4 to 6 ASCII digits")]
Memo = Annotated[str, Field(max_length=140)]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class RegisterIn(Strict):
    email: Annotated[str, Field(max_length=254)]
    password: Annotated[str, Field(min_length=12, max_length=128)]
    full_name: Annotated[str, Field(min_length=1, max_length=100)]


class LoginIn(Strict):
    email: Annotated[str, Field(max_length=254)]
    password: Annotated[str, Field(max_length=1024)]


class RefreshIn(Strict):
    refresh_token: Annotated[str, Field(max_length=4096)]


class LogoutIn(Strict):
    refresh_token: Annotated[str, Field(max_length=4096)] | None = None


class ProfileIn(Strict):
    full_name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    timezone: Annotated[str, Field(max_length=64)] | None = None


class PasswordIn(Strict):
    current_password: Annotated[str, Field(max_length=1024)]
    new_password: Annotated[str, Field(min_length=12, max_length=128)]


class OpenAccountIn(Strict):
    type: Literal["checking", "savings"]
    pin: Pin
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
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


class TransferIn(Strict):
    from_account_id: Id
    to_account_number: Annotated[str, Field(pattern=r"^[0-9]{10}$")]
    amount_cents: AmountCents
    pin: Pin
    memo: Memo | None = None


class ReverseIn(Strict):
    reason: Memo | None = None


class RoleIn(Strict):
    role: Literal["customer", "teller", "admin"]


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
    number: Annotated[str, Field(pattern=r"^[0-9]{10}$")]


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
    merchant: Annotated[str, Field(min_length=1, max_length=100)]
    pin: Pin


class StatementQuery(Query):
    format: Literal["json", "csv"] = "json"
