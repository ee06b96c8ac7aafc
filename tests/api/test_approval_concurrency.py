"""Dual control under real threads, through the services, on a file database (SQLite) or, in the
PostgreSQL pass, on PostgreSQL: of two decisions racing on one request exactly one wins, and an
approved reversal moves the money once (SPEC sections 4 and 15)."""

import pytest

from entities.approvals import Approval, ApprovalStatus
from entities.errors import ApprovalNotPending
from entities.users import Actor, Role
from tests.conftest import PIN
from tests.support import databases
from tests.support.threads import race

LARGE = 150_000


@pytest.fixture
def app_config(app_config, database_url):
    return {**app_config, "DATABASE_URL": database_url} if databases.on_postgresql() else app_config


def _pending_reversal(api, services):
    """A withdrawal of LARGE from a customer's account and a teller's pending request to reverse it."""
    user, headers = api.customer()
    account = api.funded_account(headers, LARGE)
    customer = Actor(user_id=user["id"], role=Role.CUSTOMER)
    entry = services.ledger.withdraw(customer, account["id"], LARGE, PIN)
    maker = api.staff("teller")[0]
    approval = services.ledger.reverse(Actor(user_id=maker.id, role=Role.TELLER), entry.id, "Paid out twice")
    assert isinstance(approval, Approval) and approval.status == ApprovalStatus.PENDING
    return customer, account["id"], entry, approval


def _checkers(api, count):
    return [Actor(user_id=api.staff("teller")[0].id, role=Role.TELLER) for _ in range(count)]


def test_two_approvals_racing_execute_the_reversal_once(api, services, app):
    assert app.config["DATABASE_URL"].startswith("postgresql" if databases.on_postgresql() else "sqlite")
    for _ in range(3):
        customer, account_id, entry, approval = _pending_reversal(api, services)
        first, second = _checkers(api, 2)
        results = race(
            lambda: services.approvals.approve(first, approval.id),
            lambda: services.approvals.approve(second, approval.id),
        )
        assert sum(isinstance(r, Approval) for r in results) == 1, results
        assert sum(isinstance(r, ApprovalNotPending) for r in results) == 1, results
        assert services.accounts.get(customer, account_id).balance_cents == LARGE  # given back once
        winner = next(r for r in results if isinstance(r, Approval))
        assert services.approvals.get(first, approval.id).result == winner.result
    assert all(c.passed for c in services.verification.run())


def test_an_approval_racing_a_rejection_ends_the_request_once(api, services):
    for _ in range(3):
        customer, account_id, entry, approval = _pending_reversal(api, services)
        first, second = _checkers(api, 2)
        results = race(
            lambda: services.approvals.approve(first, approval.id),
            lambda: services.approvals.reject(second, approval.id, "Not a duplicate"),
        )
        assert sum(isinstance(r, ApprovalNotPending) for r in results) == 1, results
        decided = services.approvals.get(first, approval.id)
        moved = services.accounts.get(customer, account_id).balance_cents
        assert moved == (LARGE if decided.status == ApprovalStatus.APPROVED else 0)
    assert all(c.passed for c in services.verification.run())


def test_ten_requests_racing_for_one_entry_store_one(api, services):
    user, headers = api.customer()
    account = api.funded_account(headers, LARGE)
    entry = services.ledger.withdraw(Actor(user_id=user["id"], role=Role.CUSTOMER), account["id"], LARGE, PIN)
    makers = _checkers(api, 10)
    results = race(*[lambda m=m: services.ledger.reverse(m, entry.id, "Paid out twice") for m in makers])
    assert sum(isinstance(r, Approval) for r in results) == 1, results
    assert sum(getattr(r, "code", None) == "conflict" for r in results) == 9, results
    items, _ = services.approvals.list(makers[0], status="pending")
    assert len(items) == 1
