"""Holds (SPEC section 13): money reserved on an account without moving it, as a card
authorisation before the merchant captures it, or as a staff lien. And the daily limits of
section 14. Rules only: no I/O."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from entities.clock import iso
from entities.errors import DomainError, HoldNotPending, LimitExceeded, NotCapturable, ValidationFailed
from entities.money import format_cents

MAX_HOLD_SECONDS = 31_536_000  # a staff hold's expires_in_seconds: at most a year
MAX_LIMIT_CENTS = 10**12
# The running totals of section 14 (daily_totals.scope)
ACCOUNT_OUT = "account_out"  # money out of an account per UTC day
USER_DEPOSIT = "user_deposit"  # a customer's self-service cash deposits per UTC day


class HoldKind(enum.StrEnum):
    CARD_AUTHORIZATION = "card_authorization"
    STAFF_HOLD = "staff_hold"


class HoldStatus(enum.StrEnum):
    PENDING = "pending"
    CAPTURED = "captured"
    VOIDED = "voided"
    EXPIRED = "expired"


@dataclass
class Hold:
    id: int | None
    account_id: int
    kind: HoldKind
    amount_cents: int
    status: HoldStatus = HoldStatus.PENDING
    card_id: int | None = None
    captured_cents: int = 0
    merchant: str | None = None
    reason: str | None = None
    expires_at: str | None = None
    counted_day: str | None = None  # the UTC day whose money-out total counts this authorisation
    actor_id: int | None = None
    created_at: str = ""
    closed_at: str | None = None
    entry_id: int | None = None  # the capture's journal entry

    def expired_at(self, now: str) -> bool:
        """Pending in the table but past its expiry: from that instant it reserves nothing."""
        return self.status == HoldStatus.PENDING and self.expires_at is not None and self.expires_at <= now

    def seen_at(self, now: str) -> Hold:
        """The hold as a reader sees it at ``now`` (an expiry is evaluated lazily)."""
        if self.expired_at(now):
            return Hold(**{**self.__dict__, "status": HoldStatus.EXPIRED, "closed_at": self.expires_at})
        return self

    @property
    def is_card(self) -> bool:
        return self.kind == HoldKind.CARD_AUTHORIZATION

    def check_capture(self, amount_cents: int | None) -> int:
        """What a capture of ``amount_cents`` (None: all of it) takes; raises if it cannot."""
        if not self.is_card:
            raise NotCapturable()
        if self.status != HoldStatus.PENDING:
            raise HoldNotPending()
        if amount_cents is None:
            return self.amount_cents
        if amount_cents > self.amount_cents:
            raise ValidationFailed(
                errors=[{"field": "amount_cents", "message": f"must be at most the held {self.amount_cents}"}]
            )
        return amount_cents

    def check_void(self) -> None:
        if self.status != HoldStatus.PENDING:
            raise HoldNotPending()


def expiry(moment: datetime, seconds: int | None) -> str | None:
    return None if seconds is None else iso(moment + timedelta(seconds=seconds))


def check_expires_in(seconds) -> int | None:
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 1 <= seconds <= MAX_HOLD_SECONDS:
        raise ValidationFailed(
            errors=[{"field": "expires_in_seconds", "message": f"must be an integer from 1 to {MAX_HOLD_SECONDS}"}]
        )
    return seconds


def check_limit_value(value) -> int | None:
    """A daily limit: an integer 1 … 10^12, or None (no limit)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT_CENTS:
        raise ValidationFailed(
            errors=[{"field": "daily_limit_cents", "message": "must be an integer from 1 to 10^12, or null"}]
        )
    return value


def is_raise(current: int | None, wanted: int | None) -> bool:
    """Would ``wanted`` allow more than ``current``? (None is no limit at all.)"""
    if wanted is None:
        return current is not None
    return current is not None and wanted > current


def limit_error(limit: int | None, used: int, amount_cents: int, currency: str = "USD") -> DomainError | None:
    """The decline an operation of ``amount_cents`` earns against a daily ``limit`` of which
    ``used`` is spent today, or None."""
    if limit is None:
        return None
    remaining = max(limit - used, 0)
    if amount_cents > remaining:
        return LimitExceeded(
            f"Over today's limit: {format_cents(remaining, currency)} of {format_cents(limit, currency)} left",
            limit_remaining_cents=remaining,
        )
    return None
