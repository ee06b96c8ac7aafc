"""Accounts: numbers with a Luhn check digit, statuses, PIN format."""

from __future__ import annotations

import enum
import re
import secrets
from dataclasses import dataclass

from entities.errors import ValidationFailed

MAX_PIN_FAILURES = 3
_PIN = re.compile(r"[0-9]{4,6}")  # ASCII digits only, matched whole (no trailing newline)
CURRENCIES = frozenset({"USD", "EUR", "GBP", "CHF", "CAD", "JPY"})


class AccountType(enum.StrEnum):
    CHECKING = "checking"
    SAVINGS = "savings"
    SYSTEM = "system"


class AccountStatus(enum.StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"
    CLOSED = "closed"


class SystemAccount(enum.StrEnum):
    CASH_VAULT = "cash-vault"
    CARD_SETTLEMENT = "card-settlement"


@dataclass
class Account:
    id: int | None
    number: str
    owner_id: int | None
    type: AccountType
    currency: str
    balance_cents: int = 0
    status: AccountStatus = AccountStatus.ACTIVE
    pin_hash: str | None = None
    pin_salt: str | None = None
    pin_failures: int = 0
    pin_locked: bool = False
    system_code: str | None = None
    created_at: str = ""
    held_cents: int = 0  # the sum of pending holds that have not expired (SPEC section 13)
    # Holds past their expiry that no write has closed yet: the stored held_cents still counts them.
    expired_held_cents: int = 0
    daily_limit_cents: int | None = None  # money out per UTC day; None: no limit (section 14)

    @property
    def available_cents(self) -> int:
        """What withdrawals, transfers, purchases and new holds may take: the balance less the holds."""
        return self.balance_cents - self.held_cents

    @property
    def is_active(self) -> bool:
        return self.status == AccountStatus.ACTIVE

    @property
    def is_system(self) -> bool:
        return self.type == AccountType.SYSTEM

    @property
    def label(self) -> str:
        """The account in words, its number masked: "Checking ···4821"."""
        return f"{str(self.type).capitalize()} ···{self.number[-4:]}"

    def is_owned_by(self, user_id: int | None) -> bool:
        """The user holds this account (system accounts belong to nobody)."""
        return user_id is not None and not self.is_system and self.owner_id == user_id


def luhn_check_digit(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:  # these get doubled once the check digit is appended
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return number.isdigit() and len(number) > 1 and luhn_check_digit(number[:-1]) == number[-1]


def random_luhn_number(length: int, first_digit_nonzero: bool = True) -> str:
    body = "".join(str(secrets.randbelow(10)) for _ in range(length - 1))
    if first_digit_nonzero and body[0] == "0":
        body = str(secrets.randbelow(9) + 1) + body[1:]
    return body + luhn_check_digit(body)


def new_account_number() -> str:
    """10 digits, the last a Luhn check digit, unpredictable (from ``secrets``)."""
    return random_luhn_number(10)


def check_pin_format(pin, field: str = "pin") -> str:
    if not isinstance(pin, str) or not _PIN.fullmatch(pin):
        raise ValidationFailed(errors=[{"field": field, "message": "must be 4 to 6 digits"}])
    return pin


def check_currency(currency) -> str:
    if currency not in CURRENCIES:
        raise ValidationFailed(errors=[{"field": "currency", "message": "unsupported currency"}])
    return currency
