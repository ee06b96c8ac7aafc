"""Separation of duties in the service layer itself (SPEC section 1), without HTTP: own-account staff
powers, staff-only unlocks, and the teller's daily PIN-unlock budget over a sliding 24 hours."""

from datetime import timedelta

import pytest

from app import create_app
from app.config import ConfigError, load_config
from entities.clock import utcnow
from entities.errors import DomainError, Forbidden, OwnAccount, UnlockLimit
from entities.users import Role
from services import accounts as accounts_module
from tests.unit.conftest import PIN


def _lock(services, owner, account):
    for _ in range(3):
        with pytest.raises(DomainError):
            services.ledger.withdraw(owner, account.id, 1, "9999")


def _pin_locked(services, owner, account) -> bool:
    return services.accounts.get(owner, account.id).pin_locked


@pytest.mark.parametrize("role", [Role.TELLER, Role.ADMIN])
def test_every_staff_power_on_ones_own_account_is_own_account(services, bank, role):
    staff, customer = bank.actor(role), bank.actor()
    own = bank.account(staff)
    paid_in = services.ledger.transfer(customer, bank.account(customer, 500).id, own.number, 500, PIN)
    refusals = {
        "deposit": lambda: services.ledger.deposit(staff, own.id, 100),
        "reversal": lambda: services.ledger.reverse(staff, paid_in.id),
        "account.freeze": lambda: services.accounts.freeze(staff, own.id),
        "account.unfreeze": lambda: services.accounts.unfreeze(staff, own.id),
        "account.unlock": lambda: services.accounts.unlock(staff, own.id),
        "user.unlock": lambda: services.admin.unlock(staff, staff.user_id),
    }
    for action, call in refusals.items():
        with pytest.raises(OwnAccount) as caught:
            call()
        assert (caught.value.code, action) == ("own_account", action)
        [denied] = bank.audit(actor_id=staff.user_id, action=action, outcome="denied")
        assert denied.details == {"reason": "own_account"}
    assert bank.balance(staff, own.id) == 500


def test_a_teller_unlocking_a_staff_user_is_forbidden_in_the_service(services, bank):
    teller, admin = bank.actor(Role.TELLER), bank.actor(Role.ADMIN)
    target = bank.actor(Role.ADMIN)
    services.admin.lock(admin, target.user_id)
    with pytest.raises(Forbidden):
        services.admin.unlock(teller, target.user_id)
    assert services.admin.get_user(admin, target.user_id).admin_locked is True
    assert services.admin.unlock(admin, target.user_id).admin_locked is False


def test_teller_unlocks_older_than_24_hours_no_longer_count(services, bank, monkeypatch):
    teller, customer = bank.actor(Role.TELLER), bank.actor()
    account = bank.account(customer, 1_000)
    for _ in range(3):
        _lock(services, customer, account)
        services.accounts.unlock(teller, account.id)
    _lock(services, customer, account)
    with pytest.raises(UnlockLimit):
        services.accounts.unlock(teller, account.id)
    assert _pin_locked(services, customer, account) is True
    later = utcnow() + timedelta(hours=24, seconds=1)
    monkeypatch.setattr(accounts_module, "utcnow", lambda: later)
    assert services.accounts.unlock(teller, account.id).pin_locked is False


def test_the_limit_is_per_account(services, bank):
    teller, customer = bank.actor(Role.TELLER), bank.actor()
    first, second = bank.account(customer, 100), bank.account(customer, 100)
    for _ in range(3):
        _lock(services, customer, first)
        services.accounts.unlock(teller, first.id)
    _lock(services, customer, first)
    with pytest.raises(UnlockLimit):
        services.accounts.unlock(teller, first.id)
    _lock(services, customer, second)
    assert services.accounts.unlock(teller, second.id).pin_locked is False


@pytest.mark.parametrize(("raw", "expected"), [("", 3), ("1", 1), ("0", 0), ("10", 10)])
def test_pin_unlocks_per_day_comes_from_the_environment(monkeypatch, tmp_path, raw, expected):
    monkeypatch.setenv("PIN_UNLOCKS_PER_DAY", raw)
    assert load_config(tmp_path)["PIN_UNLOCKS_PER_DAY"] == expected


@pytest.mark.parametrize("raw", ["-1", "three"])
def test_a_bad_pin_unlocks_per_day_refuses_to_start(monkeypatch, tmp_path, raw):
    monkeypatch.setenv("PIN_UNLOCKS_PER_DAY", raw)
    with pytest.raises(ConfigError, match="PIN_UNLOCKS_PER_DAY"):
        load_config(tmp_path)


def test_the_configured_limit_reaches_the_service_and_is_the_one_applied(app_config, services, bank):
    assert services.settings.pin_unlocks_per_day == 3
    configured = create_app({**app_config, "PIN_UNLOCKS_PER_DAY": 1}).extensions["corebank"]
    assert configured.settings.pin_unlocks_per_day == 1
    teller, admin, customer = bank.actor(Role.TELLER), bank.actor(Role.ADMIN), bank.actor()
    account = bank.account(customer, 100)
    _lock(services, customer, account)
    configured.accounts.unlock(teller, account.id)
    _lock(services, customer, account)
    with pytest.raises(UnlockLimit):
        configured.accounts.unlock(teller, account.id)
    assert configured.accounts.unlock(admin, account.id).pin_locked is False


def test_a_transfer_on_a_customers_behalf_into_the_tellers_own_account_is_refused_before_the_pin(services, bank):
    """The review step's question (check_transfer) and the transfer itself give the same answer, even
    with the right PIN: 403 own_account, audited, nothing moved. Into another customer's account is fine."""
    teller, customer, other = bank.actor(Role.TELLER), bank.actor(), bank.actor()
    source, own, theirs = bank.account(customer, 1_000), bank.account(teller), bank.account(other)
    for call in (
        lambda: services.ledger.check_transfer(teller, source.id, own.number),
        lambda: services.ledger.transfer(teller, source.id, own.number, 500, PIN),
    ):
        with pytest.raises(OwnAccount):
            call()
    denied = bank.audit(actor_id=teller.user_id, action="transfer", outcome="denied")
    assert [(d.resource_id, d.details) for d in denied] == [(str(source.id), {"reason": "own_account"})] * 2
    assert services.ledger.check_transfer(teller, source.id, theirs.number) is None
    assert (bank.balance(customer, source.id), bank.balance(teller, own.id)) == (1_000, 0)
