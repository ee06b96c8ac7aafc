"""History filters (issue 14, items 10 and 15): dates are typed as the pages show them ("02 Dec 2026")
or as ISO; a filter change puts the filters in the address bar (a reload keeps them); an inverted
date range is refused with words instead of silently showing nothing."""

from __future__ import annotations

import pytest

from entities.clock import utcnow
from entities.cursor import encode_cursor

HX = {"HX-Request": "true"}


@pytest.fixture
def account(web):
    user = web.customer("Alice Cooper")
    return web.account(user, 10_000)


def test_a_filter_change_puts_the_filters_in_the_url(web, client, account):
    today = utcnow().date()
    shown = today.strftime("%d %b %Y")
    response = client.get(
        f"/accounts/{account.id}/history", query_string={"kind": "deposit", "from": shown}, headers=HX
    )
    assert response.status_code == 200
    assert response.headers["HX-Replace-Url"] == f"/accounts/{account.id}?kind=deposit&from={today.isoformat()}"
    assert "Cash deposit" in response.get_data(as_text=True)


def test_the_page_reloaded_from_that_url_shows_the_same_filters(web, client, account):
    today = utcnow().date()
    html = client.get(f"/accounts/{account.id}?kind=deposit&from={today.isoformat()}").get_data(as_text=True)
    assert f'value="{today.strftime("%d %b %Y")}"' in html  # shown as the pages show days
    assert '<option value="deposit" selected>' in html
    assert '<details class="history-filters" open>' in html


def test_load_more_does_not_rewrite_the_url(web, client, account):
    response = client.get(f"/accounts/{account.id}/history", query_string={"cursor": encode_cursor(10**6)}, headers=HX)
    assert response.status_code == 200
    assert "HX-Replace-Url" not in response.headers


def test_an_inverted_date_range_is_refused_in_words_next_to_the_filters(web, client, account):
    response = client.get(
        f"/accounts/{account.id}/history", query_string={"from": "31 Dec 2026", "to": "01 Dec 2026"}, headers=HX
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # The rows say nothing matched; the message replaces the one beside the filters (a template partial).
    assert '<template hx type="partial" hx-target="#history-filter-message" hx-swap="outerHTML">' in html
    assert "The start date is after the end date" in html
    assert "HX-Trigger" not in response.headers  # no toast: the message stands next to the filters
    assert "HX-Replace-Url" not in response.headers  # the address bar keeps the last filters that worked


def test_a_date_that_is_not_a_date_says_what_one_looks_like(web, client, account):
    response = client.get(f"/accounts/{account.id}/history", query_string={"from": "12/02/2026"}, headers=HX)
    assert response.status_code == 422
    assert "Dates look like 02 Dec 2026" in response.get_data(as_text=True)


def test_filters_that_work_clear_the_message_beside_them(web, client, account):
    response = client.get(f"/accounts/{account.id}/history", query_string={"kind": "deposit"}, headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<div id="history-filter-message"></div>' in html


def test_a_reloaded_inverted_range_shows_the_account_page_with_the_message_by_the_filters(web, client, account):
    response = client.get(f"/accounts/{account.id}?from=2026-12-31&to=2026-12-01")
    assert response.status_code == 422  # the whole account page, refusing only the filter
    html = response.get_data(as_text=True)
    assert 'id="account-balance">$100.00<' in html  # the account page, not an error page
    assert "Validation failed" not in html
    feedback = html[html.index('<div id="history-filter-message">') :]
    assert feedback.startswith(
        '<div id="history-filter-message"><p class="form-message" role="alert" tabindex="-1">'
        "The start date is after the end date: nothing can match. Swap the From and To dates.</p></div>"
    )
    assert 'id="filter-from" name="from"' in html and 'aria-invalid="true"' in html
    assert 'value="31 Dec 2026"' in html and 'value="01 Dec 2026"' in html  # as typed, in the pages' format
    assert "No transactions shown: correct the filters above." in html


def test_an_unknown_kind_is_said_once_in_words(web, client, account):
    response = client.get(f"/accounts/{account.id}?kind=bogus")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Validation failed" not in html
    assert html.count("Choose a kind from the list.") == 1
    assert 'id="account-balance">$100.00<' in html


def test_an_unreadable_date_keeps_what_was_typed(web, client, account):
    html = client.get(f"/accounts/{account.id}?to=yesterday").get_data(as_text=True)
    assert 'value="yesterday"' in html
    assert "Dates look like 02 Dec 2026 (or 2026-12-02)." in html
