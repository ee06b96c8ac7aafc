"""SPEC section 10, "Error messages say what happened and what to do next" (review of issue 14,
item 6): an HTMX request's error toast uses the error page's words, never "Not found" or Flask-WTF's
"The CSRF token is missing.", and a 500's toast quotes the request id it asks for."""

from __future__ import annotations

import json

import pytest

HX = {"HX-Request": "true"}


def toast(response) -> dict:
    return json.loads(response.headers["HX-Trigger"])["toast"]


@pytest.fixture
def account(web):
    user = web.customer("Grace Hopper")
    return web.account(user, 10_000)


def test_a_missing_page_toasts_the_error_pages_words(web, client, account):
    response = client.get("/accounts/999999", headers=HX)
    assert response.status_code == 404
    assert toast(response) == {
        "level": "error",
        "message": "We can't find that page. The address may be mistyped, or the page is not yours to see.",
    }


def test_a_form_without_its_token_toasts_reload_and_send_again(web, client, account):
    response = client.post(f"/accounts/{account.id}/close", headers=HX)
    assert response.status_code == 403
    assert toast(response)["message"] == "This form has expired. Reload the page and send the form again."


def test_a_staff_page_toasts_who_may_use_it(web, client, account):
    response = client.get("/admin/unlock", headers=HX)
    assert response.status_code == 403
    message = toast(response)["message"]
    assert message.startswith("That isn't open to you. This page or action needs another role.")
    assert message != "Forbidden"
    assert "unlock_queue" not in message and "may not do this" not in message  # the API's words, not the page's


def test_a_staff_page_in_full_names_no_action_code(web, client, account):
    response = client.get("/admin/unlock")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "That isn&#39;t open to you" in html and "needs another role" in html
    assert "unlock_queue" not in html and "may not do this" not in html


def test_an_unexpected_error_toasts_the_request_id_it_asks_for(web, client, account, services, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("SELECT secret FROM accounts -- internal detail")

    monkeypatch.setattr(services.accounts, "get", explode)
    response = client.get(f"/accounts/{account.id}", headers=HX)
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert toast(response)["message"] == (
        "Something went wrong on our side. Nothing was changed. Try again; if it keeps happening, "
        f"quote the request id {request_id}."
    )
    assert "secret" not in response.headers["HX-Trigger"]


def test_the_error_page_keeps_its_words_and_request_id(web, client, account, services, monkeypatch):
    monkeypatch.setattr(services.accounts, "get", lambda *a, **k: 1 / 0)
    response = client.get(f"/accounts/{account.id}")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong on our side" in html
    assert f"Request id: <code>{response.headers['X-Request-ID']}</code>" in html


def test_a_refused_query_toasts_what_to_correct_not_validation_failed(web, client, account):
    response = client.get("/statements", query_string={"account_id": "abc"}, headers=HX)
    assert response.status_code == 422
    assert toast(response)["message"] == "Account id: choose one."
