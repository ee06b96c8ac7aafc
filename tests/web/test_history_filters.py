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


def test_an_inverted_date_range_is_refused_in_words(web, client, account):
    response = client.get(
        f"/accounts/{account.id}/history", query_string={"from": "31 Dec 2026", "to": "01 Dec 2026"}, headers=HX
    )
    assert response.status_code == 422
    assert "The From date is after the To date" in response.headers["HX-Trigger"]


def test_a_date_that_is_not_a_date_says_what_one_looks_like(web, client, account):
    response = client.get(f"/accounts/{account.id}/history", query_string={"from": "12/02/2026"}, headers=HX)
    assert response.status_code == 422
    assert "Dates look like 02 Dec 2026" in response.headers["HX-Trigger"]
