"""Money rules: integer minor units only, never float."""

from __future__ import annotations

import re

from entities.errors import ValidationFailed

MIN_AMOUNT_CENTS = 1
MAX_AMOUNT_CENTS = 10**12
# A web amount (SPEC section 4): ASCII digits only, an optional leading "$", thousands separators
# only in groups of three, at most two decimals after a point. Anything else is refused, never guessed.
_AMOUNT = re.compile(r"\$?(?P<whole>[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.(?P<cents>[0-9]{1,2}))?", re.ASCII)
_TOO_PRECISE = re.compile(r"\$?(?:[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+)\.[0-9]{3,}", re.ASCII)
_MONEY_FORM = "enter an amount such as 12.50 or 1,234.50"
_MAX_WHOLE_DIGITS = len(str(MAX_AMOUNT_CENTS // 100))


def check_amount_cents(value, field: str = "amount_cents") -> int:
    """Accept only a true int (not bool) within 1..10**12."""
    if type(value) is not int:
        raise ValidationFailed(errors=[{"field": field, "message": "must be an integer number of cents"}])
    if not MIN_AMOUNT_CENTS <= value <= MAX_AMOUNT_CENTS:
        raise ValidationFailed(
            errors=[{"field": field, "message": f"must be between {MIN_AMOUNT_CENTS} and {MAX_AMOUNT_CENTS}"}]
        )
    return value


def parse_decimal_amount(text: str | None, field: str = "amount") -> int:
    """Parse a form amount such as "12.50" or "$1,234.50" into cents exactly (never through float)."""
    raw = (text or "").strip(" \t")
    match = _AMOUNT.fullmatch(raw)
    if match is None:
        if _TOO_PRECISE.fullmatch(raw):
            raise ValidationFailed(errors=[{"field": field, "message": "at most two decimals after the point"}])
        if "," in raw:
            message = f"{_MONEY_FORM}: commas only between groups of three digits, a point before the cents"
        else:
            message = _MONEY_FORM
        raise ValidationFailed(errors=[{"field": field, "message": message}])
    whole = match["whole"].replace(",", "").lstrip("0") or "0"
    cents = (match["cents"] or "").ljust(2, "0")
    # Compare digit counts first: int() of a 5,000-digit string would itself raise.
    amount_cents = int(whole + cents) if len(whole) <= _MAX_WHOLE_DIGITS else MAX_AMOUNT_CENTS + 1
    # The bounds without a currency sign: the same form serves dollar, euro and pound accounts.
    if amount_cents < MIN_AMOUNT_CENTS:
        raise ValidationFailed(errors=[{"field": field, "message": f"must be at least {_plain(MIN_AMOUNT_CENTS)}"}])
    if amount_cents > MAX_AMOUNT_CENTS:
        raise ValidationFailed(errors=[{"field": field, "message": f"must be at most {_plain(MAX_AMOUNT_CENTS)}"}])
    return amount_cents


def _plain(cents: int) -> str:
    """12345 -> "123.45": an amount in no particular currency."""
    whole, frac = divmod(cents, 100)
    return f"{whole:,}.{frac:02d}"


def format_cents(cents: int, currency: str = "USD") -> str:
    """12345 -> "$123.45"; negative amounts as "-$1.00"."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency, "")
    suffix = "" if symbol else f" {currency}"
    return f"{sign}{symbol}{whole:,}.{frac:02d}{suffix}"
