"""The /cards and /statements pages: HTMX fragments, the card number shown once, CSRF, CSV and print."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest

HX = {"HX-Request": "true"}
_PAN_SHOWN = re.compile(r"data-pan>([0-9 ]+)</dd>")


@pytest.fixture
def alice(web):
    user = web.customer("Alice Cooper")
    return user, web.account(user, 10_000)


def _card_row(web, account_id):
    return web.sql("SELECT id, status, pan_last4 FROM cards WHERE account_id = ?", account_id)


def _no_inline_code(html: str) -> None:
    """CSP: every script is a file, no style attribute or element, no inline handlers."""
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "<style" not in html and " style=" not in html and " onclick=" not in html


@pytest.mark.parametrize("path", ["/cards", "/statements"])
def test_the_page_includes_its_fragment_and_htmx_gets_the_fragment(client, alice, path):
    page = client.get(path)
    fragment = client.get(path, headers=HX)
    assert page.status_code == fragment.status_code == 200
    page_html, fragment_html = page.get_data(as_text=True), fragment.get_data(as_text=True)
    assert page_html.startswith("<!doctype html>") and "<html" not in fragment_html
    # CSRF tokens carry a timestamp: two renders a second apart differ there and only there.
    strip = lambda html: re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', html)  # noqa: E731
    assert strip(fragment_html).strip() in strip(page_html)
    assert "HX-Request" in page.headers["Vary"]
    _no_inline_code(page_html)


def test_the_pages_need_a_session(client):
    for path in ("/cards", "/statements"):
        response = client.get(path)
        assert (response.status_code, response.headers["Location"].split("?")[0]) == (303, "/login")


def test_issuing_over_htmx_shows_the_number_once_then_only_the_last_four(web, client, alice):
    _, account = alice
    response = web.post("/cards", {"account_id": account.id}, htmx=True)
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    shown = _PAN_SHOWN.search(html).group(1).replace(" ", "")
    [(card_id, status, last4)] = _card_row(web, account.id)
    assert (status, last4, shown[-4:]) == ("active", shown[-4:], last4)
    assert len(shown) == 16 and re.search(r"data-cvv>[0-9]{3}</dd>", html)
    assert json.loads(response.headers["HX-Trigger"])["toast"]["message"].startswith(f"Your card ending {last4}")
    assert response.headers["Cache-Control"] == "no-store"
    later = client.get("/cards").get_data(as_text=True)
    assert shown not in later and "data-pan" not in later and "data-cvv" not in later
    assert f"•••• •••• •••• {last4}" in later


def test_issuing_without_javascript_answers_the_page_with_the_number_once(web, client, alice):
    _, account = alice
    response = web.post("/cards", {"account_id": account.id})
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    assert html.startswith("<!doctype html>")
    shown = _PAN_SHOWN.search(html).group(1).replace(" ", "")
    assert shown not in client.get("/cards").get_data(as_text=True)


def test_a_second_card_is_refused_next_to_the_account(web, alice):
    _, account = alice
    web.post("/cards", {"account_id": account.id}, htmx=True)
    again = web.post("/cards", {"account_id": account.id}, htmx=True)
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert 'class="form-message"' in html and "already has an active card" in html
    assert "data-pan" not in html and len(_card_row(web, account.id)) == 1


def test_freeze_and_unfreeze_over_htmx_swap_the_card(web, alice):
    _, account = alice
    web.post("/cards", {"account_id": account.id}, htmx=True)
    [(card_id, _, last4)] = _card_row(web, account.id)
    frozen = web.post(f"/cards/{card_id}/freeze", htmx=True)
    assert frozen.status_code == 200
    assert "Unfreeze card" in frozen.get_data(as_text=True)
    assert json.loads(frozen.headers["HX-Trigger"])["toast"]["message"].startswith(f"Card ending {last4} is frozen")
    assert _card_row(web, account.id)[0][1] == "frozen"
    active = web.post(f"/cards/{card_id}/unfreeze", htmx=True)
    assert "Freeze card" in active.get_data(as_text=True) and _card_row(web, account.id)[0][1] == "active"


def test_freeze_without_javascript_redirects_back_with_a_message(web, client, alice):
    _, account = alice
    web.post("/cards", {"account_id": account.id}, htmx=True)
    [(card_id, _, _)] = _card_row(web, account.id)
    response = web.post(f"/cards/{card_id}/freeze")
    assert (response.status_code, response.headers["Location"]) == (303, "/cards")
    assert "is frozen" in client.get("/cards").get_data(as_text=True)


def test_another_customers_card_is_404_and_untouched(web, client, alice):
    _, account = alice
    web.post("/cards", {"account_id": account.id}, htmx=True)
    [(card_id, _, _)] = _card_row(web, account.id)
    client.post("/logout", data={"csrf_token": web.csrf("/cards")})
    web.customer("Mallory")
    assert web.post(f"/cards/{card_id}/freeze").status_code == 404
    assert web.post("/cards", {"account_id": account.id}).status_code == 404
    assert _card_row(web, account.id)[0][1] == "active"
    assert web.sql("SELECT COUNT(*) FROM cards") == [(1,)]


def test_a_form_post_without_its_csrf_token_changes_nothing(web, alice):
    _, account = alice
    response = web.post("/cards", {"account_id": account.id}, token=False)
    assert response.status_code == 403
    assert _card_row(web, account.id) == []


def test_every_card_form_carries_a_csrf_token(web, client, alice):
    _, account = alice
    web.account(alice[0], type="savings")
    web.post("/cards", {"account_id": account.id}, htmx=True)
    html = client.get("/cards").get_data(as_text=True)
    forms = re.findall(r"<form.*?</form>", html, flags=re.S)
    assert len(forms) >= 3  # logout, freeze, issue for the savings account
    assert all('name="csrf_token"' in form for form in forms)


def test_the_statements_page_shows_this_month_with_csv_and_print(client, alice):
    _, account = alice
    html = client.get("/statements").get_data(as_text=True)
    month = datetime.now(UTC).strftime("%Y-%m")
    assert f'<option value="{month}" selected>' in html
    assert 'href="/static/css/print.css"' in html and 'src="/static/js/print.js"' in html
    assert f'href="/statements/{account.id}/{month}.csv"' in html
    assert re.search(r"<button type=\"button\"[^>]*data-print[^>]*>Print</button>", html)
    assert "$100.00" in html  # the deposit, as money
    for label in ("Account", "Month"):
        assert f">{label}</label>" in html


def test_the_statement_follows_the_pickers_over_htmx(web, client, alice):
    user, _ = alice
    savings = web.account(user, 2_500, type="savings")
    month = datetime.now(UTC).strftime("%Y-%m")
    response = client.get(f"/statements?account_id={savings.id}&month={month}", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<div id="statements-view">')
    assert savings.number in html and "$25.00" in html


def test_an_invalid_month_is_422_next_to_the_picker(client, alice):
    _, account = alice
    response = client.get(f"/statements?account_id={account.id}&month=2025-13")
    assert response.status_code == 422
    assert "must be a month as YYYY-MM" in response.get_data(as_text=True)


def test_another_customers_statement_is_404(web, client, alice):
    _, account = alice
    client.post("/logout", data={"csrf_token": web.csrf("/cards")})
    web.customer("Mallory")
    month = datetime.now(UTC).strftime("%Y-%m")
    assert client.get(f"/statements?account_id={account.id}").status_code == 404
    assert client.get(f"/statements/{account.id}/{month}.csv").status_code == 404


def test_the_csv_download_from_the_page(client, alice):
    _, account = alice
    month = datetime.now(UTC).strftime("%Y-%m")
    response = client.get(f"/statements/{account.id}/{month}.csv")
    assert (response.status_code, response.mimetype) == (200, "text/csv")
    assert response.headers["Content-Disposition"] == f'attachment; filename="statement-{account.number}-{month}.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    # The page's download speaks the statement page's words (the API's CSV keeps the ledger codes).
    header = rows.index(["Date", "Time", "Description", "Type", "Note", "Amount", "Balance"])
    assert [row[2:] for row in rows[header + 1 :]] == [["Cash deposit", "", "", "100.00", "100.00"]]


def test_the_print_stylesheet_hides_the_chrome(client):
    css = client.get("/static/css/print.css").get_data(as_text=True)
    assert "@media print" in css and ".site-header" in css and ".no-print" in css


def test_issuing_asks_for_confirmation_and_a_card_links_to_its_purchases(web, client, alice):
    html = client.get("/cards").get_data(as_text=True)
    assert '<details class="confirm">' in html and "Issue a debit card…" in html
    _, account = alice
    account_id = account.id
    assert web.post("/cards", {"account_id": account_id}, htmx=True).status_code == 201
    html = client.get("/cards").get_data(as_text=True)
    assert f'href="/accounts/{account_id}?kind=card_purchase"' in html
