"""Money rules: integer minor units only, never float."""

from __future__ import annotations

import re

from entities.errors import ValidationFailed

MIN_AMOUNT_CENTS = 1
MAX_AMOUNT_CENTS = 10**12
# 11 whole digits reach MAX_AMOUNT_CENTS (10**12 cents = 10,000,000,000.00); check_amount_cents bounds it.
_DECIMAL = re.compile(r"^\s*(\d{1,11})(?:\.(\d{1,2}))?\s*$")


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
    """Parse a form amount such as "12.50" into cents exactly (no float)."""
    match = _DECIMAL.match((text or "").replace(",", ""))
    if not match:
        raise ValidationFailed(
            errors=[{"field": field, "message": "enter an amount such as 12.50 (at most two decimals)"}]
        )
    whole, frac = match.group(1), (match.group(2) or "").ljust(2, "0")
    return check_amount_cents(int(whole) * 100 + int(frac), field)


def format_cents(cents: int, currency: str = "USD") -> str:
    """12345 -> "$123.45"; negative amounts as "-$1.00"."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency, "")
    suffix = "" if symbol else f" {currency}"
    return f"{sign}{symbol}{whole:,}.{frac:02d}{suffix}"
