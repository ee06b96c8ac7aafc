"""Holds and card authorisations (SPEC section 13), and the daily limits of section 14.

A hold reserves money without moving it. The ledger service decides every authorisation exactly
as a purchase (frozen card, PIN lock, PIN, account status, available funds, daily limit) and records
its declines; what differs is the outcome: a pending hold instead of a posting. A capture posts a
card purchase for the captured amount and releases the rest; a void releases it all; an expiry is
lazy (repository/accounts.py reads it, services/ledger.expire_due closes it) with a sweep that
closes and audits what no write has observed."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from entities import clock, valid_id
from entities.accounts import Account, AccountStatus, SystemAccount
from entities.clock import iso, now_iso
from entities.cursor import decode_cursor, encode_cursor
from entities.errors import AccountUnavailable, DomainError, Forbidden, InsufficientFunds, ValidationFailed
from entities.holds import (
    ACCOUNT_OUT,
    Hold,
    HoldKind,
    HoldStatus,
    check_expires_in,
    check_limit_value,
    is_raise,
)
from entities.ledger import EntryKind, JournalEntry, Movement
from entities.money import check_amount_cents, format_cents
from entities.text import clean_text
from entities.users import Actor
from services import events, idempotency
from services.accounts import load_visible, refuse_own
from services.audit import deny, record
from services.card_payments import card_movement, check_card_payment
from services.ledger import MAX_MEMO, expire_due, today

MAX_HOLDS_PAGE = 200
SWEEP_BATCH = 200


class HoldService:
    def __init__(self, uow_factory, settings, ledger):
        self.uow = uow_factory
        self.settings = settings
        self.ledger = ledger

    # -- creating ------------------------------------------------------------------------------

    def authorize(self, actor: Actor, card_id: int, amount_cents: int, merchant: str, pin: str, idem=None):
        """The card's owner (the simulated merchant terminal) or staff: reserve ``amount_cents`` for
        ``merchant`` until it is captured, voided or expires (HOLD_EXPIRY_SECONDS). Declines are
        recorded as declined card purchases and raised; nothing is reserved then."""
        merchant = check_card_payment(merchant, amount_cents, pin)
        with self.uow() as uow:
            if replayed := idempotency.replay(uow, actor, idem):
                return replayed
            movement = card_movement(
                uow, actor, card_id, amount_cents, merchant, pin, "hold.create", authorization=True
            )
            account = movement.on_account
            error = self.ledger.decide(uow, actor, movement)
            if error is not None:
                self.ledger.refuse(uow, actor, idem, movement, error)
            now, day = clock.utcnow(), today()
            hold = Hold(
                id=None,
                account_id=account.id,
                kind=HoldKind.CARD_AUTHORIZATION,
                amount_cents=amount_cents,
                card_id=card_id,
                merchant=merchant,
                expires_at=iso(now + timedelta(seconds=self.settings.hold_expiry_seconds)),
                counted_day=day,
                actor_id=actor.user_id,
                created_at=iso(now),
            )
            uow.holds.add(hold)
            self.ledger.count(uow, actor, movement, day)
            self._audit(uow, actor, "hold.create", hold, card_id=card_id, merchant=merchant)
            events.hold_changed(uow, "hold.created", hold)
            idempotency.remember(uow, actor.user_id, idem, hold)
            uow.commit()
        return hold

    def place(self, actor: Actor, account_id: int, amount_cents: int, reason, expires_in_seconds=None, idem=None):
        """Staff: a lien of ``amount_cents`` on a customer's account, with a reason, until voided or
        (with ``expires_in_seconds``) until it expires. Not on a closed account, never on one's own;
        beyond the available balance it is declined and recorded (a declined withdrawal)."""
        check_amount_cents(amount_cents)
        reason = clean_text(reason, "reason", MAX_MEMO, required=True)
        expires_in_seconds = check_expires_in(expires_in_seconds)
        with self.uow() as uow:
            if not actor.is_staff:
                deny(uow, actor, "hold.create", "account", account_id, error=Forbidden)
            if replayed := idempotency.replay(uow, actor, idem):
                return replayed
            account = load_visible(uow, actor, account_id, "hold.create")
            refuse_own(uow, actor, [account], "hold.create", "account", account.id)
            vault = uow.accounts.system(SystemAccount.CASH_VAULT, account.currency)
            movement = Movement(EntryKind.WITHDRAWAL, account, vault, amount_cents, account, actor.user_id, reason)
            uow.accounts.lock(account)
            expire_due(uow, actor, account)
            error = _lien_refusal(account, amount_cents)
            if error is not None:
                self.ledger.refuse(uow, actor, idem, replace(movement, details={"staff_hold": True}), error)
            now = clock.utcnow()
            hold = Hold(
                id=None,
                account_id=account.id,
                kind=HoldKind.STAFF_HOLD,
                amount_cents=amount_cents,
                reason=reason,
                expires_at=None if expires_in_seconds is None else iso(now + timedelta(seconds=expires_in_seconds)),
                actor_id=actor.user_id,
                created_at=iso(now),
            )
            uow.holds.add(hold)
            self._audit(uow, actor, "hold.create", hold, reason=reason)
            events.hold_changed(uow, "hold.created", hold)
            idempotency.remember(uow, actor.user_id, idem, hold)
            uow.commit()
        return hold

    # -- ending --------------------------------------------------------------------------------

    def capture(self, actor: Actor, hold_id: int, amount_cents: int | None = None, idem=None) -> JournalEntry:
        """Post a card purchase of ``amount_cents`` (default: all of it) against card-settlement and
        release the rest. No PIN, and a card frozen since the authorisation does not stop it: the
        merchant was promised the money. An account frozen since does (SPEC 4: no money out), declined
        and recorded, the hold left pending to capture after an unfreeze or to void. A staff hold is
        not capturable."""
        if amount_cents is not None:
            check_amount_cents(amount_cents)
        with self.uow() as uow:
            if replayed := idempotency.replay(uow, actor, idem):
                return replayed
            hold, account = self._load_for_change(uow, actor, hold_id, "hold.capture")
            taken = _checked(uow, lambda: hold.check_capture(amount_cents))
            settlement = uow.accounts.system(SystemAccount.CARD_SETTLEMENT, account.currency)
            movement = Movement(
                EntryKind.CARD_PURCHASE,
                account,
                settlement,
                taken,
                account,
                actor.user_id,
                hold.merchant,
                details={"card_id": hold.card_id, "hold_id": hold.id},
                hold_id=hold.id,
                preauthorised=True,
            )
            if not account.is_active:  # SPEC 4: a frozen account takes no money out; the hold stays pending
                self.ledger.refuse(uow, actor, idem, movement, AccountUnavailable())
            now = now_iso()
            uow.holds.close(hold, HoldStatus.CAPTURED, now, captured_cents=taken)  # releases the reservation
            released = hold.amount_cents - taken
            if released and hold.counted_day:  # the uncaptured rest no longer counts toward the limit
                uow.daily_totals.give_back(ACCOUNT_OUT, account.id, hold.counted_day, released)
            entry = self.ledger.post(uow, actor, movement)
            hold.entry_id = entry.id
            self._audit(uow, actor, "hold.capture", hold, captured_cents=taken, entry_id=entry.id)
            events.hold_changed(uow, "hold.captured", hold)
            idempotency.remember(uow, actor.user_id, idem, entry)
            uow.commit()
        return entry

    def void(self, actor: Actor, hold_id: int) -> Hold:
        """Release a pending hold: card authorisations by their card's owner or staff, staff holds by
        staff only. A voided authorisation gives its amount back to the day it was counted in."""
        with self.uow() as uow:
            hold, account = self._load_for_change(uow, actor, hold_id, "hold.void")
            _checked(uow, hold.check_void)
            uow.holds.close(hold, HoldStatus.VOIDED, now_iso())
            if hold.is_card and hold.counted_day:
                uow.daily_totals.give_back(ACCOUNT_OUT, account.id, hold.counted_day, hold.amount_cents)
            self._audit(uow, actor, "hold.void", hold)
            events.hold_changed(uow, "hold.voided", hold)
            uow.commit()
        return hold

    def _load_for_change(self, uow, actor: Actor, hold_id, action: str) -> tuple[Hold, Account]:
        """The hold, under its account's lock (then its own), after closing whatever on the account
        has expired; 404 for what the actor may not see, 403 for a customer on a staff hold."""
        hold, account = self._load(uow, actor, hold_id, action)
        uow.accounts.lock(account)
        expire_due(uow, actor, account)  # a hold past its expiry is closed now, and audited
        hold = uow.holds.get(hold.id, lock=True)
        if not hold.is_card:
            if not actor.is_staff:
                deny(uow, actor, action, "hold", hold.id, error=Forbidden)
            refuse_own(uow, actor, [account], action, "hold", hold.id)
        return hold, account

    # -- reading -------------------------------------------------------------------------------

    def get(self, actor: Actor, hold_id: int) -> Hold:
        with self.uow(write=False) as uow:
            hold, _ = self._load(uow, actor, hold_id, "hold.read")
        return hold.seen_at(now_iso())

    def for_account(
        self, actor: Actor, account_id: int, *, status: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[Hold], str | None]:
        """Newest first; every hold of the account whatever its status unless ``status`` is given."""
        wanted = _status(status)
        before = decode_cursor(cursor)
        now = now_iso()
        with self.uow(write=False) as uow:
            load_visible(uow, actor, account_id, "hold.list")
            holds = uow.holds.for_account(account_id, now, status=wanted, before_id=before, limit=limit + 1)
        next_cursor = encode_cursor(holds[limit - 1].id) if len(holds) > limit else None
        return [h.seen_at(now) for h in holds[:limit]], next_cursor

    def _load(self, uow, actor: Actor, hold_id, action: str) -> tuple[Hold, Account]:
        hold = uow.holds.get(hold_id) if valid_id(hold_id) else None
        account = uow.accounts.get(hold.account_id) if hold else None
        if account is None or (not actor.is_staff and account.owner_id != actor.user_id):
            deny(uow, actor, action, "hold", hold_id)
        return hold, account

    # -- the sweep -----------------------------------------------------------------------------

    def sweep(self, actor: Actor, batch: int = SWEEP_BATCH) -> int:
        """Close and audit every hold whose expiry has come that no write has observed yet (each
        account in a transaction of its own, under its lock); returns how many were closed."""
        closed = 0
        while True:
            with self.uow(write=False) as uow:
                account_ids = uow.holds.accounts_with_due(now_iso(), batch)
            if not account_ids:
                return closed
            for account_id in account_ids:
                with self.uow() as uow:
                    account = uow.accounts.get(account_id)
                    uow.accounts.lock(account)
                    closed += len(uow.holds.due(account.id, now_iso()))
                    expire_due(uow, actor, account)
                    uow.commit()
            if len(account_ids) < batch:
                return closed

    # -- limits (SPEC section 14) --------------------------------------------------------------

    def set_daily_limit(self, actor: Actor, account_id: int, daily_limit_cents) -> Account:
        """The account's owner may lower (or keep) the limit; staff set any value on customers'
        accounts, and none on their own (SPEC 1: limiting an account they own is 403 own_account)."""
        daily_limit_cents = check_limit_value(daily_limit_cents)
        with self.uow() as uow:
            account = load_visible(uow, actor, account_id, "account.limit")
            refuse_own(uow, actor, [account], "account.limit", "account", account.id)
            uow.accounts.lock(account)
            if account.status == AccountStatus.CLOSED:
                raise AccountUnavailable("Account is closed")
            owner = account.is_owned_by(actor.user_id)
            if (owner or not actor.is_staff) and is_raise(account.daily_limit_cents, daily_limit_cents):
                deny(uow, actor, "account.limit", "account", account.id, error=_raise_refused, reason="raise_refused")
            before = account.daily_limit_cents
            account.daily_limit_cents = daily_limit_cents
            uow.accounts.save_daily_limit(account)
            record(
                uow,
                actor,
                "account.limit",
                "success",
                "account",
                account.id,
                daily_limit_cents=daily_limit_cents,
                previous_cents=before,
            )
            uow.commit()
        return account

    def limit_used_today(self, actor: Actor, account_id: int) -> int:
        """How much left the account today (UTC), toward its daily limit."""
        with self.uow(write=False) as uow:
            account = load_visible(uow, actor, account_id, "account.read")
            return uow.daily_totals.used(ACCOUNT_OUT, account.id, today())

    @staticmethod
    def _audit(uow, actor: Actor, action: str, hold: Hold, **details) -> None:
        record(
            uow,
            actor,
            action,
            "success",
            "hold",
            hold.id,
            account_id=hold.account_id,
            kind=str(hold.kind),
            amount_cents=hold.amount_cents,
            **details,
        )


def _checked(uow, check):
    """Run a hold's rule; a refusal keeps what this transaction already closed (expiries it observed,
    with their audit records) before it is raised."""
    try:
        return check()
    except DomainError:
        uow.commit()
        raise


def _lien_refusal(account: Account, amount_cents: int):
    """A staff hold needs an account that is not closed (a frozen one may be liened) and the funds."""
    if account.status == AccountStatus.CLOSED:
        return AccountUnavailable()
    if account.available_cents < amount_cents:
        available = account.available_cents
        return InsufficientFunds(
            f"Insufficient funds: {format_cents(available, account.currency)} available", available_cents=available
        )
    return None


def _raise_refused() -> Forbidden:
    return Forbidden("Only staff can raise or remove a daily limit; you may lower it")


def _status(status) -> HoldStatus | None:
    if status is None:
        return None
    try:
        return HoldStatus(status)
    except ValueError:
        raise ValidationFailed(
            errors=[{"field": "status", "message": "must be pending, captured, voided or expired"}]
        ) from None
