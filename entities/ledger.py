"""Double-entry journal entries. A posted entry's postings always sum to zero.

Sign convention: a posting's amount is added to its account's balance
(credit positive, debit negative); system accounts may go negative, customer
accounts never."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from entities.accounts import Account
from entities.errors import AccountUnavailable, DomainError, InsufficientFunds
from entities.money import format_cents


class EntryKind(enum.StrEnum):
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"
    TRANSFER = "transfer"
    CARD_PURCHASE = "card_purchase"
    REVERSAL = "reversal"


class EntryStatus(enum.StrEnum):
    POSTED = "posted"
    DECLINED = "declined"


class UnbalancedEntry(ValueError):
    pass


@dataclass
class Posting:
    account_id: int
    amount_cents: int
    balance_after_cents: int = 0
    id: int | None = None


@dataclass
class JournalEntry:
    kind: EntryKind
    status: EntryStatus
    amount_cents: int
    currency: str
    memo: str | None = None
    decline_reason: str | None = None
    account_id: int | None = None  # the customer account the operation was made on
    counterparty_account_id: int | None = None
    reverses_entry_id: int | None = None
    actor_id: int | None = None
    postings: list[Posting] = field(default_factory=list)
    hold_id: int | None = None  # the hold a card purchase captured (SPEC section 13)
    id: int | None = None
    created_at: str = ""

    def check_balanced(self) -> None:
        if self.status == EntryStatus.POSTED:
            if len(self.postings) < 2 or sum(p.amount_cents for p in self.postings) != 0:
                raise UnbalancedEntry("postings must be two or more and sum to zero")
            if any(p.amount_cents == 0 for p in self.postings):
                raise UnbalancedEntry("postings must be non-zero")
        elif self.postings:
            raise UnbalancedEntry("a declined entry posts nothing")


def post_between(
    kind: EntryKind,
    debit: Account,
    credit: Account,
    amount_cents: int,
    *,
    memo: str | None,
    account_id: int | None,
    counterparty_id: int | None,
    actor_id: int | None,
    reverses_entry_id: int | None = None,
) -> JournalEntry:
    """Move ``amount_cents`` from ``debit`` to ``credit``, updating both balances."""
    debit.balance_cents -= amount_cents
    credit.balance_cents += amount_cents
    entry = JournalEntry(
        kind=kind,
        status=EntryStatus.POSTED,
        amount_cents=amount_cents,
        currency=credit.currency,
        memo=memo,
        account_id=account_id,
        counterparty_account_id=counterparty_id,
        reverses_entry_id=reverses_entry_id,
        actor_id=actor_id,
        postings=[
            Posting(debit.id, -amount_cents, debit.balance_cents),
            Posting(credit.id, amount_cents, credit.balance_cents),
        ],
    )
    entry.check_balanced()
    return entry


def declined(
    kind: EntryKind,
    amount_cents: int,
    currency: str,
    reason: str,
    *,
    memo: str | None,
    account_id: int | None,
    counterparty_id: int | None,
    actor_id: int | None,
    reverses_entry_id: int | None = None,
) -> JournalEntry:
    return JournalEntry(
        kind=kind,
        status=EntryStatus.DECLINED,
        amount_cents=amount_cents,
        currency=currency,
        memo=memo,
        decline_reason=reason,
        account_id=account_id,
        counterparty_account_id=counterparty_id,
        reverses_entry_id=reverses_entry_id,
        actor_id=actor_id,
    )


@dataclass
class Movement:
    """One money movement a use case asks for: ``amount_cents`` from ``debit`` to ``credit``, made on
    the customer account ``on_account`` (whose PIN, if one is given, authorises it). The rule that
    declines it lives here; the ledger service checks the PIN, posts or records the decline."""

    kind: EntryKind
    debit: Account
    credit: Account
    amount_cents: int
    on_account: Account
    actor_id: int | None
    memo: str | None = None
    pin: str | None = None
    reverses: int | None = None
    declined_for: DomainError | None = None  # a decline the caller already decided on (a frozen card)
    details: dict = field(default_factory=dict)  # extra audit details (the card)
    reason: str | None = None  # why staff made it (a reversal's reason), for the audit record
    hold_id: int | None = None  # the hold this movement captures (SPEC section 13)
    preauthorised: bool = False  # a capture: its authorisation was checked, reserved and counted
    otp: str | None = None  # step-up (SPEC section 15): a code from the actor's second factor

    @property
    def counts_out(self) -> bool:
        """Money out of a customer account toward its daily limit (SPEC section 14): withdrawals,
        transfers out, card purchases and authorisations; a capture was counted as its authorisation."""
        return self.kind in _MONEY_OUT and not self.debit.is_system and not self.preauthorised

    @property
    def counterparty_id(self) -> int | None:
        """The other customer account, if any (a system account is never named)."""
        other = self.credit if self.on_account is self.debit else self.debit
        return None if other.is_system else other.id

    def decline(self) -> DomainError | None:
        """Why the accounts refuse this movement now (after the PIN), or None. A frozen account takes
        no money in or out, except a teller's reversal; a closed one takes nothing; a customer debit
        needs the funds."""
        customer_accounts = [a for a in (self.debit, self.credit) if not a.is_system]
        if self.kind != EntryKind.REVERSAL and any(not a.is_active for a in customer_accounts):
            return AccountUnavailable()
        if self.kind == EntryKind.REVERSAL and any(a.status == "closed" for a in customer_accounts):
            return AccountUnavailable()
        if not self.debit.is_system and self.debit.available_cents < self.amount_cents:
            available = self.debit.available_cents
            return InsufficientFunds(
                f"Insufficient funds: {format_cents(available, self.debit.currency)} available",
                available_cents=available,
            )
        return None

    def post(self) -> JournalEntry:
        """The posted entry, with both balances moved."""
        entry = post_between(
            self.kind,
            self.debit,
            self.credit,
            self.amount_cents,
            memo=self.memo,
            account_id=self.on_account.id,
            counterparty_id=self.counterparty_id,
            actor_id=self.actor_id,
            reverses_entry_id=self.reverses,
        )
        entry.hold_id = self.hold_id
        return entry

    def declined(self, error: DomainError) -> JournalEntry:
        """The declined entry that records ``error`` and moves nothing."""
        return declined(
            self.kind,
            self.amount_cents,
            self.on_account.currency,
            error.code,
            memo=self.memo,
            account_id=self.on_account.id,
            counterparty_id=self.counterparty_id,
            actor_id=self.actor_id,
            reverses_entry_id=self.reverses,
        )


_MONEY_OUT = frozenset({EntryKind.WITHDRAWAL, EntryKind.TRANSFER, EntryKind.CARD_PURCHASE})


@dataclass
class HistoryItem:
    id: int | None
    entry_id: int
    kind: str
    status: str
    amount_cents: int
    balance_after_cents: int | None
    counterparty: str | None
    memo: str | None
    created_at: str
