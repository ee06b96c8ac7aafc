"""Double-entry journal entries. A posted entry's postings always sum to zero.

Sign convention: a posting's amount is added to its account's balance
(credit positive, debit negative); system accounts may go negative, customer
accounts never."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from entities.accounts import Account


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
