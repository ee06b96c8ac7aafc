"""Accounts: open, read, PIN, lookup, and status changes."""

from __future__ import annotations

from datetime import timedelta

from entities import valid_id
from entities.accounts import (
    MAX_PIN_FAILURES,
    Account,
    AccountStatus,
    AccountType,
    check_currency,
    check_pin_format,
)
from entities.clock import iso, now_iso, utcnow
from entities.errors import (
    AccountLocked,
    AccountUnavailable,
    BalanceNotZero,
    Forbidden,
    InvalidPin,
    NotFound,
    OwnAccount,
    UnlockLimit,
    ValidationFailed,
)
from entities.users import Actor, Role, mask_holder
from services import crypto, events
from services.audit import deny, reason_details, record

UNLOCK_WINDOW = timedelta(hours=24)  # PIN_UNLOCKS_PER_DAY counts "in any 24 hours": a sliding window
_STATUS_EVENTS = {
    "account.close": "account.closed",
    "account.freeze": "account.frozen",
    "account.unfreeze": "account.unfrozen",
}


def load_visible(uow, actor: Actor, account_id, action: str) -> Account:
    """The account if the actor may see it; otherwise audit and 404 (existence is not revealed)."""
    account = uow.accounts.get(account_id) if valid_id(account_id) else None
    if account is None or account.is_system or (not actor.is_staff and account.owner_id != actor.user_id):
        deny(uow, actor, action, "account", account_id)
    return account


def refuse_own(uow, actor: Actor, accounts, action: str, resource_type: str, resource_id) -> None:
    """Separation of duties (SPEC section 1): staff never use a staff power on an account they own.
    The caller has decided that ``action`` is a staff power; this audits the denial and raises 403."""
    if actor.is_staff and any(account.is_owned_by(actor.user_id) for account in accounts):
        deny(uow, actor, action, resource_type, resource_id, error=OwnAccount, reason="own_account")


def check_pin(uow, actor: Actor, account: Account, pin: str, pepper: str, action: str) -> None:
    """A wrong PIN is committed (count, audit) and raised; the third in a row locks the account."""
    if crypto.verify_pin(pin, account.pin_salt, pepper, account.pin_hash):
        if account.pin_failures:
            account.pin_failures = 0
            uow.accounts.save_pin_state(account)
        return
    count_wrong_secret(uow, actor, account, action, "invalid_pin", InvalidPin)


def count_wrong_secret(uow, actor: Actor, account: Account, action: str, reason: str, error) -> None:
    """A wrong PIN, or a wrong step-up code (SPEC 15), toward the account's PIN lock: counted,
    audited, committed, raised as ``error``; the third in a row locks the account."""
    account.pin_failures += 1
    remaining = max(MAX_PIN_FAILURES - account.pin_failures, 0)
    account.pin_locked = remaining == 0
    uow.accounts.save_pin_state(account)
    record(uow, actor, action, "failure", "account", account.id, reason=reason, attempts_remaining=remaining)
    if account.pin_locked:
        record(uow, actor, "account.pin_lock", "success", "account", account.id)
        events.account_changed(uow, "account.locked", account)
    uow.commit()
    message = _wrong_pin_message(remaining) if error is InvalidPin else _wrong_code_message(remaining)
    raise error(message, attempts_remaining=remaining)


def _wrong_code_message(remaining: int) -> str:
    if remaining == 0:
        return "Wrong or used code: no attempts left, so the account's PIN is locked"
    return f"Wrong or used code: {remaining} attempt{'s' if remaining != 1 else ''} left before the PIN locks"


def _wrong_pin_message(remaining: int) -> str:
    """Words, not a template with "(s)": how many tries are left, or that the PIN is now locked."""
    if remaining == 0:
        return "Wrong PIN: no attempts left, so the PIN is locked"
    return f"Wrong PIN: {remaining} attempt{'s' if remaining != 1 else ''} left"


class AccountService:
    def __init__(self, uow_factory, settings):
        self.uow = uow_factory
        self.settings = settings

    def open(self, actor: Actor, type: str, pin: str, currency: str = "USD", owner_id: int | None = None) -> Account:
        """Open an account for the caller, or (staff) for any customer. Every offending field is
        named at once (SPEC 5): the type, the PIN's format and the currency are checked together."""
        errors = []
        if type not in (AccountType.CHECKING, AccountType.SAVINGS):
            errors.append({"field": "type", "message": "must be checking or savings"})
        for check, value in ((check_pin_format, pin), (check_currency, currency)):
            try:
                check(value)
            except ValidationFailed as refused:
                errors.extend(refused.errors)
        if errors:
            raise ValidationFailed(errors=errors)
        with self.uow() as uow:
            if owner_id is None or owner_id == actor.user_id:
                owner_id = actor.user_id
            elif not actor.is_staff:
                deny(uow, actor, "account.open", "user", owner_id, error=Forbidden)
            else:
                owner = uow.users.get(owner_id)
                if owner is None or owner.role != Role.CUSTOMER:
                    raise ValidationFailed(errors=[{"field": "owner_id", "message": "no such customer"}])
            salt = crypto.new_pin_salt()
            account = uow.accounts.add(
                Account(
                    id=None,
                    number="",
                    owner_id=owner_id,
                    type=AccountType(type),
                    currency=currency,
                    pin_salt=salt,
                    pin_hash=crypto.hash_pin(pin, salt, self.settings.pin_pepper),
                    created_at=now_iso(),
                    daily_limit_cents=self.settings.daily_limit_cents,
                )
            )
            record(uow, actor, "account.open", "success", "account", account.id, owner_id=owner_id, type=type)
            events.account_changed(uow, "account.opened", account)
            uow.commit()
        return account

    def get(self, actor: Actor, account_id: int) -> Account:
        with self.uow(write=False) as uow:
            return load_visible(uow, actor, account_id, "account.read")

    def list(self, actor: Actor, owner_id: int | None = None) -> list[Account]:
        """The caller's accounts; staff may list any customer's."""
        if owner_id is not None and owner_id != actor.user_id and not actor.is_staff:
            with self.uow() as uow:
                deny(uow, actor, "account.list", "user", owner_id, error=Forbidden)
        with self.uow(write=False) as uow:
            return uow.accounts.for_owner(owner_id if owner_id is not None else actor.user_id)

    def by_number(self, actor: Actor, number: str) -> Account:
        """Staff: one account by its number."""
        with self.uow(write=False) as uow:
            if not actor.is_staff:
                deny(uow, actor, "account.read", "account", None, error=Forbidden)
            account = uow.accounts.by_number(number)
        if account is None or account.is_system:
            raise NotFound("No customer account has this number")
        return account

    def lookup(self, actor: Actor, number: str) -> dict:
        """Recipient check: the number and the holder's masked name."""
        with self.uow(write=False) as uow:
            account = uow.accounts.by_number(number) if isinstance(number, str) else None
            if account is None or account.is_system or account.status == AccountStatus.CLOSED:
                raise NotFound("No open account has this number")
            owner = uow.users.get(account.owner_id)
        return {"number": account.number, "holder": mask_holder(owner.full_name)}

    def change_pin(self, actor: Actor, account_id: int, current_pin: str, new_pin: str) -> None:
        check_pin_format(new_pin, "new_pin")
        check_pin_format(current_pin, "current_pin")  # a malformed one is no attempt: never counted
        with self.uow() as uow:
            account = load_visible(uow, actor, account_id, "account.pin_change")
            uow.accounts.lock(account)
            if account.pin_locked:
                raise AccountLocked()
            check_pin(uow, actor, account, current_pin, self.settings.pin_pepper, "account.pin_change")
            account.pin_salt = crypto.new_pin_salt()
            account.pin_hash = crypto.hash_pin(new_pin, account.pin_salt, self.settings.pin_pepper)
            uow.accounts.save_pin_state(account)
            record(uow, actor, "account.pin_change", "success", "account", account.id)
            uow.commit()

    def close(self, actor: Actor, account_id: int, reason: str | None = None) -> Account:
        """Close at zero balance; final. The audit keeps ``reason`` (staff closing a customer's
        account give one; the holder, or the API, may omit it)."""
        why = reason_details(reason)
        with self.uow() as uow:
            account = load_visible(uow, actor, account_id, "account.close")
            uow.accounts.lock(account)  # a deposit racing the close either lands first (refused) or after (declined)
            if account.status == AccountStatus.CLOSED:
                raise AccountUnavailable("Account is already closed")
            if account.balance_cents != 0:
                raise BalanceNotZero()
            return self._set_status(uow, actor, account, AccountStatus.CLOSED, "account.close", why)

    def freeze(self, actor: Actor, account_id: int, reason: str | None = None) -> Account:
        """Staff: freeze an account; the audit keeps ``reason``."""
        return self._staff_status_change(actor, account_id, AccountStatus.FROZEN, "account.freeze", reason)

    def unfreeze(self, actor: Actor, account_id: int, reason: str | None = None) -> Account:
        return self._staff_status_change(actor, account_id, AccountStatus.ACTIVE, "account.unfreeze", reason)

    def _staff_status_change(self, actor, account_id, status, action, reason=None) -> Account:
        why = reason_details(reason)
        with self.uow() as uow:
            if not actor.is_staff:
                deny(uow, actor, action, "account", account_id, error=Forbidden)
            account = load_visible(uow, actor, account_id, action)
            refuse_own(uow, actor, [account], action, "account", account.id)
            uow.accounts.lock(account)
            if account.status == AccountStatus.CLOSED:
                raise AccountUnavailable("Account is closed")
            return self._set_status(uow, actor, account, status, action, why)

    def _set_status(self, uow, actor, account, status, action, why=None) -> Account:
        account.status = status
        uow.accounts.save_status(account)
        record(uow, actor, action, "success", "account", account.id, status=str(status), **(why or {}))
        events.account_changed(uow, _STATUS_EVENTS[action], account)
        uow.commit()
        return account

    def unlock(self, actor: Actor, account_id: int) -> Account:
        """Staff: clear the PIN lock (and the wrong-PIN count), never on one's own account. A teller
        does it at most ``pin_unlocks_per_day`` times per account in any 24 hours; then an admin must,
        or a teller could guess a PIN two tries at a time, unlocking in between (so clearing a count
        of wrong PINs without a lock counts too). An account with neither is answered as it is."""
        with self.uow() as uow:
            if not actor.is_staff:
                deny(uow, actor, "account.unlock", "account", account_id, error=Forbidden)
            account = load_visible(uow, actor, account_id, "account.unlock")
            refuse_own(uow, actor, [account], "account.unlock", "account", account.id)
            uow.accounts.lock(account)  # two tellers unlocking at once are counted one after the other
            if not account.pin_locked and not account.pin_failures:
                return account  # nothing to lift: no change, no record, no event, not counted
            if actor.role == Role.TELLER and self._teller_unlocks_left(uow, account) <= 0:
                deny(uow, actor, "account.unlock", "account", account.id, error=UnlockLimit, reason="unlock_limit")
            account.pin_failures, account.pin_locked = 0, False
            uow.accounts.save_pin_state(account)
            record(uow, actor, "account.unlock", "success", "account", account.id)
            events.account_changed(uow, "account.unlocked", account)
            uow.commit()
        return account

    def _teller_unlocks_left(self, uow, account: Account) -> int:
        since = iso(utcnow() - UNLOCK_WINDOW)
        return self.settings.pin_unlocks_per_day - uow.accounts.teller_unlocks_since(account.id, since)

    def pin_locked(self, actor: Actor) -> list[Account]:
        with self.uow(write=False) as uow:
            if not actor.is_staff:
                deny(uow, actor, "account.list_locked", error=Forbidden)
            return uow.accounts.pin_locked()
