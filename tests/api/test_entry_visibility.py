"""Regressions found in review: each test names the defect it keeps fixed."""

import hashlib
import json

from tests.api.helpers import raw_connection
from tests.conftest import PIN


def _withdraw(client, headers, account_id, amount_cents, **extra_headers):
    return client.post(
        f"/api/v1/accounts/{account_id}/withdrawals",
        json={"amount_cents": amount_cents, "pin": PIN},
        headers={**headers, **extra_headers},
    )


def test_the_stored_idempotency_fingerprint_does_not_give_the_pin_back(app, api, client):
    # The fingerprint used to be a plain SHA-256 of the body, PIN included: the 10**4..10**6 PINs
    # could be tried against it offline from the database alone, defeating PIN_PEPPER.
    _, headers = api.customer()
    account = api.funded_account(headers, 1_000)
    assert _withdraw(client, headers, account["id"], 250, **{"Idempotency-Key": "atm-1"}).status_code == 201
    stored = raw_connection(app).execute("SELECT fingerprint FROM idempotency_keys").fetchone()[0]
    path = f"/api/v1/accounts/{account['id']}/withdrawals"
    guesses = {
        hashlib.sha256(
            f"POST {path}\n{json.dumps({'amount_cents': 250, 'pin': f'{n:04d}'}, sort_keys=True)}".encode()
        ).hexdigest()
        for n in range(10_000)
    }
    assert stored not in guesses
    replay = _withdraw(client, headers, account["id"], 250, **{"Idempotency-Key": "atm-1"})
    assert (replay.status_code, replay.headers.get("Idempotent-Replayed")) == (201, "true")
    assert api.get_account(headers, account["id"])["balance_cents"] == 750


def test_a_transfer_never_shows_the_sender_the_recipients_balance(api, client):
    _, alice = api.customer("Alice Cooper")
    _, bob = api.customer("Bob Builder")
    source = api.funded_account(alice, 1_000)
    target = api.funded_account(bob, 987_654)
    response = api.transfer(alice, source["id"], target["number"], 1)
    assert response.status_code == 201
    shown = {p["account_id"]: p["balance_after_cents"] for p in response.json["postings"]}
    assert shown == {source["id"]: 999, target["id"]: None}
    entry = client.get(f"/api/v1/transactions/{response.json['id']}", headers=alice).json
    assert {p["account_id"]: p["balance_after_cents"] for p in entry["postings"]} == shown


def test_a_deposit_never_shows_a_customer_the_banks_cash_position(api):
    _, headers = api.customer()
    account = api.account(headers)
    body = api.deposit(headers, account["id"], 500).json
    assert body["balance_after_cents"] == 500
    assert {p["account_id"]: p["balance_after_cents"] for p in body["postings"]} == {
        account["id"]: 500,
        next(p["account_id"] for p in body["postings"] if p["account_id"] != account["id"]): None,
    }


def test_staff_still_see_every_balance_after(api, client, teller):
    _, alice = api.customer()
    _, bob = api.customer()
    source = api.funded_account(alice, 1_000)
    target = api.funded_account(bob, 300)
    entry_id = api.transfer(alice, source["id"], target["number"], 100).json["id"]
    entry = client.get(f"/api/v1/transactions/{entry_id}", headers=teller[1]).json
    assert {p["account_id"]: p["balance_after_cents"] for p in entry["postings"]} == {
        source["id"]: 900,
        target["id"]: 400,
    }


def test_a_request_id_with_a_trailing_newline_is_replaced_not_a_500(api, client):
    # "^...$" let "abc\n" through; Werkzeug then refused the response header: a 500.
    _, headers = api.customer()
    response = client.get("/api/v1/me", headers=headers, environ_overrides={"HTTP_X_REQUEST_ID": "abc\n"})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] != "abc\n"
    assert len(response.headers["X-Request-ID"]) == 32


def test_a_declined_transfer_is_not_visible_to_its_would_be_recipient(api, client):
    _, alice = api.customer("Alice Cooper")
    _, bob = api.customer("Bob Marley")
    source = api.funded_account(alice, 1_000)
    target = api.account(bob)
    declined = api.transfer(alice, source["id"], target["number"], 5_000)
    assert declined.status_code == 422
    entry_id = declined.json["entry_id"]
    assert client.get(f"/api/v1/transactions/{entry_id}", headers=alice).status_code == 200
    hidden = client.get(f"/api/v1/transactions/{entry_id}", headers=bob)
    assert hidden.status_code == 404
    assert hidden.json["code"] == "not_found"


def test_a_posted_transfer_is_visible_to_its_recipient(api, client):
    _, alice = api.customer("Alice Cooper")
    _, bob = api.customer("Bob Marley")
    source = api.funded_account(alice, 1_000)
    target = api.account(bob)
    posted = api.transfer(alice, source["id"], target["number"], 500)
    assert posted.status_code == 201
    seen = client.get(f"/api/v1/transactions/{posted.json['id']}", headers=bob)
    assert seen.status_code == 200
    assert seen.json["amount_cents"] == 500
