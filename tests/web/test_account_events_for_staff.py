"""Issue 13: the account page shows staff the account's recent events in words (type, time, amount,
the other side named as history lines name it), with "load more"; never to the owner when the owner
is that staff member, never to customers."""

from __future__ import annotations

import re

from entities.users import Actor, Role
from tests.conftest import PIN

COUNTER = Actor(role=Role.TELLER, ip="test")


def _transfer(web, source_owner, source, target, cents):
    web.services.ledger.transfer(web.actor(source_owner), source.id, target.number, cents, PIN)


def test_staff_see_the_accounts_events_in_words(web, client):
    grace = web.user("Grace Hopper")
    bob = web.user("Bob Builder")
    account = web.account(grace, 50_00)
    savings = web.account(grace, type="savings")
    bobs = web.account(bob)
    _transfer(web, grace, account, bobs, 12_50)
    _transfer(web, grace, account, savings, 1_00)
    web.services.accounts.freeze(COUNTER, account.id, "Card stolen")
    web.staff("teller")
    html = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    section = html[html.index('id="events-title"') :]
    titles = re.findall(r'<strong class="line-title">([^<]+)</strong>', section)
    assert titles == ["Account frozen", "Transfer", "Transfer", "Cash deposit", "Account opened"]  # newest first
    assert "To Bob B." in section and "To their Savings ···" in section
    assert "−$12.50" in section or "-$12.50" in section
    assert "$50.00" in section
    assert " UTC</span></time>" in section
    assert "transfer.posted" not in section and "bob" not in section.lower().replace("bob b.", "")


def test_load_more_pages_back_through_older_events(web, client):
    grace = web.user("Grace Hopper")
    account = web.account(grace)
    for cents in range(1, 13):  # 12 deposits + the opening: 13 events, 10 a page
        web.services.ledger.deposit(COUNTER, account.id, cents * 100)
    web.staff("teller")
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    section = page[page.index('id="events-title"') :]
    assert section.count('<strong class="line-title">') == 10
    cursor = re.search(r'name="cursor" value="([^"]+)"', section).group(1)
    more = client.get(f"/accounts/{account.id}/events", query_string={"cursor": cursor}, headers={"HX-Request": "true"})
    assert more.status_code == 200
    rows = more.get_data(as_text=True)
    assert re.findall(r'<strong class="line-title">([^<]+)</strong>', rows) == ["Cash deposit"] * 2 + ["Account opened"]
    assert "Load more" not in rows


def test_the_owner_who_is_staff_does_not_see_it_on_their_own_account(web, client):
    teller = web.staff("teller")
    own = web.account(teller)
    web.services.ledger.deposit(COUNTER, own.id, 10_00)
    html = client.get(f"/accounts/{own.id}").get_data(as_text=True)
    assert 'id="events-title"' not in html
    refused = client.get(f"/accounts/{own.id}/events", headers={"HX-Request": "true"})
    assert refused.status_code == 403  # staff powers never apply to one's own accounts
    assert web.sql("SELECT outcome FROM audit_log WHERE action = 'events.read'") == [("denied",)]


def test_customers_never_see_it(web, client):
    grace = web.customer("Grace Hopper")
    account = web.account(grace, 10_00)
    html = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert html.count("Cash deposit") >= 1  # their history is there
    assert 'id="events-title"' not in html
    assert client.get(f"/accounts/{account.id}/events", headers={"HX-Request": "true"}).status_code == 403
