"""Cache-Control: no-store on every page behind a login, its HTMX partials, redirects and downloads;
static assets stay cacheable (SPEC section 2)."""

from __future__ import annotations

from datetime import date

import pytest

HX = {"HX-Request": "true"}


@pytest.fixture
def account(web):
    user = web.customer("Alice Cooper")
    return web.account(user, 10_000)


@pytest.mark.parametrize(
    "path", ["/", "/accounts/{id}", "/transfers/new", "/cards", "/statements", "/settings/security"]
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "partial"])
def test_a_signed_in_page_and_its_partial_are_not_stored(client, account, path, htmx):
    response = client.get(path.format(id=account.id), headers=HX if htmx else {})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_an_htmx_lookup_fragment_and_a_form_answer_are_not_stored(web, client, account):
    lookup = client.get("/transfers/lookup", query_string={"to_account_number": "123"}, headers=HX)
    assert lookup.headers["Cache-Control"] == "no-store"
    deposit = web.post(f"/accounts/{account.id}/deposit", {"amount": "1.00"})
    assert deposit.status_code == 303
    assert deposit.headers["Cache-Control"] == "no-store"


def test_a_statement_download_is_not_stored(client, account):
    response = client.get(f"/statements/{account.id}/{date.today():%Y-%m}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"


def test_static_assets_stay_cacheable_even_for_a_signed_in_browser(client, account):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
