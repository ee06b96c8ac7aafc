"""SPEC section 10, "Consequential staff actions": reverse, lock, freeze and role change ask for
confirmation and a reason (a form field named ``reason``), which the audit record keeps; the admin's
own row offers no role selector."""

from __future__ import annotations

import json

import pytest


def audit_details(web, action: str) -> list[dict]:
    rows = web.sql("SELECT details FROM audit_log WHERE action = ? AND outcome = 'success' ORDER BY id", action)
    return [json.loads(row[0]) for row in rows]


@pytest.fixture
def customer_account(web):
    customer = web.user("Grace Hopper")
    return customer, web.account(customer, 10_000)


def test_freezing_without_a_reason_is_refused_and_changes_nothing(web, customer_account):
    _, account = customer_account
    web.staff("teller")
    response = web.post(f"/teller/accounts/{account.id}/freeze", htmx=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)  # the form again, the refusal beside its field
    assert html.lstrip().startswith(f'<form id="freeze-form-{account.id}"')
    assert (
        f'<p class="field-error" id="freeze-{account.id}-reason-error">say why: the audit log keeps the reason</p>'
        in html
    )
    assert web.sql("SELECT status FROM accounts WHERE id = ?", account.id) == [("active",)]
    assert audit_details(web, "account.freeze") == []


def test_without_javascript_a_freeze_without_a_reason_reopens_its_confirmation(web, customer_account):
    _, account = customer_account
    web.staff("teller")
    response = web.post(f"/teller/accounts/{account.id}/freeze", {"reason": "  "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<details class="confirm row-confirm" open>' in html
    assert f'id="freeze-{account.id}-reason-error">say why: the audit log keeps the reason' in html
    assert web.sql("SELECT status FROM accounts WHERE id = ?", account.id) == [("active",)]


def test_freezing_with_a_reason_keeps_it_in_the_audit_record(web, customer_account):
    _, account = customer_account
    web.staff("teller")
    response = web.post(f"/teller/accounts/{account.id}/freeze", {"reason": "Card reported stolen"}, htmx=True)
    assert response.status_code == 200
    assert web.sql("SELECT status FROM accounts WHERE id = ?", account.id) == [("frozen",)]
    assert audit_details(web, "account.freeze") == [{"status": "frozen", "reason": "Card reported stolen"}]


def test_the_freeze_button_opens_a_confirmation_with_a_required_reason(web, client, customer_account):
    customer, account = customer_account
    web.staff("teller")
    html = client.get(f"/teller/customers/{customer.id}").get_data(as_text=True)
    assert '<details class="confirm row-confirm">' in html
    assert (
        f'id="freeze-{account.id}-reason" name="reason" type="text" maxlength="140" autocomplete="off" required' in html
    )


@pytest.mark.parametrize(
    ("path", "data", "action"), [("role", {"role": "teller"}, "user.role"), ("lock", {}, "user.lock")]
)
def test_role_change_and_lock_need_a_reason_which_the_audit_keeps(web, path, data, action):
    target = web.user("Future Teller")
    web.staff("admin")
    refused = web.post(f"/admin/users/{target.id}/{path}", data, htmx=True)
    assert refused.status_code == 422
    assert "say why: the audit log keeps the reason" in refused.get_data(as_text=True)
    assert web.sql("SELECT role, admin_locked FROM users WHERE id = ?", target.id) == [("customer", 0)]

    done = web.post(f"/admin/users/{target.id}/{path}", {**data, "reason": "Agreed with the branch"}, htmx=True)
    assert done.status_code == 200
    assert audit_details(web, action)[-1]["reason"] == "Agreed with the branch"


def test_a_reason_with_a_control_character_is_refused_by_the_text_rule(web):
    target = web.user("Future Teller")
    web.staff("admin")
    response = web.post(f"/admin/users/{target.id}/lock", {"reason": "bad\tone"}, htmx=True)
    assert response.status_code == 422
    assert web.sql("SELECT admin_locked FROM users WHERE id = ?", target.id) == [(0,)]


def test_the_admins_own_row_offers_no_role_selector(web, client):
    admin = web.staff("admin")
    other = web.user("Other Person")
    html = client.get("/admin").get_data(as_text=True)
    assert f'id="role-{admin.id}"' not in html
    assert f'id="role-{other.id}"' in html
    assert "(you: another admin can change it)" in html


def test_a_reversal_without_a_reason_is_refused_and_nothing_moves(web, customer_account):
    _, account = customer_account
    web.staff("teller")
    entry_id = web.sql("SELECT id FROM journal_entries WHERE kind = 'deposit'")[0][0]
    refused = web.post(f"/accounts/{account.id}/entries/{entry_id}/reverse", htmx=True)
    assert refused.status_code == 422
    assert web.sql("SELECT COUNT(*) FROM journal_entries WHERE kind = 'reversal'") == [(0,)]
    done = web.post(f"/accounts/{account.id}/entries/{entry_id}/reverse", {"reason": "Keyed twice"}, htmx=True)
    assert done.status_code == 200
    assert web.sql("SELECT memo FROM journal_entries WHERE kind = 'reversal'") == [
        (f"Reversal of #{entry_id}: Keyed twice",)
    ]
