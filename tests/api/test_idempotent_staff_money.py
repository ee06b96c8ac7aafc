"""SPEC 4: every money-moving POST accepts an Idempotency-Key. A staff hold reserves a customer's
money and an approval executes a reversal: the same key and body replay the first answer
(Idempotent-Replayed: true) and reserve or move nothing again; another body is 422
idempotency_key_reused."""

from __future__ import annotations

from tests.api.helpers import assert_problem
from tests.api.test_approvals import LARGE, _reverse


def _hold(client, headers, account_id, key, amount_cents=3_000):
    body = {"amount_cents": amount_cents, "reason": "Court order 12/26"}
    return client.post(f"/api/v1/accounts/{account_id}/holds", json=body, headers={**headers, "Idempotency-Key": key})


def test_a_retried_staff_hold_replays_and_reserves_once(api, client, teller):
    _, headers = api.customer("Alice Cooper")
    account = api.funded_account(headers, 10_000)
    first = _hold(client, teller[1], account["id"], "lien-1")
    again = _hold(client, teller[1], account["id"], "lien-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers.get("Idempotent-Replayed") == "true" and "Idempotent-Replayed" not in first.headers
    assert again.json == first.json
    held = api.get_account(headers, account["id"])
    assert (held["held_cents"], held["available_cents"]) == (3_000, 7_000)
    listed = client.get(f"/api/v1/accounts/{account['id']}/holds", headers=teller[1]).json["items"]
    assert [h["id"] for h in listed] == [first.json["id"]]
    assert_problem(_hold(client, teller[1], account["id"], "lien-1", 4_000), 422, "idempotency_key_reused")


def test_a_declined_staff_hold_replays_its_decline(api, client, teller):
    _, headers = api.customer("Alice Cooper")
    account = api.funded_account(headers, 1_000)
    first = _hold(client, teller[1], account["id"], "lien-2", 5_000)
    again = _hold(client, teller[1], account["id"], "lien-2", 5_000)
    assert_problem(first, 422, "insufficient_funds")
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (422, "true")
    assert again.json["code"] == "insufficient_funds"


def test_a_retried_approval_replays_and_reverses_once(api, client, teller):
    _, alice_headers = api.customer("Alice Cooper")
    alice = api.funded_account(alice_headers, 500_000)
    _, bob_headers = api.customer("Bob Builder")
    bob = api.account(bob_headers)
    entry = api.transfer(alice_headers, alice["id"], bob["number"], LARGE).json
    approval = _reverse(client, entry["id"], teller[1]).json
    checker = api.staff("teller")[1]
    headers = {**checker, "Idempotency-Key": "approve-1"}
    first = client.post(f"/api/v1/approvals/{approval['id']}/approve", json={}, headers=headers)
    again = client.post(f"/api/v1/approvals/{approval['id']}/approve", json={}, headers=headers)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json == first.json
    assert first.json["status"] == "approved" and first.json["result"]["kind"] == "reversal"
    assert api.get_account(alice_headers, alice["id"])["balance_cents"] == 500_000
    assert api.get_account(bob_headers, bob["id"])["balance_cents"] == 0
    # Without the key a second approval is what it always was: the request is no longer pending
    late = client.post(f"/api/v1/approvals/{approval['id']}/approve", json={}, headers=checker)
    assert_problem(late, 409, "approval_not_pending")
