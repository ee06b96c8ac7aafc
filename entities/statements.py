"""Monthly statements: month parsing and bounds, lines, totals.

Months are calendar months in UTC, the time zone every ledger timestamp is kept
in. A statement's closing balance is the balance after its last line (the
stored truth), so the opening balance of month N+1, the balance after the last
posting before it, is by construction the closing balance of month N."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from entities.errors import ValidationFailed
from entities.ledger import EntryKind, HistoryItem

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")  # ASCII digits only, matched whole
MIN_YEAR = 1970
CREDIT_KINDS = frozenset({EntryKind.DEPOSIT})


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    @property
    def start_iso(self) -> str:
        """The first instant of the month, in the ledger's timestamp format."""
        return f"{self}-01T00:00:00.000000Z"

    @property
    def end_iso(self) -> str:
        """The first instant of the next month (exclusive bound)."""
        return self.next().start_iso


def parse_month(text, today: date) -> Month:
    """``YYYY-MM`` for a month that has started (the current month included)."""
    match = _MONTH.fullmatch(text) if isinstance(text, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise ValidationFailed(errors=[{"field": "month", "message": "must be a month as YYYY-MM"}])
    month = Month(int(match.group(1)), int(match.group(2)))
    if month.year < MIN_YEAR:
        raise ValidationFailed(errors=[{"field": "month", "message": f"must be {MIN_YEAR}-01 or later"}])
    if (month.year, month.month) > (today.year, today.month):
        raise ValidationFailed(errors=[{"field": "month", "message": "must not be after the current month"}])
    return month


def signed_declined_amount(kind: str, amount_cents: int) -> int:
    """A declined operation's amount from its account's side (what it would have moved)."""
    return amount_cents if kind in CREDIT_KINDS else -amount_cents


@dataclass
class DeclinedLine:
    entry_id: int
    kind: str
    amount_cents: int
    counterparty: str | None
    memo: str | None
    decline_reason: str
    created_at: str


@dataclass
class Statement:
    account_id: int
    account_number: str
    currency: str
    month: Month
    opening_balance_cents: int
    lines: list[HistoryItem] = field(default_factory=list)
    declined: list[DeclinedLine] = field(default_factory=list)

    @property
    def closing_balance_cents(self) -> int:
        return self.lines[-1].balance_after_cents if self.lines else self.opening_balance_cents

    @property
    def total_credits_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines if line.amount_cents > 0)

    @property
    def total_debits_cents(self) -> int:
        """Money out of the account, as a positive number."""
        return -sum(line.amount_cents for line in self.lines if line.amount_cents < 0)

    @property
    def count(self) -> int:
        return len(self.lines)


def months_since(created_at: str, today: date) -> list[Month]:
    """Every month from the one ``created_at`` (ISO) falls in to the current one, newest first."""
    first = Month(int(created_at[:4]), int(created_at[5:7])) if created_at else Month(today.year, today.month)
    month, months = Month(today.year, today.month), []
    while (month.year, month.month) >= (first.year, first.month):
        months.append(month)
        month = month.previous()
    return months
