"""Money movement on the double-entry ledger: deposit, withdrawal, transfer, reversal."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from entities import clock, valid_id
from entities.accounts import Account, SystemAccount, check_pin_format
from entities.approvals import ApprovalAction, reversal_subject
from entities.clock import now_iso
from entities.cursor import decode_cursor, encode_cursor
from entities.errors import (
    AccountLocked,
    AlreadyReversed,
    CurrencyMismatch,
    Forbidden,
    InvalidCode,
    MfaRequired,
    NotReversible,
    SameAccount,
    ValidationFailed,
    not_visible,
)
from entities.holds import ACCOUNT_OUT, USER_DEPOSIT, HoldStatus, limit_error
from entities.ledger import EntryKind, EntryStatus, JournalEntry, Movement
from entities.money import check_amount_cents
from entities.text import clean_text
from entities.users import Actor, Role
from services import approvals, events, idempotency
from services.accounts import check_pin, count_wrong_secret, load_visible, refuse_own
from services.audit import deny, record
from services.card_payments import card_movement, check_card_payment

MAX_MEMO = 140
STEP_UP_KINDS = frozenset({EntryKind.TRANSFER, EntryKind.WITHDRAWAL})
MAX_HISTORY_PAGE = 200  # SPEC section 4: a history page holds at most 200 lines


class LedgerService:
    def __init__(self, uow_factory, settings, mfa_service=None):
        self.uow = uow_factory
        self.settings = settings
        self.mfa = mfa_service

    def deposit(self, actor: Actor, account_id: int, amount_cents: int, memo=None, idem=None):
        """Cash in: credit the account, debit the cash vault."""
        memo = _clean_memo(memo)
        check_amount_cents(amount_cents)
        with self.uow() as uow:
            if replayed := idempotency.replay(uow, actor, idem):
                return replayed
            account = load_visible(uow, actor, account_id, "deposit")
            refuse_own(uow, actor, [account], "deposit", "account", account.id)  # staff cash-in creates money
            vault = uow.accounts.system(SystemAccount.CASH_VAULT, account.currency)
            movement = Movement(EntryKind.DEPOSIT, vault, account, amount_cents, account, actor.user_id, memo)
            return self._move(uow, actor, idem, movement)

    def withdraw(self, actor: Actor, account_id: int, amount_cents: int, pin: str, memo=None, idem=None, otp=None):
        """Cash out with the account's PIN (and, when large, a code of the actor's factor: step-up).
        A PIN that is not 4 to 6 digits is a 422 on its field, never counted as a wrong one."""
        memo = _clean_memo(memo)
        check_amount_cents(amount_cents)
        check_pin_format(pin)
        with self.uow() as uow:
            if replayed := idempotency.replay(uow, actor, idem):
                return replayed
            account = load_visible(uow, actor, account_id, "withdrawal")
            vault = uow.accounts.system(SystemAccount.CASH_VAULT, account.currency)
            movement = Movement(
                EntryKind.WITHDRAWAL, account, vault, amount_cents, account, actor.user_id, memo, pin, otp=otp
            )
            return self._move(uow, actor, idem, movement)

    def transfer(
        self,
        actor: Actor,
        from_account_id: int,
        to_number: str,
        amount_cents: int,
        pin: str,
        memo=None,
        idem=None,
        otp=None,
    ):
        """From the caller's account (staff: any) to any open account of the same currency. A PIN
        that is not 4 to 6 digits is a 422 on its field, never counted as a wrong one."""
        memo = _clean_memo(memo)
        check_amount_cents(amount_cents)
        check_pin_format(pin)
        with self.uow() as uow:
            if replayed := idempotency.replay(uow, actor, idem):
                return replayed
            source = load_visible(uow, actor, from_account_id, "transfer")
            target = _transfer_target(uow, actor, source, to_number)
            movement = Movement(
                EntryKind.TRANSFER, source, target, amount_cents, source, actor.user_id, memo, pin, otp=otp
            )
            return self._move(uow, actor, idem, movement)

    def check_transfer(self, actor: Actor, from_account_id: int, to_number: str) -> None:
        """For a review step, before the PIN is asked for: the refusals ``transfer`` makes before it
        checks the PIN (the source unseen, no such recipient, the same account, another currency,
        staff moving a customer's money into their own account: 403 own_account, audited), raised
        now. Nothing moves; ``transfer`` makes every check again."""
        with self.uow(write=False) as uow:
            source = load_visible(uow, actor, from_account_id, "transfer")
            _transfer_target(uow, actor, source, to_number)

    def card_purchase(self, actor: Actor, card_id: int, amount_cents: int, merchant: str, pin: str, idem=None):
        """Pay ``merchant`` with the card and the account's PIN: a journal entry against card-settlement.
        Declines (frozen card or account, PIN lock, insufficient funds) are recorded and raised."""
        merchant = check_card_payment(merchant, amount_cents, pin)
        with self.uow() as uow:
            if replayed := idempotency.replay(uow, actor, idem):
                return replayed
            movement = card_movement(uow, actor, card_id, amount_cents, merchant, pin, "card_purchase")
            return self._move(uow, actor, idem, movement)

    def reverse(self, actor: Actor, entry_id: int, reason=None, idem=None):
        """Staff: post a compensating entry for a posted one (nothing is updated or deleted). One of
        at least DUAL_CONTROL_CENTS is checked as if it were posted, then sent for another staff
        member's approval (SPEC section 15): the pending Approval is returned instead of an entry."""
        reason = _clean_memo(reason, "reason")
        with self.uow() as uow:
            if not actor.is_staff:
                deny(uow, actor, "reversal", "journal_entry", entry_id, error=Forbidden)
            if replayed := idempotency.replay(uow, actor, idem):
                return replayed
            original, movement = self._reversal(uow, actor, entry_id, reason)
            if movement.amount_cents < self.settings.dual_control_cents:
                return self._move(uow, actor, idem, movement)
            details = reversal_details(uow, original, movement)
            subject = reversal_subject(original.id)
            approval = approvals.request(uow, actor, ApprovalAction.REVERSAL, subject, details, reason)
            idempotency.remember(uow, actor.user_id, idem, approval)
            uow.commit()
            return approval

    def execute_reversal(self, uow, actor: Actor, entry_id: int, reason, approval_id=None) -> JournalEntry:
        """An approved reversal, in the approval's transaction (not committed here), with every check
        made again for ``actor``, the approver. A decline is recorded, committed and raised as ever."""
        if not actor.is_staff:
            deny(uow, actor, "reversal", "journal_entry", entry_id, error=Forbidden)
        _, movement = self._reversal(uow, actor, entry_id, reason)
        movement = replace(movement, details={**movement.details, "approval_id": approval_id})
        error = self.decide(uow, actor, movement)
        if error is not None:
            self.refuse(uow, actor, None, movement, error)
        return self.post(uow, actor, movement)

    def _reversal(self, uow, actor: Actor, entry_id: int, reason) -> tuple[JournalEntry, Movement]:
        """Every check a reversal makes for ``actor`` (the entry exists, touches none of their own
        accounts, is reversible and not reversed yet, under the accounts' locks); the movement."""
        original = uow.ledger.get(entry_id) if valid_id(entry_id) else None
        if original is None:
            raise not_visible("journal_entry", entry_id)
        touched = _accounts_of(uow, original)
        refuse_own(uow, actor, touched, "reversal", "journal_entry", original.id)
        if original.status != EntryStatus.POSTED or original.kind == EntryKind.REVERSAL:
            raise NotReversible()
        debit_posting = next(p for p in original.postings if p.amount_cents < 0)
        credit_posting = next(p for p in original.postings if p.amount_cents > 0)
        back_from = uow.accounts.get(credit_posting.account_id)
        back_to = uow.accounts.get(debit_posting.account_id)
        uow.accounts.lock(back_from, back_to)  # a concurrent reversal of this entry waits here, then sees it
        if uow.ledger.reversal_of(original.id) is not None:
            raise AlreadyReversed()
        on_account = back_from if not back_from.is_system else back_to
        memo = f"Reversal of #{original.id}" + (f": {reason}" if reason else "")
        movement = Movement(
            EntryKind.REVERSAL,
            back_from,
            back_to,
            original.amount_cents,
            on_account,
            actor.user_id,
            memo,
            reverses=original.id,
            reason=reason,
        )
        return original, movement

    def _move(self, uow, actor: Actor, idem, movement: Movement):
        """Lock, check, then post or record the decline; audit and remember the answer in the same
        transaction, commit, and raise the decline (if any) after the commit."""
        error = self.decide(uow, actor, movement)
        if error is not None:
            self.refuse(uow, actor, idem, movement, error)
        entry = self.post(uow, actor, movement)
        idempotency.remember(uow, actor.user_id, idem, entry)
        uow.commit()
        return entry

    def decide(self, uow, actor: Actor, movement: Movement):
        """Lock the accounts, close the debit account's holds whose expiry has come, and return the
        decline this movement earns, or None. Order: PIN lock, PIN (a wrong one is committed and
        raised by check_pin), the movement's own rule (status, available funds), the daily limits."""
        uow.accounts.lock(movement.debit, movement.credit)  # PostgreSQL: in id order, re-read under the lock
        expire_due(uow, actor, movement.debit)
        if movement.declined_for is not None:
            return movement.declined_for
        if movement.preauthorised:  # a capture: the authorisation already checked and reserved it
            return None
        if movement.pin is not None:
            account = movement.on_account
            if account.pin_locked:
                return AccountLocked()
            self._step_up(uow, actor, movement)
            check_pin(uow, actor, account, movement.pin, self.settings.pin_pepper, str(movement.kind))
        return movement.decline() or self._limit_error(uow, actor, movement)

    def needs_step_up(self, uow, actor: Actor, kind: EntryKind, amount_cents: int) -> bool:
        """SPEC 15: a transfer or withdrawal of at least STEP_UP_CENTS by a user with a factor."""
        return (
            kind in STEP_UP_KINDS
            and amount_cents >= self.settings.step_up_cents
            and self.mfa is not None
            and self.mfa.has_factor(uow, actor.user_id)
        )

    def step_up_needed(self, actor: Actor, amount_cents: int, kind: EntryKind = EntryKind.TRANSFER) -> bool:
        """Read-only, for forms: whether a ``kind`` of this amount by ``actor`` will ask for a code
        (the pages show the code field only then)."""
        with self.uow(write=False) as uow:
            return self.needs_step_up(uow, actor, kind, amount_cents)

    def _step_up(self, uow, actor: Actor, movement: Movement) -> None:
        """Before the PIN: a missing code is 403 mfa_required, a wrong or spent one 401 invalid_code,
        counted like a wrong PIN toward the account's PIN lock; either is committed and raised, and
        neither is a ledger decline. The PIN's own check (and its reset of the count) comes after."""
        if not self.needs_step_up(uow, actor, movement.kind, movement.amount_cents):
            return
        action, account = str(movement.kind), movement.on_account
        if movement.otp is None:
            record(uow, actor, action, "denied", "account", account.id, reason="mfa_required")
            uow.commit()
            raise MfaRequired("This amount needs a code from your authenticator app (otp)")
        if self.mfa.spend(uow, actor.user_id, movement.otp, clock.utcnow(), recovery=False) is None:
            count_wrong_secret(uow, actor, account, action, "invalid_code", InvalidCode)

    def _limit_error(self, uow, actor: Actor, movement: Movement):
        """SPEC section 14: money out of an account per UTC day against its limit; a customer's own
        cash deposits per UTC day against CUSTOMER_DEPOSIT_DAILY_CENTS. Each total is read under a
        lock (the account's row, or the total's own row), so racing requests are counted in turn."""
        account, day = movement.debit, today()
        if movement.counts_out and account.daily_limit_cents is not None:
            used = uow.daily_totals.used(ACCOUNT_OUT, account.id, day, lock=True)
            return limit_error(account.daily_limit_cents, used, movement.amount_cents, account.currency)
        cap = self.settings.customer_deposit_daily_cents
        if self._counts_deposit(actor, movement) and cap is not None:
            used = uow.daily_totals.used(USER_DEPOSIT, actor.user_id, day, lock=True)
            return limit_error(cap, used, movement.amount_cents, movement.credit.currency)
        return None

    @staticmethod
    def _counts_deposit(actor: Actor, movement: Movement) -> bool:
        return movement.kind == EntryKind.DEPOSIT and actor.role == Role.CUSTOMER

    def count(self, uow, actor: Actor, movement: Movement, day: str | None = None) -> None:
        """Add a movement (or an authorisation) to today's totals, whether or not a limit is set now,
        so a limit set later in the day already knows what left the account before it."""
        if movement.counts_out:
            uow.daily_totals.add(ACCOUNT_OUT, movement.debit.id, day or today(), movement.amount_cents)
        elif self._counts_deposit(actor, movement):
            uow.daily_totals.add(USER_DEPOSIT, actor.user_id, day or today(), movement.amount_cents)

    def post(self, uow, actor: Actor, movement: Movement) -> JournalEntry:
        """Post the movement (both balances, the entry, its audit record), counted toward the day's
        totals; the entry as ``actor`` may see it."""
        entry = movement.post()
        stored = uow.accounts.save_balances(movement.debit, movement.credit)
        for kept, posting in zip(stored, entry.postings, strict=True):
            if not kept:  # a system account's: folded later in commit order
                posting.balance_after_cents = None
        uow.ledger.add(entry)
        self.count(uow, actor, movement)
        self._audit(uow, actor, movement, entry, None)
        events.entry_written(uow, entry, _customer_ids(movement))
        return self._visible(actor, movement, entry)

    def refuse(self, uow, actor: Actor, idem, movement: Movement, error) -> None:
        """Record the decline (a declined entry and its audit record, nothing moved), remember the
        answer, commit, and raise it."""
        entry = movement.declined(error)
        uow.ledger.add(entry)
        self._audit(uow, actor, movement, entry, error)
        events.entry_written(uow, entry, _customer_ids(movement))
        error.extra["entry_id"] = entry.id
        idempotency.remember(uow, actor.user_id, idem, self._visible(actor, movement, entry), error)
        uow.commit()
        raise error

    @staticmethod
    def _audit(uow, actor: Actor, movement: Movement, entry: JournalEntry, error) -> None:
        record(
            uow,
            actor,
            str(movement.kind),
            "success" if error is None else "declined",
            "journal_entry",
            entry.id,
            amount_cents=movement.amount_cents,
            account_id=movement.on_account.id,
            counterparty_account_id=movement.counterparty_id,
            reason=error.code if error else movement.reason,
            **movement.details,
        )

    @staticmethod
    def _visible(actor: Actor, movement: Movement, entry: JournalEntry) -> JournalEntry:
        own = {a.id for a in (movement.debit, movement.credit) if a.owner_id == actor.user_id}
        return visible_to(actor, entry, own)

    def get_entry(self, actor: Actor, entry_id: int) -> JournalEntry:
        """One journal entry; a customer sees only entries touching their own accounts."""
        with self.uow(write=False) as uow:
            entry = uow.ledger.get(entry_id) if valid_id(entry_id) else None
            if entry is not None and not actor.is_staff:
                # A decline moved nothing: only the account it was made on may see it, not its would-be recipient.
                touched = {p.account_id for p in entry.postings} | {entry.account_id}
                if entry.status == EntryStatus.POSTED:
                    touched.add(entry.counterparty_account_id)
                owned = {a.id for a in uow.accounts.for_owner(actor.user_id)}
                entry = visible_to(actor, entry, owned) if touched & owned else None
            if entry is None:
                deny(uow, actor, "entry.read", "journal_entry", entry_id)
            return entry

    def history(
        self,
        actor: Actor,
        account_id: int,
        *,
        limit: int = 50,
        cursor: str | None = None,
        kind=None,
        status=None,
        date_from: date | None = None,
        date_to: date | None = None,
    ):
        """Newest first; returns (items, next_cursor)."""
        before = decode_cursor(cursor)
        with self.uow(write=False) as uow:
            load_visible(uow, actor, account_id, "history.read")
            items = uow.ledger.history(
                account_id,
                limit=limit + 1,
                before_entry_id=before,
                kind=kind,
                status=status,
                date_from=date_from.isoformat() if date_from else None,
                date_to=_day_after(date_to),
            )
        next_cursor = encode_cursor(items[limit - 1].entry_id) if len(items) > limit else None
        return items[:limit], next_cursor

    def reversed_among(self, actor: Actor, entry_ids) -> set[int]:
        """Staff: which of these entries (a page of history) already have a posted reversal, so a
        history line can say "Reversed" instead of offering a reversal that would be refused."""
        with self.uow(write=False) as uow:
            if not actor.is_staff:
                deny(uow, actor, "reversal.read", "journal_entry", None, error=Forbidden)
            ids = [entry_id for entry_id in entry_ids if valid_id(entry_id)][:MAX_HISTORY_PAGE]
            return uow.ledger.reversed_among(ids)


def today() -> str:
    """The UTC calendar day limits count in (SPEC section 14)."""
    return clock.utcnow().date().isoformat()


def _transfer_target(uow, actor: Actor, source: Account, to_number) -> Account:
    """The customer account a transfer from ``source`` goes to, or the refusal it earns before
    any PIN is checked. On a customer's behalf (a source the actor does not own) staff never move the
    money into an account of their own (SPEC section 1)."""
    target = uow.accounts.by_number(to_number) if isinstance(to_number, str) else None
    if target is None or target.is_system:
        raise ValidationFailed(errors=[{"field": "to_account_number", "message": "no such account"}])
    if target.id == source.id:
        raise SameAccount()
    if target.currency != source.currency:
        raise CurrencyMismatch()
    if not source.is_owned_by(actor.user_id):
        refuse_own(uow, actor, [target], "transfer", "account", source.id)
    return target


def expire_due(uow, actor: Actor, account: Account) -> None:
    """Close the account's holds whose expiry has come (the stored reservation still counts them):
    each becomes 'expired' at its own expiry instant, gives an authorisation's amount back to the
    day it was counted in, and is audited as hold.expire, observed by this request."""
    if account is None or account.is_system or account.expired_held_cents <= 0:
        return
    observer = replace(actor, user_id=None, role=None)  # nobody expired it: time did
    for hold in uow.holds.due(account.id, now_iso()):
        uow.holds.close(hold, HoldStatus.EXPIRED, hold.expires_at)
        if hold.is_card and hold.counted_day:
            uow.daily_totals.give_back(ACCOUNT_OUT, account.id, hold.counted_day, hold.amount_cents)
        record(
            uow,
            observer,
            "hold.expire",
            "success",
            "hold",
            hold.id,
            account_id=account.id,
            amount_cents=hold.amount_cents,
            observed_by=actor.user_id,
        )
        events.hold_changed(uow, "hold.expired", hold)
    account.expired_held_cents = 0  # held_cents already left them out; now the stored total does too


def visible_to(actor: Actor, entry: JournalEntry, own_account_ids: set[int]) -> JournalEntry:
    """The entry as ``actor`` may see it. A customer sees the balance after each posting on their own
    accounts only: another customer's balance (the recipient of a transfer) or the bank's cash and
    settlement positions are not theirs to read. Staff see every posting."""
    if actor.is_staff:
        return entry
    postings = [p if p.account_id in own_account_ids else replace(p, balance_after_cents=None) for p in entry.postings]
    return replace(entry, postings=postings)


def reversal_details(uow, original: JournalEntry, movement: Movement) -> dict:
    """What a checker needs to decide on a reversal: the entry, its amount, the accounts the money
    would leave and return to (with their holders), and the requester's reason."""
    return {
        "entry_id": original.id,
        "entry_kind": str(original.kind),
        "amount_cents": original.amount_cents,
        "currency": original.currency,
        "memo": original.memo,
        "reason": movement.reason,
        "from_account": _party(uow, movement.debit),
        "to_account": _party(uow, movement.credit),
    }


def _party(uow, account: Account) -> dict:
    if account.is_system:
        return {"id": account.id, "system": account.system_code, "owner_id": None, "holder": None}
    owner = uow.users.get(account.owner_id) if account.owner_id is not None else None
    return {
        "id": account.id,
        "number": account.number,
        "type": str(account.type),
        "owner_id": account.owner_id,
        "holder": owner.full_name if owner else None,
    }


def _customer_ids(movement: Movement) -> list[int]:
    """The customer accounts a movement touches (the ones whose owners see its event)."""
    return [account.id for account in (movement.debit, movement.credit) if not account.is_system]


def _accounts_of(uow, entry: JournalEntry) -> list[Account]:
    """Every account an entry touches: its postings, and the account and counterparty it names."""
    ids = {p.account_id for p in entry.postings} | {entry.account_id, entry.counterparty_account_id}
    return [uow.accounts.get(account_id) for account_id in sorted(i for i in ids if i is not None)]


def _day_after(day: date | None) -> str | None:
    """The exclusive upper bound of a ``to`` date; the last representable day needs none."""
    if day is None or day == date.max:
        return None
    return (day + timedelta(days=1)).isoformat()


def _clean_memo(memo, field="memo"):
    """Free text (SPEC section 2): NFC, trimmed, at most MAX_MEMO characters, nothing hidden; blank is None."""
    return clean_text(memo, field, MAX_MEMO, required=False)
