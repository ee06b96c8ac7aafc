"""SPEC section 10, "Consequential staff actions" (review of issue 14, item 4): staff closing a
customer's account give a reason (a field named ``reason``), which the audit record keeps; a customer
closing their own account may omit it."""

from __future__ import annotations

import json

import pytest


def close_records(web) -> list[dict]:
    rows = web.sql("SELECT details FROM audit_log WHERE action = 'account.close' AND outcome = 'success' ORDER BY id")
    return [json.loads(row[0]) for row in rows]


@pytest.fixture
def empty_account(web):
    customer = web.user("Grace Hopper")
    return customer, web.account(customer)


def test_the_staff_close_form_asks_for_a_reason(web, client, empty_account):
    _, account = empty_account
    web.staff("teller")
    html = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert 'id="close-reason" name="reason" type="text" maxlength="140" autocomplete="off" required' in html
    assert "Reason for closing" in html


def test_staff_closing_without_a_reason_hear_it_next_to_the_field_and_nothing_changes(web, empty_account):
    _, account = empty_account
    web.staff("teller")
    response = web.post(f"/accounts/{account.id}/close", htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in body
    assert '<p class="field-error" id="close-reason-error">say why: the audit log keeps the reason</p>' in body
    assert web.sql("SELECT status FROM accounts WHERE id = ?", account.id) == [("active",)]
    assert close_records(web) == []


def test_staff_closing_with_a_reason_keep_it_in_the_audit_record(web, empty_account):
    _, account = empty_account
    web.staff("teller")
    response = web.post(f"/accounts/{account.id}/close", {"reason": "Customer moved abroad"}, htmx=True)
    assert response.status_code == 200
    assert web.sql("SELECT status FROM accounts WHERE id = ?", account.id) == [("closed",)]
    assert close_records(web) == [{"status": "closed", "reason": "Customer moved abroad"}]


def test_a_reason_with_a_control_character_is_refused_next_to_the_field(web, empty_account):
    _, account = empty_account
    web.staff("teller")
    response = web.post(f"/accounts/{account.id}/close", {"reason": "bad\tone"}, htmx=True)
    assert response.status_code == 422
    assert 'id="close-reason-error"' in response.get_data(as_text=True)
    assert web.sql("SELECT status FROM accounts WHERE id = ?", account.id) == [("active",)]


def test_a_customer_closes_their_own_account_without_a_reason(web, client):
    customer = web.customer("Ada Lovelace")
    account = web.account(customer)
    html = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert 'id="close-reason"' not in html
    response = web.post(f"/accounts/{account.id}/close", htmx=True)
    assert response.status_code == 200
    assert close_records(web) == [{"status": "closed"}]


def test_the_service_keeps_closing_without_a_reason_for_the_api(web, empty_account):
    customer, account = empty_account
    closed = web.services.accounts.close(web.actor(customer), account.id)
    assert closed.status == "closed"
    assert close_records(web) == [{"status": "closed"}]
