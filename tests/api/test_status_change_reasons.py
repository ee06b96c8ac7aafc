"""A reason on the API's status changes (SPEC 10 asks the pages for one on every consequential staff
action; the API takes the same optional `{"reason"}`): card freeze and unfreeze, account freeze,
unfreeze and close, an admin's lock of a user. The audit record keeps it; the text rule of every
reason applies; an empty body still works, as before."""

from __future__ import annotations

import pytest

from tests.api.helpers import assert_problem


@pytest.fixture
def holder(api, client):
    """(auth headers, funded account, issued card body) of a customer with a card."""
    _, headers = api.customer("Alice Cooper")
    account = api.funded_account(headers, 10_000)
    card = client.post(f"/api/v1/accounts/{account['id']}/card", headers=headers).json
    return headers, account, card


def _details(audit, action) -> dict:
    [record] = audit(action=action, outcome="success")
    return record["details"]


def test_staff_freeze_and_unfreeze_a_customers_card_with_a_reason_the_audit_keeps(client, holder, teller, audit):
    _, _, card = holder
    frozen = client.post(f"/api/v1/cards/{card['id']}/freeze", json={"reason": " Fraud alert "}, headers=teller[1])
    assert (frozen.status_code, frozen.json["status"]) == (200, "frozen")
    assert _details(audit, "card.freeze")["reason"] == "Fraud alert"
    thawed = client.post(f"/api/v1/cards/{card['id']}/unfreeze", json={"reason": "Cleared"}, headers=teller[1])
    assert (thawed.status_code, thawed.json["status"]) == (200, "active")
    assert _details(audit, "card.unfreeze")["reason"] == "Cleared"


def test_a_card_freeze_without_a_body_still_works_and_records_no_reason(client, holder, audit):
    headers, account, card = holder
    response = client.post(f"/api/v1/cards/{card['id']}/freeze", headers=headers)
    assert (response.status_code, response.json["status"]) == (200, "frozen")
    assert _details(audit, "card.freeze") == {"account_id": account["id"], "status": "frozen"}


def test_staff_freeze_and_close_an_account_with_a_reason(api, client, teller, audit):
    _, headers = api.customer("Bob Brown")
    account = api.account(headers)
    frozen = client.post(f"/api/v1/accounts/{account['id']}/freeze", json={"reason": "Court order"}, headers=teller[1])
    assert (frozen.status_code, frozen.json["status"]) == (200, "frozen")
    assert _details(audit, "account.freeze")["reason"] == "Court order"
    client.post(f"/api/v1/accounts/{account['id']}/unfreeze", json={}, headers=teller[1])
    closed = client.post(
        f"/api/v1/accounts/{account['id']}/close", json={"reason": "Customer moved"}, headers=teller[1]
    )
    assert (closed.status_code, closed.json["status"]) == (200, "closed")
    assert _details(audit, "account.close")["reason"] == "Customer moved"


def test_an_admin_locks_a_user_with_a_reason(api, client, admin, audit):
    user, _ = api.customer("Carol Customer")
    response = client.post(
        f"/api/v1/admin/users/{user['id']}/lock", json={"reason": "Account takeover"}, headers=admin[1]
    )
    assert (response.status_code, response.json["status"]) == (200, "locked")
    assert _details(audit, "user.lock")["reason"] == "Account takeover"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "x" * 141}, "reason"),
        ({"reason": "a\u200bb"}, "reason"),
        ({"reason": 7}, "reason"),
        ({"why": "x"}, "why"),
    ],
)
def test_a_bad_reason_is_422_on_its_field_and_changes_nothing(api, client, holder, teller, body, field):
    headers, account, card = holder
    for path in (f"/api/v1/cards/{card['id']}/freeze", f"/api/v1/accounts/{account['id']}/freeze"):
        refused = assert_problem(client.post(path, json=body, headers=teller[1]), 422, "validation_error")
        assert [e["field"] for e in refused["errors"]] == [field]
    assert client.get(f"/api/v1/accounts/{account['id']}/card", headers=headers).json["status"] == "active"
    assert api.get_account(headers, account["id"])["status"] == "active"


def test_unlock_still_takes_no_body_member(api, client, teller):
    _, headers = api.customer("Dan Doe")
    account = api.account(headers)
    refused = client.post(f"/api/v1/accounts/{account['id']}/unlock", json={"reason": "x"}, headers=teller[1])
    assert [e["field"] for e in assert_problem(refused, 422, "validation_error")["errors"]] == ["reason"]
