"""Request bodies (SPEC section 9): only application/json is read (415 otherwise); a body that is
not strict JSON or has a duplicate member name is 422 on `body`; bodiless requests keep working."""

import re

import pytest

from app.api.registry import OPERATIONS
from tests.api.helpers import assert_problem

BODY_OPERATIONS = [op for op in OPERATIONS if op.body is not None]


@pytest.fixture
def funded(api):
    _, headers = api.customer()
    return headers, api.funded_account(headers, 10_000)


def _deposit_path(account):
    return f"/api/v1/accounts/{account['id']}/deposits"


def _moved_nothing(api, history, headers, account):
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_000
    assert [item["kind"] for item in history(headers, account["id"])] == ["deposit"]


@pytest.mark.parametrize("op", BODY_OPERATIONS, ids=[f"{op.method} {op.rule}" for op in BODY_OPERATIONS])
def test_every_body_operation_answers_415_to_a_text_body(client, funded, op):
    headers, account = funded
    path = "/api/v1" + re.sub(r"<(?:\w+:)?\w+>", str(account["id"]), op.rule)
    response = client.open(
        path, method=op.method, data='{"amount_cents": 100}', content_type="text/plain", headers=headers
    )
    problem = assert_problem(response, 415, "unsupported_media_type")
    assert problem["errors"] == [{"field": "Content-Type", "message": "must be application/json"}]


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json-patch+json",
        "application/json; charset=latin-1",
        None,
    ],
)
def test_a_deposit_in_another_media_type_is_415_and_moves_nothing(api, client, history, funded, content_type):
    headers, account = funded
    response = client.post(
        _deposit_path(account), data=b'{"amount_cents": 500}', headers={**headers, "Content-Type": content_type or ""}
    )
    assert_problem(response, 415, "unsupported_media_type")
    _moved_nothing(api, history, headers, account)


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON; Charset=UTF-8"])
def test_json_that_names_its_utf8_charset_is_accepted(api, client, funded, content_type):
    headers, account = funded
    response = client.post(
        _deposit_path(account), data=b'{"amount_cents": 500}', headers={**headers, "Content-Type": content_type}
    )
    assert response.status_code == 201, response.json
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_500


@pytest.mark.parametrize(
    "body",
    [
        b'{"amount_cents": 1, "amount_cents": 100000}',
        b'{"amount_cents": 100, "memo": {"x": 1, "x": 2}}',  # nested objects too
    ],
    ids=["top_level", "nested"],
)
def test_a_duplicate_member_name_is_422_on_body_and_moves_nothing(api, client, history, funded, body):
    headers, account = funded
    response = client.post(_deposit_path(account), data=body, content_type="application/json", headers=headers)
    problem = assert_problem(response, 422, "validation_error")
    assert [error["field"] for error in problem["errors"]] == ["body"]
    assert problem["errors"][0]["message"].startswith("duplicate member name")
    _moved_nothing(api, history, headers, account)


@pytest.mark.parametrize(
    "body",
    [b'{"amount_cents": 1, "amount_cents": 100000}', b'{"amount_cents": ', b"[" * 30_000, b'{"amount_cents": NaN}'],
    ids=["duplicate", "truncated", "deep", "nan"],
)
def test_a_bad_body_with_an_idempotency_key_is_422_and_stores_nothing(api, client, history, funded, body):
    headers, account = funded
    keyed = {**headers, "Idempotency-Key": "bad-body-1"}
    response = client.post(_deposit_path(account), data=body, content_type="application/json", headers=keyed)
    assert [e["field"] for e in assert_problem(response, 422, "validation_error")["errors"]] == ["body"]
    _moved_nothing(api, history, headers, account)
    # Nothing was stored under the key: the same key with a good body is a first request.
    retry = client.post(_deposit_path(account), json={"amount_cents": 100}, headers=keyed)
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers


def test_bodiless_requests_keep_working(api, client, funded):
    headers, account = funded
    assert client.get(f"/api/v1/accounts/{account['id']}", headers=headers).status_code == 200
    issued = client.post(f"/api/v1/accounts/{account['id']}/card", headers=headers)
    assert issued.status_code == 201, issued.json
    # A POST without a body may still say what it would have sent.
    card_id = issued.json["id"]
    frozen = client.post(f"/api/v1/cards/{card_id}/freeze", headers={**headers, "Content-Type": "text/plain"})
    assert frozen.status_code == 200, frozen.json
