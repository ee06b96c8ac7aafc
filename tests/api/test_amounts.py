"""Amounts are integer cents from 1 to 10**12: anything else is 422 and moves nothing."""

import pytest

from tests.api.helpers import assert_problem
from tests.conftest import PIN

MISSING = object()
BAD_AMOUNTS = [0, -1, 1.5, "100", True, None, MISSING, 10**12 + 1, 2**63]
IDS = ["zero", "negative", "float", "string", "true", "null", "missing", "over-max", "2^63"]


@pytest.fixture
def setup(api):
    _, headers = api.customer()
    source = api.funded_account(headers, 10_000)
    target = api.account(headers, type="savings")
    return headers, source, target


def _request(operation, source, target, amount):
    body = {
        "deposit": {},
        "withdrawal": {"pin": PIN},
        "transfer": {"from_account_id": source["id"], "to_account_number": target["number"], "pin": PIN},
    }[operation]
    if amount is not MISSING:
        body["amount_cents"] = amount
    path = {
        "deposit": f"/api/v1/accounts/{source['id']}/deposits",
        "withdrawal": f"/api/v1/accounts/{source['id']}/withdrawals",
        "transfer": "/api/v1/transfers",
    }[operation]
    return path, body


@pytest.mark.parametrize("operation", ["deposit", "withdrawal", "transfer"])
@pytest.mark.parametrize("amount", BAD_AMOUNTS, ids=IDS)
def test_bad_amount_is_422_and_moves_nothing(api, client, history, setup, operation, amount):
    headers, source, target = setup
    path, body = _request(operation, source, target, amount)
    response = client.post(path, json=body, headers=headers)
    problem = assert_problem(response, 422, "validation_error")
    assert [e["field"] for e in problem["errors"]] == ["amount_cents"]
    assert api.get_account(headers, source["id"])["balance_cents"] == 10_000
    assert api.get_account(headers, target["id"])["balance_cents"] == 0
    assert [i["kind"] for i in history(headers, source["id"])] == ["deposit"]


@pytest.mark.parametrize("raw_amount", ["1e2", "100.0", "1E+2", "0x10", "Infinity", "NaN", "--1"])
def test_exponents_and_non_json_numbers_are_422(api, client, setup, raw_amount):
    headers, source, _ = setup
    response = client.post(
        f"/api/v1/accounts/{source['id']}/deposits",
        data=f'{{"amount_cents": {raw_amount}}}',
        content_type="application/json",
        headers=headers,
    )
    assert_problem(response, 422, "validation_error")
    assert api.get_account(headers, source["id"])["balance_cents"] == 10_000


@pytest.mark.parametrize("amount", [1, 10**12])
def test_amount_bounds_are_inclusive(api, setup, amount):
    headers, _, target = setup
    response = api.deposit(headers, target["id"], amount)
    assert response.status_code == 201, response.json
    assert response.json["balance_after_cents"] == amount
    assert api.get_account(headers, target["id"])["balance_cents"] == amount


def test_deposit_answer_has_the_entry_and_the_balance_after(api, setup):
    headers, source, _ = setup
    response = api.deposit(headers, source["id"], 250)
    assert response.status_code == 201
    body = response.json
    assert (body["kind"], body["status"], body["amount_cents"], body["balance_after_cents"]) == (
        "deposit",
        "posted",
        250,
        10_250,
    )
    assert sum(p["amount_cents"] for p in body["postings"]) == 0
    assert {p["account_id"]: p["balance_after_cents"] for p in body["postings"]}[source["id"]] == 10_250
