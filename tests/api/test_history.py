"""Account history: newest first, keyset pagination with an opaque cursor, filters."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.helpers import assert_problem
from tests.conftest import PIN


@pytest.fixture
def account_with_history(api, client):
    """Deposits of 100..500, a withdrawal of 50, a declined withdrawal, a transfer out of 25."""
    _, headers = api.customer()
    account = api.account(headers)
    other = api.account(headers, type="savings")
    for amount in (100, 200, 300, 400, 500):
        assert api.deposit(headers, account["id"], amount).status_code == 201
    path = f"/api/v1/accounts/{account['id']}/withdrawals"
    assert client.post(path, json={"amount_cents": 50, "pin": PIN}, headers=headers).status_code == 201
    assert client.post(path, json={"amount_cents": 99_999, "pin": PIN}, headers=headers).status_code == 422
    assert api.transfer(headers, account["id"], other["number"], 25).status_code == 201
    return headers, account, other


def _page(client, headers, account_id, **query):
    response = client.get(f"/api/v1/accounts/{account_id}/transactions", query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def test_items_are_newest_first_with_signed_amounts(client, account_with_history):
    headers, account, other = account_with_history
    items = _page(client, headers, account["id"])["items"]
    assert [(i["kind"], i["status"], i["amount_cents"], i["balance_after_cents"]) for i in items] == [
        ("transfer", "posted", -25, 1_425),
        ("withdrawal", "declined", -99_999, None),
        ("withdrawal", "posted", -50, 1_450),
        ("deposit", "posted", 500, 1_500),
        ("deposit", "posted", 400, 1_000),
        ("deposit", "posted", 300, 600),
        ("deposit", "posted", 200, 300),
        ("deposit", "posted", 100, 100),
    ]
    assert items[0]["counterparty"] == other["number"]
    assert items[3]["counterparty"] == "cash-vault"
    assert set(items[0]) == {
        "id",
        "entry_id",
        "kind",
        "status",
        "amount_cents",
        "balance_after_cents",
        "counterparty",
        "memo",
        "created_at",
    }


def test_pages_follow_the_cursor_without_gaps_or_repeats(client, account_with_history):
    headers, account, _ = account_with_history
    everything = _page(client, headers, account["id"])["items"]
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = _page(client, headers, account["id"], **query)
        assert len(page["items"]) <= 3
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == everything
    entry_ids = [i["entry_id"] for i in seen]
    assert entry_ids == sorted(entry_ids, reverse=True) and len(set(entry_ids)) == len(entry_ids)


def test_an_exactly_full_last_page_has_no_next_cursor(client, account_with_history):
    headers, account, _ = account_with_history
    page = _page(client, headers, account["id"], limit=8)
    assert (len(page["items"]), page["next_cursor"]) == (8, None)
    page = _page(client, headers, account["id"], limit=7)
    assert len(page["items"]) == 7 and page["next_cursor"] is not None


def test_filter_by_kind(client, account_with_history):
    headers, account, _ = account_with_history
    items = _page(client, headers, account["id"], kind="withdrawal")["items"]
    assert [(i["kind"], i["status"]) for i in items] == [("withdrawal", "declined"), ("withdrawal", "posted")]


def test_filter_by_status(client, account_with_history):
    headers, account, _ = account_with_history
    declined = _page(client, headers, account["id"], status="declined")["items"]
    posted = _page(client, headers, account["id"], status="posted")["items"]
    assert [i["amount_cents"] for i in declined] == [-99_999]
    assert len(posted) == 7 and {i["status"] for i in posted} == {"posted"}


def test_filter_by_kind_and_status_with_paging(client, account_with_history):
    headers, account, _ = account_with_history
    first = _page(client, headers, account["id"], kind="deposit", status="posted", limit=2)
    second = _page(
        client, headers, account["id"], kind="deposit", status="posted", limit=2, cursor=first["next_cursor"]
    )
    assert [i["amount_cents"] for i in first["items"] + second["items"]] == [500, 400, 300, 200]


def test_filter_by_dates(client, account_with_history):
    headers, account, _ = account_with_history
    today = datetime.now(UTC).date()
    tomorrow, yesterday = today + timedelta(days=1), today - timedelta(days=1)
    assert len(_page(client, headers, account["id"], **{"from": today.isoformat()})["items"]) == 8
    assert len(_page(client, headers, account["id"], to=today.isoformat())["items"]) == 8
    assert _page(client, headers, account["id"], **{"from": tomorrow.isoformat()})["items"] == []
    assert _page(client, headers, account["id"], to=yesterday.isoformat())["items"] == []
    both = {"from": yesterday.isoformat(), "to": tomorrow.isoformat(), "kind": "transfer"}
    assert [i["amount_cents"] for i in _page(client, headers, account["id"], **both)["items"]] == [-25]


@pytest.mark.parametrize(
    "query",
    [
        {"cursor": "!!!"},
        {"cursor": "abc"},
        {"cursor": "ZTA"},  # "e0": id zero
        {"cursor": "x" * 65},
        {"limit": 0},
        {"limit": 201},
        {"limit": "ten"},
        {"kind": "gift"},
        {"status": "pending"},
        {"from": "2024-13-01"},
        {"to": "yesterday"},
    ],
)
def test_bad_history_queries_are_422(client, account_with_history, query):
    headers, account, _ = account_with_history
    response = client.get(f"/api/v1/accounts/{account['id']}/transactions", query_string=query, headers=headers)
    assert_problem(response, 422, "validation_error")


def test_a_limit_of_200_is_accepted(client, account_with_history):
    headers, account, _ = account_with_history
    assert len(_page(client, headers, account["id"], limit=200)["items"]) == 8


def test_an_empty_account_has_an_empty_page(api, client):
    _, headers = api.customer()
    account = api.account(headers)
    assert _page(client, headers, account["id"]) == {"items": [], "next_cursor": None}


def test_extreme_dates_are_answered_not_crashed_on(client, account_with_history):
    headers, account, _ = account_with_history
    assert len(_page(client, headers, account["id"], to="9999-12-31")["items"]) == 8
    assert len(_page(client, headers, account["id"], **{"from": "0001-01-01"})["items"]) == 8
    assert _page(client, headers, account["id"], **{"from": "9999-12-31"})["items"] == []


def test_from_after_to_is_an_empty_page(client, account_with_history):
    headers, account, _ = account_with_history
    today = datetime.now(UTC).date()
    query = {"from": today.isoformat(), "to": (today - timedelta(days=1)).isoformat()}
    assert _page(client, headers, account["id"], **query) == {"items": [], "next_cursor": None}
