"""HTMX manners: page or partial, Vary, HX-Trigger toasts, errors next to fields, HX-Redirect to login."""

from __future__ import annotations

import json

import pytest

HX = {"HX-Request": "true"}


@pytest.fixture
def account(web):
    user = web.customer("Alice Cooper")
    return web.account(user, 10_000)


@pytest.mark.parametrize("path", ["/", "/transfers/new", "/settings/security", "/accounts/{id}"])
def test_plain_request_gets_the_full_page_and_htmx_the_fragment(client, account, path):
    path = path.format(id=account.id)
    page = client.get(path)
    fragment = client.get(path, headers=HX)
    assert page.status_code == fragment.status_code == 200
    assert page.get_data(as_text=True).startswith("<!doctype html>")
    assert "<html" not in fragment.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"]
    assert "HX-Request" in fragment.headers["Vary"]


def test_the_page_includes_exactly_the_fragment(client, account):
    """The page {% include %}s its partial, so the two cannot drift."""
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    fragment = client.get(f"/accounts/{account.id}", headers=HX).get_data(as_text=True)
    # Each render mints fresh one-time idempotency keys and time-stamped CSRF tokens (a render a second
    # later signs a different one); compare the structure around them.
    minted = ("idempotency_key", "csrf_token")
    strip = lambda html: "\n".join(line for line in html.splitlines() if not any(m in line for m in minted))  # noqa: E731
    assert strip(fragment).strip() in strip(page)


def test_history_restore_gets_the_full_page(client, account):
    response = client.get("/", headers={**HX, "HX-History-Restore-Request": "true"})
    assert response.get_data(as_text=True).startswith("<!doctype html>")


def test_pages_are_not_cached(client, account):
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_deposit_over_htmx_answers_the_fresh_form_with_a_toast_and_a_refresh_event(web, account):
    response = web.post(f"/accounts/{account.id}/deposit", {"amount": "1,234.50"}, htmx=True)
    assert response.status_code == 200
    trigger = json.loads(response.headers["HX-Trigger"])
    assert trigger["toast"] == {"level": "success", "message": "Deposited $1,234.50. New balance $1,334.50."}
    assert trigger["balance-changed"] is True
    assert response.get_data(as_text=True).lstrip().startswith("<form")
    assert web.sql("SELECT balance_cents FROM accounts WHERE id = ?", account.id) == [(133_450,)]


def test_deposit_without_javascript_redirects_with_a_flashed_message(web, client, account):
    response = web.post(f"/accounts/{account.id}/deposit", {"amount": "12.50"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/accounts/{account.id}"
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Deposited $12.50. New balance $112.50." in page
    assert "$112.50" in page


def test_a_bad_amount_rerenders_the_form_with_the_error_next_to_the_field(web, account):
    response = web.post(f"/accounts/{account.id}/deposit", {"amount": "12.345"}, htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith("<form")
    assert 'aria-invalid="true"' in body
    assert 'id="deposit-amount-error"' in body
    assert "at most two decimals" in body
    assert 'value="12.345"' in body
    assert web.sql("SELECT balance_cents FROM accounts WHERE id = ?", account.id) == [(10_000,)]


def test_a_bad_amount_without_javascript_shows_the_whole_page_with_the_error(web, account):
    response = web.post(f"/accounts/{account.id}/deposit", {"amount": "abc"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.startswith("<!doctype html>")
    assert 'id="deposit-amount-error"' in body


def test_wrong_pin_shows_attempts_remaining_next_to_the_pin(web, account):
    response = web.post(f"/accounts/{account.id}/withdraw", {"amount": "5.00", "pin": "9999"}, htmx=True)
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert 'id="withdraw-pin-error"' in body
    assert "Wrong PIN: 2 attempts left" in body


def test_insufficient_funds_is_shown_on_the_form_and_recorded_as_a_decline(web, account):
    response = web.post(f"/accounts/{account.id}/withdraw", {"amount": "500.00", "pin": "1234"}, htmx=True)
    assert response.status_code == 422
    assert "Not enough money in the account: $100.00 is available." in response.get_data(as_text=True)
    assert web.sql("SELECT status, decline_reason FROM journal_entries WHERE kind = 'withdrawal'") == [
        ("declined", "insufficient_funds")
    ]


def test_an_expired_session_on_htmx_answers_hx_redirect_to_login(web, client, account):
    web.sql("DELETE FROM sessions")
    response = client.get("/dashboard/overview", headers=HX)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login"


def test_hx_trigger_comes_from_one_helper(app):
    """Only app/web/htmx.py writes the HX-Trigger header (STYLE: one small helper)."""
    from pathlib import Path

    root = Path(app.root_path)
    writers = [p.name for p in root.rglob("*.py") if '"HX-Trigger"' in p.read_text() and "headers[" in p.read_text()]
    assert writers == ["htmx.py"]
