"""CSRF (SPEC section 2): every state-changing web request needs the token, HTMX requests included."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, PIN


@pytest.fixture
def admin_with_targets(web):
    """An admin logged in, plus a customer with a funded account: every form has something to change."""
    customer = web.user("Target Customer")
    account = web.account(customer, 5_000)
    admin = web.staff("admin")
    return {"admin": admin, "customer": customer, "account": account}


def _web_post_routes(app):
    rules = [r.rule for r in app.url_map.iter_rules() if "POST" in r.methods and not r.rule.startswith("/api/")]
    return sorted(rules)


def _fill(path, values):
    """Concrete ids for a rule's variables (other areas' routes get id 1: the token check comes first)."""
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values.get(m.group(1), 1)), path)


FORM = {
    "email": "someone@example.com",
    "password": PASSWORD,
    "full_name": "Someone",
    "type": "checking",
    "pin": PIN,
    "amount": "10.00",
    "account_id": "1",
    "from_account_id": "1",
    "to_account_number": "0000000000",
    "role": "teller",
    "current_password": PASSWORD,
    "new_password": "another long password",
    "timezone": "Europe/Paris",
    "op": "deposit",
}


def test_every_web_form_refuses_a_post_without_the_token(app, web, admin_with_targets):
    session_id = web.sql("SELECT id FROM sessions")[0][0]
    routes = _web_post_routes(app)
    assert len(routes) >= 20  # the guard covers every form, not a sample
    before = web.snapshot()
    values = {
        "account_id": admin_with_targets["account"].id,
        "user_id": admin_with_targets["customer"].id,
        "session_id": session_id,
    }
    for rule in routes:
        path = _fill(rule, values)
        for htmx in (False, True):
            response = web.post(path, FORM, token=False, htmx=htmx)
            assert response.status_code == 403, (path, htmx, response.status_code)
    assert web.snapshot() == before


def test_a_wrong_token_is_refused(web, admin_with_targets):
    before = web.snapshot()
    account = admin_with_targets["account"]
    response = web.post(f"/accounts/{account.id}/deposit", {"amount": "10.00", "csrf_token": "forged"}, token=False)
    assert response.status_code == 403
    assert web.snapshot() == before


def test_refused_htmx_post_shows_a_toast_and_swaps_nothing(web, admin_with_targets):
    account = admin_with_targets["account"]
    response = web.post(f"/accounts/{account.id}/deposit", {"amount": "10.00"}, token=False, htmx=True)
    assert response.status_code == 403
    assert response.headers["HX-Reswap"] == "none"
    assert '"toast"' in response.headers["HX-Trigger"]


def test_htmx_sends_the_token_in_a_header_and_is_accepted(web, client):
    user = web.customer()
    account = web.account(user)
    token = web.csrf("/")
    response = client.post(
        f"/accounts/{account.id}/deposit",
        data={"amount": "10.00"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert web.sql("SELECT balance_cents FROM accounts WHERE id = ?", account.id) == [(1_000,)]


def test_every_page_puts_the_token_in_a_meta_tag_and_every_form_in_a_hidden_field(web, client):
    user = web.customer()
    account = web.account(user, 1_000)
    for path in ("/", f"/accounts/{account.id}", "/transfers/new", "/settings/security"):
        body = client.get(path).get_data(as_text=True)
        assert '<meta name="csrf-token" content="' in body
        post_forms = body.count('method="post"')
        assert post_forms >= 1
        assert body.count('name="csrf_token"') == post_forms, path
