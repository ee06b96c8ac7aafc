"""Cards over the API: issue once in full, masked everywhere after, freeze, purchases, permissions."""

import logging

import pytest

from entities.accounts import luhn_valid
from tests.conftest import PIN


def _issue(client, headers, account_id):
    return client.post(f"/api/v1/accounts/{account_id}/card", headers=headers)


def _purchase(client, headers, card_id, amount_cents=1_000, merchant="Corner Coffee", pin=PIN, **extra_headers):
    return client.post(
        f"/api/v1/cards/{card_id}/purchases",
        json={"amount_cents": amount_cents, "merchant": merchant, "pin": pin},
        headers={**headers, **extra_headers},
    )


@pytest.fixture
def holder(api, client):
    """(auth headers, funded account, issued card body) of a customer with a card."""
    _, headers = api.customer()
    account = api.funded_account(headers, 10_000)
    response = _issue(client, headers, account["id"])
    assert response.status_code == 201
    return headers, account, response.json


def test_issue_returns_the_full_pan_and_cvv_once(api, client):
    _, headers = api.customer()
    account = api.account(headers)
    response = _issue(client, headers, account["id"])
    assert response.status_code == 201
    body = response.json
    assert set(body) == {
        "id",
        "account_id",
        "pan_last4",
        "masked_pan",
        "expiry_month",
        "expiry_year",
        "status",
        "created_at",
        "pan",
        "cvv",
    }
    assert len(body["pan"]) == 16 and luhn_valid(body["pan"])
    assert len(body["cvv"]) == 3 and body["cvv"].isdigit()
    assert body["pan_last4"] == body["pan"][-4:]
    assert body["masked_pan"] == "•••• •••• •••• " + body["pan"][-4:]
    assert (body["account_id"], body["status"]) == (account["id"], "active")
    assert body["expiry_year"] == int(body["created_at"][:4]) + 4
    assert body["expiry_month"] == int(body["created_at"][5:7])
    assert "no-store" in response.headers["Cache-Control"]


def test_every_later_read_is_masked(api, client, holder):
    headers, account, issued = holder
    response = client.get(f"/api/v1/accounts/{account['id']}/card", headers=headers)
    assert response.status_code == 200
    assert response.json == {k: v for k, v in issued.items() if k not in ("pan", "cvv")}
    frozen = client.post(f"/api/v1/cards/{issued['id']}/freeze", headers=headers)
    for text in (response.get_data(as_text=True), frozen.get_data(as_text=True)):
        assert issued["pan"] not in text and '"cvv"' not in text and '"pan"' not in text


def test_the_audit_log_shows_only_the_last_four(api, client, holder):
    _, account, issued = holder
    _, admin = api.staff("admin")
    response = client.get("/api/v1/admin/audit?action=card.issue", headers=admin)
    assert response.status_code == 200
    [record] = response.json["items"]
    assert record["details"] == {"account_id": account["id"], "pan_last4": issued["pan_last4"]}
    everything = client.get("/api/v1/admin/audit?limit=200", headers=admin).get_data(as_text=True)
    assert issued["pan"] not in everything and issued["pan"][:12] not in everything


def test_a_second_card_for_the_account_is_409(client, holder):
    headers, account, issued = holder
    response = _issue(client, headers, account["id"])
    assert (response.status_code, response.json["code"]) == (409, "card_exists")
    assert client.get(f"/api/v1/accounts/{account['id']}/card", headers=headers).json["id"] == issued["id"]


def test_an_account_without_a_card_is_404(api, client):
    _, headers = api.customer()
    account = api.account(headers)
    response = client.get(f"/api/v1/accounts/{account['id']}/card", headers=headers)
    assert (response.status_code, response.json["code"]) == (404, "not_found")


def test_issue_refuses_a_body(api, client):
    _, headers = api.customer()
    account = api.account(headers)
    response = client.post(f"/api/v1/accounts/{account['id']}/card", json={"pan": "4111"}, headers=headers)
    assert (response.status_code, response.json["code"]) == (422, "validation_error")


def test_another_customers_card_is_404_and_audited(api, client, holder):
    headers, account, issued = holder
    _, intruder = api.customer()
    card_id = issued["id"]
    attempts = [
        client.get(f"/api/v1/accounts/{account['id']}/card", headers=intruder),
        _issue(client, intruder, account["id"]),
        client.post(f"/api/v1/cards/{card_id}/freeze", headers=intruder),
        client.post(f"/api/v1/cards/{card_id}/unfreeze", headers=intruder),
        _purchase(client, intruder, card_id),
    ]
    assert [(r.status_code, r.json["code"]) for r in attempts] == [(404, "not_found")] * 5
    _, admin = api.staff("admin")
    denied = client.get("/api/v1/admin/audit?outcome=denied&resource_type=card", headers=admin).json["items"]
    assert sorted(r["action"] for r in denied) == ["card.freeze", "card.unfreeze", "card_purchase"]
    assert client.get(f"/api/v1/accounts/{account['id']}/card", headers=headers).json["status"] == "active"
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_000


def test_an_unknown_card_is_404(api, client):
    _, headers = api.customer()
    response = client.post("/api/v1/cards/999999/freeze", headers=headers)
    assert (response.status_code, response.json["code"]) == (404, "not_found")


def test_owner_freezes_and_unfreezes(client, holder):
    headers, _, issued = holder
    frozen = client.post(f"/api/v1/cards/{issued['id']}/freeze", headers=headers)
    assert (frozen.status_code, frozen.json["status"]) == (200, "frozen")
    active = client.post(f"/api/v1/cards/{issued['id']}/unfreeze", headers=headers)
    assert (active.status_code, active.json["status"]) == (200, "active")


def test_a_teller_freezes_a_customers_card(api, client, holder):
    _, account, issued = holder
    _, teller = api.staff("teller")
    response = client.post(f"/api/v1/cards/{issued['id']}/freeze", headers=teller)
    assert (response.status_code, response.json["status"]) == (200, "frozen")


def test_a_purchase_debits_the_account_against_card_settlement(api, client, holder):
    headers, account, issued = holder
    response = _purchase(client, headers, issued["id"], 2_550)
    assert response.status_code == 201
    body = response.json
    assert (body["kind"], body["status"], body["memo"], body["balance_after_cents"]) == (
        "card_purchase",
        "posted",
        "Corner Coffee",
        7_450,
    )
    assert [p["amount_cents"] for p in body["postings"]] == [-2_550, 2_550]
    assert api.get_account(headers, account["id"])["balance_cents"] == 7_450
    [item] = client.get(f"/api/v1/accounts/{account['id']}/transactions?kind=card_purchase", headers=headers).json[
        "items"
    ]
    assert (item["counterparty"], item["amount_cents"]) == ("card-settlement", -2_550)


def test_a_frozen_card_purchase_is_409_and_recorded_as_declined(api, client, holder):
    headers, account, issued = holder
    client.post(f"/api/v1/cards/{issued['id']}/freeze", headers=headers)
    response = _purchase(client, headers, issued["id"], 1_000)
    assert (response.status_code, response.json["code"]) == (409, "card_frozen")
    entry = client.get(f"/api/v1/transactions/{response.json['entry_id']}", headers=headers).json
    assert (entry["kind"], entry["status"], entry["decline_reason"], entry["postings"]) == (
        "card_purchase",
        "declined",
        "card_frozen",
        [],
    )
    declined = client.get(f"/api/v1/accounts/{account['id']}/transactions?status=declined", headers=headers).json
    assert [i["entry_id"] for i in declined["items"]] == [entry["id"]]
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_000


def test_wrong_pins_lock_the_account_after_three(api, client, holder):
    headers, account, issued = holder
    answers = [_purchase(client, headers, issued["id"], pin="9999") for _ in range(3)]
    assert [(r.status_code, r.json["code"], r.json["attempts_remaining"]) for r in answers] == [
        (403, "invalid_pin", 2),
        (403, "invalid_pin", 1),
        (403, "invalid_pin", 0),
    ]
    assert api.get_account(headers, account["id"])["pin_locked"] is True
    locked = _purchase(client, headers, issued["id"], pin=PIN)
    assert (locked.status_code, locked.json["code"]) == (423, "account_locked")
    entry = client.get(f"/api/v1/transactions/{locked.json['entry_id']}", headers=headers).json
    assert (entry["status"], entry["decline_reason"]) == ("declined", "account_locked")
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_000


def test_insufficient_funds_is_422_and_recorded(api, client, holder):
    headers, account, issued = holder
    response = _purchase(client, headers, issued["id"], 10_001)
    assert (response.status_code, response.json["code"]) == (422, "insufficient_funds")
    entry = client.get(f"/api/v1/transactions/{response.json['entry_id']}", headers=headers).json
    assert (entry["status"], entry["decline_reason"]) == ("declined", "insufficient_funds")


def test_a_frozen_account_declines_card_purchases(api, client, holder):
    headers, account, issued = holder
    _, teller = api.staff("teller")
    assert client.post(f"/api/v1/accounts/{account['id']}/freeze", headers=teller).status_code == 200
    response = _purchase(client, headers, issued["id"])
    assert (response.status_code, response.json["code"]) == (409, "account_unavailable")
    entry = client.get(f"/api/v1/transactions/{response.json['entry_id']}", headers=headers).json
    assert (entry["status"], entry["decline_reason"]) == ("declined", "account_unavailable")


def test_a_purchase_replays_under_the_same_idempotency_key(api, client, holder):
    headers, account, issued = holder
    first = _purchase(client, headers, issued["id"], 1_200, **{"Idempotency-Key": "buy-1"})
    again = _purchase(client, headers, issued["id"], 1_200, **{"Idempotency-Key": "buy-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert api.get_account(headers, account["id"])["balance_cents"] == 8_800
    other = _purchase(client, headers, issued["id"], 1_300, **{"Idempotency-Key": "buy-1"})
    assert (other.status_code, other.json["code"]) == (422, "idempotency_key_reused")


def test_a_declined_purchase_replays_its_decline(client, holder):
    headers, _, issued = holder
    client.post(f"/api/v1/cards/{issued['id']}/freeze", headers=headers)
    first = _purchase(client, headers, issued["id"], **{"Idempotency-Key": "frozen-1"})
    client.post(f"/api/v1/cards/{issued['id']}/unfreeze", headers=headers)
    again = _purchase(client, headers, issued["id"], **{"Idempotency-Key": "frozen-1"})
    assert (first.status_code, again.status_code, again.json["code"]) == (409, 409, "card_frozen")
    assert again.json["entry_id"] == first.json["entry_id"]


@pytest.mark.parametrize(
    "body",
    [
        {"amount_cents": 100, "merchant": "", "pin": PIN},
        {"amount_cents": 100, "merchant": "x" * 101, "pin": PIN},
        {"amount_cents": 1.5, "merchant": "Shop", "pin": PIN},
        {"amount_cents": True, "merchant": "Shop", "pin": PIN},
        {"amount_cents": "100", "merchant": "Shop", "pin": PIN},
        {"amount_cents": 100, "merchant": "Shop", "pin": "12"},
        {"amount_cents": 100, "merchant": "Shop"},
        {"amount_cents": 100, "merchant": "Shop", "pin": PIN, "card_id": 1},
    ],
)
def test_invalid_purchase_bodies_are_422_and_move_nothing(api, client, holder, body):
    headers, account, issued = holder
    response = client.post(f"/api/v1/cards/{issued['id']}/purchases", json=body, headers=headers)
    assert (response.status_code, response.json["code"]) == (422, "validation_error")
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_000


def test_a_100_character_merchant_is_accepted(client, holder):
    headers, _, issued = holder
    response = _purchase(client, headers, issued["id"], merchant="m" * 100)
    assert (response.status_code, response.json["memo"]) == (201, "m" * 100)


def test_card_endpoints_need_a_token(client):
    assert client.post("/api/v1/cards/1/purchases", json={}).status_code == 401
    assert client.get("/api/v1/accounts/1/card").status_code == 401


def test_the_openapi_document_describes_the_card_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert set(paths["/api/v1/accounts/{account_id}/card"]) == {"get", "post"}
    purchase = paths["/api/v1/cards/{card_id}/purchases"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in purchase["parameters"])
    assert paths["/api/v1/cards/{card_id}/freeze"]["post"]["responses"]["200"]["content"]["application/json"] == {
        "schema": {"$ref": "#/components/schemas/Card"}
    }


def test_logs_never_carry_the_pan_or_cvv(api, client):
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("corebank")
    logger.addHandler(handler)
    try:
        _, headers = api.customer()
        account = api.funded_account(headers, 5_000)
        issued = _issue(client, headers, account["id"]).json
        _purchase(client, headers, issued["id"])
        client.get(f"/api/v1/accounts/{account['id']}/card", headers=headers)
    finally:
        logger.removeHandler(handler)
    assert len(records) >= 4
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in records)
    assert issued["pan"] not in logged and f"'cvv': '{issued['cvv']}'" not in logged
