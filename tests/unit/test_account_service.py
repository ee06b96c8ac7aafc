"""AccountService in-process: opening, visibility, PIN lock, status changes."""

import pytest

from entities.accounts import AccountStatus, luhn_valid
from entities.errors import AccountLocked, BalanceNotZero, Forbidden, InvalidPin, NotFound, ValidationFailed
from entities.users import Role
from tests.unit.conftest import PIN


def test_open_creates_a_zero_balance_account_with_a_hashed_pin(services, bank):
    actor = bank.actor()
    account = services.accounts.open(actor, "savings", PIN)
    assert (account.owner_id, account.balance_cents, account.status) == (actor.user_id, 0, AccountStatus.ACTIVE)
    assert luhn_valid(account.number) and len(account.number) == 10
    assert account.pin_hash and PIN not in account.pin_hash and account.pin_salt


@pytest.mark.parametrize(
    ("kind", "pin", "currency"), [("system", PIN, "USD"), ("checking", "12", "USD"), ("checking", PIN, "XYZ")]
)
def test_open_validates_its_input(services, bank, kind, pin, currency):
    with pytest.raises(ValidationFailed):
        services.accounts.open(bank.actor(), kind, pin, currency)


def test_customer_cannot_open_for_someone_else_but_staff_can(services, bank):
    alice, bob, teller = bank.actor(), bank.actor(), bank.actor(Role.TELLER)
    with pytest.raises(Forbidden):
        services.accounts.open(alice, "checking", PIN, owner_id=bob.user_id)
    assert services.accounts.open(teller, "checking", PIN, owner_id=bob.user_id).owner_id == bob.user_id
    with pytest.raises(ValidationFailed):
        services.accounts.open(teller, "checking", PIN, owner_id=teller.user_id + 999)


def test_another_customers_account_and_a_missing_one_look_the_same(services, bank):
    alice, bob = bank.actor(), bank.actor()
    account = bank.account(alice)
    for account_id in (account.id, 10**9, 0, -1, "1", True):
        with pytest.raises(NotFound):
            services.accounts.get(bob, account_id)


def test_three_wrong_pins_lock_and_the_right_one_then_is_refused(services, bank):
    actor, teller = bank.actor(), bank.actor(Role.TELLER)
    account = bank.account(actor)
    remaining, messages = [], []
    for _ in range(3):
        with pytest.raises(InvalidPin) as caught:
            services.accounts.change_pin(actor, account.id, "9999", "4321")
        remaining.append(caught.value.extra["attempts_remaining"])
        messages.append(caught.value.detail)
    assert remaining == [2, 1, 0]
    assert messages == [
        "Wrong PIN: 2 attempts left",
        "Wrong PIN: 1 attempt left",
        "Wrong PIN: no attempts left, so the PIN is locked",
    ]
    with pytest.raises(AccountLocked):
        services.accounts.change_pin(actor, account.id, PIN, "4321")
    assert services.accounts.get(actor, account.id).pin_locked
    assert [a.id for a in services.accounts.pin_locked(teller)] == [account.id]
    services.accounts.unlock(teller, account.id)
    services.accounts.change_pin(actor, account.id, PIN, "4321")
    assert not services.accounts.get(actor, account.id).pin_locked


def test_close_needs_a_zero_balance(services, bank):
    actor = bank.actor()
    account = bank.account(actor, 100)
    with pytest.raises(BalanceNotZero):
        services.accounts.close(actor, account.id)
    services.ledger.withdraw(actor, account.id, 100, PIN)
    assert services.accounts.close(actor, account.id).status == AccountStatus.CLOSED


def test_only_staff_freeze(services, bank):
    actor = bank.actor()
    account = bank.account(actor)
    with pytest.raises(Forbidden):
        services.accounts.freeze(actor, account.id)
    assert services.accounts.get(actor, account.id).status == AccountStatus.ACTIVE
    [denied] = bank.audit(action="account.freeze", outcome="denied")
    assert denied.actor_id == actor.user_id


def test_lookup_masks_the_holder(services, bank):
    alice, bob = bank.actor(full_name="Alice Cooper"), bank.actor(full_name="Cher")
    a_account, b_account = bank.account(alice), bank.account(bob)
    assert services.accounts.lookup(bob, a_account.number) == {"number": a_account.number, "holder": "Alice C."}
    assert services.accounts.lookup(alice, b_account.number)["holder"] == "C."
    with pytest.raises(NotFound):
        services.accounts.lookup(alice, "0000000000")
