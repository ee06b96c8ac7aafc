"""SPEC sections 7 and 10 (review of issue 14, item 7): the audit log viewer shows money in the
account's currency, names accounts by their masked number and people by name (looked up once per
page, not per row), says reason codes in words, and filters by an action chosen from a list."""

from __future__ import annotations

import re

import pytest

from entities.errors import DomainError
from repository.accounts import AccountRepository
from repository.users import UserRepository
from tests.conftest import PIN


def audit_page(client, **query) -> str:
    response = client.get("/admin/audit", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def detail(html: str, label: str) -> list[str]:
    return re.findall(rf'<span class="muted">{label}:</span> ([^<]*)</span>', html)


@pytest.fixture
def euro(web):
    grace = web.user("Grace Hopper")
    account = web.services.accounts.open(web.actor(grace), "checking", PIN, currency="EUR")
    web.services.ledger.deposit(web.actor(grace), account.id, 5_000)
    return grace, account


def test_an_euro_amount_is_shown_in_euros(web, client, euro):
    web.staff("admin")
    html = audit_page(client, action="deposit")
    assert detail(html, "Amount") == ["€50.00"]
    assert "$50.00" not in html


def test_accounts_are_named_by_their_masked_number_and_people_by_name(web, client, euro):
    grace, account = euro
    web.staff("admin")
    tail = account.number[-4:]
    opened = audit_page(client, action="account.open")
    assert detail(opened, "Owner") == [f"Grace Hopper (#{grace.id})"]  # a name can change, the id cannot
    assert f'data-label="Resource">Checking ···{tail}</td>' in opened
    deposit = audit_page(client, action="deposit")
    assert detail(deposit, "Account") == [f"Checking ···{tail}"]
    registered = audit_page(client, action="register")
    assert f'<td class="small break" data-label="Resource">Grace Hopper (#{grace.id})</td>' in registered
    for raw in ("Account id", "Owner id", "user #", "account #"):
        assert raw not in opened + deposit + registered


def test_a_card_is_named_by_its_last_four_digits(web, client, euro):
    grace, account = euro
    card = web.services.cards.issue(web.actor(grace), account.id)
    web.services.cards.purchase(web.actor(grace), card.card.id, 1_250, "Blue Bottle Coffee", PIN)
    web.staff("admin")
    html = audit_page(client, action="card_purchase")
    assert detail(html, "Card") == [f"card ···{card.card.pan_last4}"]
    assert detail(html, "Amount") == ["€12.50"]
    assert "Card id" not in html


def test_reason_codes_are_said_in_words(web, client, euro):
    grace, account = euro
    with pytest.raises(DomainError):
        web.services.ledger.withdraw(web.actor(grace), account.id, 100, "9999")
    web.login(grace, "not the password")
    admin = web.staff("admin")
    web.post(f"/admin/users/{admin.id}/role", {"role": "teller", "reason": "Testing"}, htmx=True)
    assert detail(audit_page(client, action="withdrawal"), "Reason") == ["Wrong PIN"]
    assert detail(audit_page(client, action="login", outcome="failure"), "Reason") == ["Wrong password"]
    assert detail(audit_page(client, action="user.role", outcome="denied"), "Reason") == ["Changing their own role"]


def test_a_staff_members_own_reason_shows_as_written(web, client):
    target = web.user("Locked Larry")
    web.staff("admin")
    web.post(f"/admin/users/{target.id}/lock", {"reason": "fraud_suspected by the branch"}, htmx=True)
    assert detail(audit_page(client, action="user.lock"), "Reason") == ["fraud_suspected by the branch"]


def test_the_action_filter_is_a_list_of_actions_in_words(web, client, euro):
    web.staff("admin")
    html = audit_page(client, action="account.freeze")
    assert '<select id="audit-action" name="action">' in html
    assert '<optgroup label="Accounts and cards">' in html
    assert '<option value="account.freeze" selected>Account frozen</option>' in html
    assert '<option value="">Any action</option>' in html
    assert "<datalist" not in html
    assert '<td class="small" data-label="Action">Cash deposit</td>' in audit_page(client, action="deposit")


def test_an_unknown_action_in_the_address_still_filters_and_stays_chosen(web, client):
    web.staff("admin")
    html = audit_page(client, action="some.new_action")
    assert '<option value="some.new_action" selected>Some new action</option>' in html
    assert "No audit records match." in html


def test_names_are_read_once_per_page_not_once_per_row(web, client, monkeypatch):
    people = [web.user(f"Customer {n}") for n in range(6)]
    for person in people:
        web.account(person, 1_000)
    web.staff("admin")
    calls = {"user.get": 0, "user.many": 0, "account.get": 0, "account.many": 0}

    def counted(name, method):
        def wrapper(self, *args, **kwargs):
            calls[name] += 1
            return method(self, *args, **kwargs)

        return wrapper

    monkeypatch.setattr(UserRepository, "get", counted("user.get", UserRepository.get))
    monkeypatch.setattr(UserRepository, "many", counted("user.many", UserRepository.many))
    monkeypatch.setattr(AccountRepository, "get", counted("account.get", AccountRepository.get))
    monkeypatch.setattr(AccountRepository, "many", counted("account.many", AccountRepository.many))
    audit_page(client, action="deposit")  # six rows, six people, six accounts
    one_row = dict(calls)
    calls.update(dict.fromkeys(calls, 0))
    audit_page(client, action="deposit", actor_id=str(people[0].id))
    assert (one_row["user.many"], one_row["account.many"]) == (1, 1)
    assert one_row == calls  # the same reads for one row as for six
