"""Statement CSV cells, shared by the API's download (for programs) and the statement page's (for
people): amounts as exact decimals, text that a spreadsheet never runs as a formula, one file name."""

from __future__ import annotations


def decimal_text(cents: int) -> str:
    """An exact decimal a spreadsheet reads as a number ("-12.50"); the currency is said elsewhere."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"


def safe_cell(value: str | None) -> str:
    """Text from other people (a memo, a merchant, a name): a cell starting with = + - @ would run as a
    formula in a spreadsheet, so it gets a leading apostrophe."""
    text = value or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def statement_filename(statement, extension: str = "csv") -> str:
    return f"statement-{statement.account_number}-{statement.month}.{extension}"
