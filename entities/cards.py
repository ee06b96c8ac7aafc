"""Debit cards: PAN, CVV and expiry generation, masking, status rules.

The PAN and CVV only ever exist in clear inside an ``IssuedCard`` (the answer to
the issue request); a stored ``Card`` holds them as ciphertext plus the last four
digits for display."""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass, field
from datetime import date

from entities.accounts import random_luhn_number
from entities.errors import CardCancelled, CardFrozen, DomainError
from entities.text import clean_text

PAN_LENGTH = 16
CVV_LENGTH = 3
EXPIRY_YEARS = 4
MAX_MERCHANT = 100
MASK = "•••• •••• ••••"


class CardStatus(enum.StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"
    # Final (cancel, or the old card of a replace): a cancelled card no longer counts as the
    # account's one card (see the partial unique index in 0002_cards.sql) and is never used again.
    CANCELLED = "cancelled"


@dataclass
class Card:
    id: int | None
    account_id: int
    pan_last4: str
    expiry_month: int
    expiry_year: int
    status: CardStatus = CardStatus.ACTIVE
    created_at: str = ""
    # A Fernet token: never serialised, never logged (kept out of repr). The CVV has no field:
    # it is never stored, not even encrypted (PCI DSS v4 3.3.1.2); only IssuedCard carries it, once.
    pan_encrypted: str = field(default="", repr=False)

    @property
    def masked_pan(self) -> str:
        return mask_pan(self.pan_last4)

    @property
    def is_frozen(self) -> bool:
        return self.status == CardStatus.FROZEN

    @property
    def is_cancelled(self) -> bool:
        return self.status == CardStatus.CANCELLED

    def payment_refusal(self) -> DomainError | None:
        """Why the card itself refuses a purchase or an authorisation, or None: the card is refused
        before the holder (its PIN) is asked."""
        if self.is_cancelled:
            return CardCancelled("Card is cancelled: payments with it are declined")
        if self.is_frozen:
            return CardFrozen()
        return None


@dataclass
class IssuedCard:
    """A freshly issued card with its secrets in clear: shown to the holder once."""

    card: Card
    pan: str = field(repr=False)
    cvv: str = field(repr=False)


def new_pan() -> str:
    """16 digits from ``secrets``, the last a Luhn check digit."""
    return random_luhn_number(PAN_LENGTH)


def new_cvv() -> str:
    return f"{secrets.randbelow(10**CVV_LENGTH):0{CVV_LENGTH}d}"


def expiry_from(today: date) -> tuple[int, int]:
    """(month, year): valid through the end of the issue month, four years on."""
    return today.month, today.year + EXPIRY_YEARS


def mask_pan(last4: str) -> str:
    return f"{MASK} {last4}"


def check_merchant(merchant) -> str:
    """Free text (SPEC section 2): 1 to 100 characters after trimming, nothing hidden."""
    return clean_text(merchant, "merchant", MAX_MERCHANT)
