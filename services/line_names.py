"""Words, not ledger codes (SPEC section 10): what a history or statement line says it was.

A line names its other side ("To Bob B.", "From Dana S.", "To your Savings ···1234"), says
"Cash deposit" or "Cash withdrawal" rather than naming the vault, shows a card purchase by its
merchant, and a reversal by what it reversed. A system account's code or a bare account number
never becomes a description."""

from __future__ import annotations

import re
from dataclasses import dataclass

from entities.accounts import Account, SystemAccount
from entities.ledger import EntryKind
from entities.users import mask_holder

_REVERSAL_MEMO = re.compile(r"^Reversal of #(\d+)(?::\s*(.*))?$", re.DOTALL)
_KIND_LABELS = {
    EntryKind.DEPOSIT: "Cash deposit",
    EntryKind.WITHDRAWAL: "Cash withdrawal",
    EntryKind.TRANSFER: "Transfer",
    EntryKind.CARD_PURCHASE: "Card purchase",
    EntryKind.REVERSAL: "Reversal",
}


@dataclass(frozen=True)
class LineName:
    """``title`` is the line's description; ``kind`` a short label under it; ``note`` the memo to show
    (None when the title already says it, e.g. a card purchase's merchant)."""

    title: str
    kind: str
    note: str | None = None


class LineNamer:
    """Names the lines of one account, as seen by ``viewer_id`` (the holder says "your Savings")."""

    def __init__(self, uow, account: Account, viewer_id: int | None):
        self.uow = uow
        self.account = account
        self.viewer_id = viewer_id
        self._parties: dict[str, str] = {}

    def name(self, item) -> LineName:
        kind = str(item.kind)
        label = _KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())
        if kind == EntryKind.REVERSAL:
            return self._reversal(item, label)
        if kind == EntryKind.CARD_PURCHASE:
            return LineName(item.memo or "Card purchase", label)
        if kind == EntryKind.TRANSFER:
            return LineName(self._direction(item.amount_cents, item.counterparty), label, item.memo)
        note = item.memo if item.memo and item.memo != label else None  # a memo that repeats the title
        return LineName(label, "", note)  # "Cash deposit" says it all

    def _direction(self, amount_cents: int, number: str | None) -> str:
        party = self.party(number)
        if party is None:
            return "Transfer out" if amount_cents < 0 else "Transfer in"
        return f"To {party}" if amount_cents < 0 else f"From {party}"

    def party(self, number: str | None) -> str | None:
        """The other side in words: "Bob B.", "your Savings ···1234"; None for a system account."""
        if not number or number in set(SystemAccount):
            return None
        if number not in self._parties:
            self._parties[number] = self._look_up(number)
        return self._parties[number]

    def _look_up(self, number: str) -> str:
        other = self.uow.accounts.by_number(number)
        if other is None or other.is_system:
            return "another account"
        if other.owner_id == self.account.owner_id:
            return f"your {other.label}" if self.viewer_id == other.owner_id else f"their {other.label}"  # staff
        owner = self.uow.users.get(other.owner_id)
        return mask_holder(owner.full_name) if owner is not None else "another customer"

    def _reversal(self, item, label: str) -> LineName:
        match = _REVERSAL_MEMO.match(item.memo or "")
        original = self.uow.ledger.get(int(match.group(1))) if match else None
        reason = (match.group(2) or None) if match else item.memo
        note = f"Reason: {reason}" if reason else None
        if original is None:
            return LineName("Reversal", label, note)
        return LineName(f"Reversal of {self._original(original)}", label, note)

    def _original(self, entry) -> str:
        kind = str(entry.kind)
        if kind == EntryKind.CARD_PURCHASE:
            return f"card purchase at {entry.memo}" if entry.memo else "a card purchase"
        if kind == EntryKind.TRANSFER:
            outgoing = entry.account_id == self.account.id
            other_id = entry.counterparty_account_id if outgoing else entry.account_id
            other = self.uow.accounts.get(other_id) if other_id else None
            party = self.party(other.number) if other is not None else None
            if party is None:
                return "a transfer"
            return f"transfer to {party}" if outgoing else f"transfer from {party}"
        return _KIND_LABELS.get(kind, kind).lower()
