"""Issue 14, item 9: the audit log viewer names actors, shows details in words and money, times with
year and zone, and filters by a person's email."""

from __future__ import annotations

import re

from tests.conftest import PIN


def test_the_audit_log_names_people_and_shows_money_in_words(web, client):
    customer = web.user("Grace Hopper")
    account = web.account(customer, 12_50)
    web.services.ledger.withdraw(web.actor(customer), account.id, 2_00, PIN)
    web.staff("admin")
    html = client.get("/admin/audit", query_string={"action": "withdrawal"}).get_data(as_text=True)
    assert "Grace Hopper" in html and customer.email in html
    assert "amount_cents" not in html
    assert "Amount:</span> $2.00" in html
    assert " UTC</time>" in html  # times carry their zone, and the year


def test_the_audit_log_filters_by_a_persons_email(web, client):
    grace = web.user("Grace Hopper")
    ada = web.user("Ada Lovelace")
    web.account(grace)
    web.account(ada)
    web.staff("admin")
    html = client.get("/admin/audit", query_string={"actor_id": grace.email}).get_data(as_text=True)
    assert "Grace Hopper" in html and "Ada Lovelace" not in html
    unknown = client.get("/admin/audit", query_string={"actor_id": "nobody@example.com"})
    assert unknown.status_code == 422


def test_a_lockouts_end_is_shown_as_a_time_with_its_zone(web, client):
    locked = web.user("Locked Out")
    for attempt in range(5):
        web.login(locked, f"wrong password {attempt}")
    web.staff("admin")
    html = client.get("/admin/audit", query_string={"action": "user.lockout"}).get_data(as_text=True)
    assert "Until:</span> " in html and "Z</span>" not in html
    assert re.search(r"Until:</span> \d\d \w{3} \d{4} \d\d:\d\d UTC", html)
