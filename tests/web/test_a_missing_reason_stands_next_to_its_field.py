"""SPEC section 10 (review of issue 14, item 9): a consequential staff action sent without a reason
is refused next to the reason field, as every other form's error is, not in a toast that quotes the
field's name ("Reason: say why: ...")."""

from __future__ import annotations

import pytest


@pytest.fixture
def deposit(web):
    customer = web.user("Grace Hopper")
    account = web.account(customer, 10_000)
    entry_id = web.sql("SELECT id FROM journal_entries WHERE kind = 'deposit'")[0][0]
    return account, entry_id


def test_a_reversal_without_a_reason_comes_back_open_with_the_error_by_the_field(web, deposit):
    account, entry_id = deposit
    web.staff("teller")
    response = web.post(f"/accounts/{account.id}/entries/{entry_id}/reverse", htmx=True)
    assert response.status_code == 422
    assert "HX-Trigger" not in response.headers and "HX-Reswap" not in response.headers
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<tr class="row-action">')  # the form's own row, swapped in place
    assert "<details open>" in body
    assert f'id="reverse-{entry_id}-reason" name="reason"' in body and 'aria-invalid="true"' in body
    error = "say why: the audit log keeps the reason"
    assert f'<p class="field-error" id="reverse-{entry_id}-reason-error">{error}</p>' in body
    assert web.sql("SELECT COUNT(*) FROM journal_entries WHERE kind = 'reversal'") == [(0,)]


def test_the_reversal_form_answers_into_its_own_row(web, client, deposit):
    account, entry_id = deposit
    web.staff("teller")
    html = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    url = f"/accounts/{account.id}/entries/{entry_id}/reverse"
    assert f'hx-post="{url}" hx-target="closest tr" hx-swap="outerHTML"' in html


def test_without_javascript_the_page_comes_back_with_that_lines_form_open(web, deposit):
    account, entry_id = deposit
    web.staff("teller")
    response = web.post(f"/accounts/{account.id}/entries/{entry_id}/reverse")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="account-balance">$100.00<' in html
    row = html[html.index(f'id="reverse-{entry_id}-reason"') - 700 :]
    assert "<details open>" in row
    assert f'id="reverse-{entry_id}-reason-error">say why: the audit log keeps the reason</p>' in html


def test_a_refused_freeze_says_why_beside_the_field_not_in_a_toast(web, deposit):
    account, _ = deposit
    web.staff("teller")
    response = web.post(f"/teller/accounts/{account.id}/freeze", htmx=True)
    assert response.status_code == 422
    assert "HX-Trigger" not in response.headers  # no toast: the refusal stands beside its field
    html = response.get_data(as_text=True)
    assert f'id="freeze-{account.id}-reason-error">say why: the audit log keeps the reason</p>' in html
    assert "Reason: say why" not in html
