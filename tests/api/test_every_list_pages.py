"""SPEC 5: "Every list takes `limit` (1–200) and `cursor` (the previous page's `next_cursor`, which is
null on the last page)". The short lists too: one's accounts, a staff search for customers, one's
sessions, the webhooks and a webhook's deliveries. Walking the pages gives every item once, in order."""

from __future__ import annotations

import pytest

from tests.api.helpers import assert_problem
from tests.conftest import PASSWORD
from tests.support.receiver import Receiver


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WEBHOOK_ALLOW_PRIVATE": True}  # the receiver listens on 127.0.0.1


def _walk(client, path, headers, limit, **params) -> list[list]:
    pages, cursor = [], None
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, query_string=query, headers=headers)
        assert response.status_code == 200, response.json
        pages.append(response.json["items"])
        cursor = response.json["next_cursor"]
        if cursor is None:
            return pages


def test_my_accounts_page_by_limit_and_cursor(api, client):
    _, headers = api.customer()
    opened = [api.account(headers, type=kind)["id"] for kind in ("checking", "savings", "checking")]
    pages = _walk(client, "/api/v1/accounts", headers, 2)
    assert [[a["id"] for a in page] for page in pages] == [opened[:2], opened[2:]]


def test_a_staff_customer_search_pages(api, client, teller):
    found = [api.register(full_name=f"Pagina Person {n}")["id"] for n in range(3)]
    pages = _walk(client, "/api/v1/customers", teller[1], 2, q="pagina")
    assert [[u["id"] for u in page] for page in pages] == [found[:2], found[2:]]


def test_my_sessions_page_oldest_first(api, client):
    user, headers = api.customer()
    for _ in range(2):
        api.login(user["email"], PASSWORD)
    pages = _walk(client, "/api/v1/me/sessions", headers, 2)
    assert [len(page) for page in pages] == [2, 1]
    ids = [s["id"] for page in pages for s in page]
    assert len(set(ids)) == 3


def test_the_webhooks_and_their_deliveries_page(api, client, admin, services):
    with Receiver() as receiver:
        hooks = [
            client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["account.opened"]}, headers=admin[1])
            for _ in range(3)
        ]
        assert [h.status_code for h in hooks] == [201, 201, 201]
        pages = _walk(client, "/api/v1/webhooks", admin[1], 2)
        assert [[h["id"] for h in page] for page in pages] == [[h.json["id"] for h in hooks[:2]], [hooks[2].json["id"]]]
        _, headers = api.customer()
        for _ in range(3):
            api.account(headers)
        services.uow.seal()
        services.deliver_webhooks()
        first = hooks[0].json["id"]
        pages = _walk(client, f"/api/v1/webhooks/{first}/deliveries", admin[1], 2)
    assert [len(page) for page in pages] == [2, 1]
    ids = [d["id"] for page in pages for d in page]
    assert ids == sorted(ids) and len(set(ids)) == 3


@pytest.mark.parametrize(
    "path", ["/api/v1/accounts", "/api/v1/customers?q=a", "/api/v1/me/sessions", "/api/v1/webhooks"]
)
@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=0", "limit"), ("limit=201", "limit"), ("limit=x", "limit"), ("cursor=%3F%3F", "cursor")],
)
def test_a_bad_limit_or_cursor_is_422_on_its_field(client, admin, path, query, field):
    joiner = "&" if "?" in path else "?"
    refused = assert_problem(client.get(f"{path}{joiner}{query}", headers=admin[1]), 422, "validation_error")
    assert [e["field"] for e in refused["errors"]] == [field]
