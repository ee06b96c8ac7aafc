"""SPEC section 10, "Words, not ledger codes": history, statements and the dashboard name the other
side of each line ("To Bob B.", "From Dana S.", "To your Savings ···1234"), say "Cash deposit"
and "Cash withdrawal", show a card purchase by its merchant and a reversal by what it reversed;
no page shows a system account's name or a bare account number as a description."""

from __future__ import annotations

import re

import pytest

from entities.users import Actor, Role
from tests.conftest import PIN

LINE_TITLE = re.compile(r'<strong class="line-title">([^<]*)</strong>')
LEDGER_CODES = ("cash-vault", "card-settlement", "Card-settlement", "Cash-vault", "Card settlement")


@pytest.fixture
def ledger(web):
    """Dana (checking and savings) pays Bob, moves money to her savings, buys coffee by card; a
    teller reverses the payment to Bob."""
    dana = web.user("Dana Scully")
    bob = web.user("Bob Dylan")
    checking = web.account(dana, 100_000)
    savings = web.account(dana, type="savings")
    bob_account = web.account(bob)
    me = web.actor(dana)
    services = web.services
    services.ledger.withdraw(me, checking.id, 2_000, PIN)
    to_bob = services.ledger.transfer(me, checking.id, bob_account.number, 5_000, PIN, "Rent")
    services.ledger.transfer(me, checking.id, savings.number, 10_000, PIN)
    card = services.cards.issue(me, checking.id)
    services.cards.purchase(me, card.card.id, 1_299, "Blue Bottle Coffee", PIN)
    teller = web.user("Tess Teller", role="teller")
    services.ledger.reverse(Actor(user_id=teller.id, role=Role.TELLER), to_bob.id, "Sent twice")
    return {"dana": dana, "bob": bob, "checking": checking, "savings": savings, "bob_account": bob_account}


def titles(html: str) -> list[str]:
    return [t.replace("&#183;", "·").replace("&middot;", "·") for t in LINE_TITLE.findall(html)]


def assert_no_codes(html: str, *numbers: str):
    for code in LEDGER_CODES:
        assert code not in html
    for title in titles(html):
        assert not re.fullmatch(r"[\d\s·#]+", title), title
        for number in numbers:
            assert number not in title


def test_the_account_history_names_the_other_side_in_words(web, ledger):
    web.login(ledger["dana"])
    html = web.client.get(f"/accounts/{ledger['checking'].id}").get_data(as_text=True)
    savings_tail = ledger["savings"].number[-4:]
    assert titles(html) == [
        "Reversal of transfer to Bob D.",
        "Blue Bottle Coffee",
        f"To your Savings ···{savings_tail}",
        "To Bob D.",
        "Cash withdrawal",
        "Cash deposit",
    ]
    assert "Reason: Sent twice" in html
    assert_no_codes(html, ledger["savings"].number, ledger["bob_account"].number)


def test_the_recipient_sees_who_sent_it(web, ledger):
    web.login(ledger["bob"])
    html = web.client.get(f"/accounts/{ledger['bob_account'].id}").get_data(as_text=True)
    assert titles(html) == ["Reversal of transfer from Dana S.", "From Dana S."]
    assert_no_codes(html, ledger["checking"].number)


def test_the_statement_names_lines_in_words(web, ledger):
    web.login(ledger["dana"])
    html = web.client.get(f"/statements?account_id={ledger['savings'].id}").get_data(as_text=True)
    assert titles(html) == [f"From your Checking ···{ledger['checking'].number[-4:]}"]
    html = web.client.get(f"/statements?account_id={ledger['checking'].id}").get_data(as_text=True)
    assert titles(html)[0] == "Cash deposit"
    assert "Blue Bottle Coffee" in titles(html)
    assert_no_codes(html, ledger["savings"].number, ledger["bob_account"].number)


def test_the_dashboard_activity_names_lines_in_words(web, ledger):
    web.login(ledger["dana"])
    html = web.client.get("/").get_data(as_text=True)
    shown = titles(html)
    assert "To Bob D." in shown and "Cash deposit" in shown and "Blue Bottle Coffee" in shown
    assert f"From your Checking ···{ledger['checking'].number[-4:]}" in shown
    assert_no_codes(html, ledger["bob_account"].number)


def test_staff_see_a_customers_own_transfer_as_between_own_accounts(web, ledger):
    web.staff("teller")
    html = web.client.get(f"/accounts/{ledger['checking'].id}").get_data(as_text=True)
    assert f"To their Savings ···{ledger['savings'].number[-4:]}" in titles(html)
    assert_no_codes(html, ledger["savings"].number, ledger["bob_account"].number)
