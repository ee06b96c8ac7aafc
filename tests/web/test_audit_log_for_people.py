"""Issue 14, item 9: the audit log viewer names actors, shows details in words and money, times with
year and zone, and filters by a person's email."""

from __future__ import annotations

import re

import pytest

from tests.api.helpers import raw_connection
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


@pytest.mark.parametrize("details", ["null", "[1, 2]", "not json", '"text"'])
def test_a_record_whose_details_were_rewritten_is_shown_not_a_500(web, client, details):
    """An insider's record (written behind the application's back, its details not a JSON object) is
    exactly what an auditor opens the log for: the page shows it and says the details are unreadable."""
    web.staff("admin")
    db = raw_connection(web.client.application)
    try:
        # SQLite chains a record as it is written (its links are NOT NULL); PostgreSQL's sealer chains it later.
        links = ", prev_hash, hash" if db.backend == "sqlite" else ""
        db.execute(
            "INSERT INTO audit_log (created_at, actor_id, action, resource_type, resource_id, outcome, details"
            f"{links}) VALUES ('2026-12-04T10:00:00.000000Z', NULL, 'account.freeze', 'account', '1', 'success', ?"
            f"{', ?, ?' if links else ''})",
            (details, "x", "y") if links else (details,),
        )
    finally:
        db.close()
    response = client.get("/admin/audit")
    assert response.status_code == 200
    assert "unreadable: changed outside the bank&#39;s software" in response.get_data(as_text=True)
