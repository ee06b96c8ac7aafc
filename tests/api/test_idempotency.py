"""Idempotency-Key: same key and body replay the first answer; money moves once."""

import threading

import pytest

from tests.api.helpers import assert_problem
from tests.conftest import PIN


@pytest.fixture
def customer(api):
    user, headers = api.customer()
    return user, headers, api.funded_account(headers, 10_000), api.account(headers, type="savings")


def _key(headers, key):
    return {**headers, "Idempotency-Key": key}


def test_same_key_same_body_replays_and_moves_money_once(api, client, history, customer):
    _, headers, account, _ = customer
    first = api.deposit(headers, account["id"], 500, **{"Idempotency-Key": "dep-1"})
    second = api.deposit(headers, account["id"], 500, **{"Idempotency-Key": "dep-1"})
    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json == first.json
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_500
    assert len(history(headers, account["id"], kind="deposit")) == 2  # the funding deposit and this one


def test_transfer_replay_moves_money_once(api, client, customer):
    _, headers, source, target = customer
    responses = [
        api.transfer(headers, source["id"], target["number"], 2_000, **{"Idempotency-Key": "t-1"}) for _ in range(3)
    ]
    assert [r.status_code for r in responses] == [201, 201, 201]
    assert [r.headers.get("Idempotent-Replayed") for r in responses] == [None, "true", "true"]
    assert responses[1].json == responses[2].json == responses[0].json
    assert api.get_account(headers, source["id"])["balance_cents"] == 8_000
    assert api.get_account(headers, target["id"])["balance_cents"] == 2_000


def test_body_key_order_and_spacing_do_not_change_the_request(api, client, customer):
    _, headers, account, _ = customer
    path = f"/api/v1/accounts/{account['id']}/withdrawals"
    first = client.post(
        path, data='{"amount_cents": 100, "pin": "1234"}', content_type="application/json", headers=_key(headers, "w")
    )
    second = client.post(
        path, data='{"pin":"1234","amount_cents":100}', content_type="application/json", headers=_key(headers, "w")
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["Idempotent-Replayed"] == "true"
    assert api.get_account(headers, account["id"])["balance_cents"] == 9_900


def test_same_key_with_another_body_is_422_and_moves_nothing(api, client, customer):
    _, headers, account, _ = customer
    assert api.deposit(headers, account["id"], 500, **{"Idempotency-Key": "k"}).status_code == 201
    reused = api.deposit(headers, account["id"], 501, **{"Idempotency-Key": "k"})
    assert_problem(reused, 422, "idempotency_key_reused")
    assert "Idempotent-Replayed" not in reused.headers
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_500


def test_same_key_on_another_endpoint_is_422(api, client, customer):
    _, headers, account, _ = customer
    assert api.deposit(headers, account["id"], 500, **{"Idempotency-Key": "k"}).status_code == 201
    response = client.post(
        f"/api/v1/accounts/{account['id']}/withdrawals",
        json={"amount_cents": 500},
        headers=_key(headers, "k"),
    )
    assert_problem(response, 422, "validation_error")  # the body is checked first: pin is missing
    response = client.post(
        f"/api/v1/accounts/{account['id']}/withdrawals",
        json={"amount_cents": 500, "pin": PIN},
        headers=_key(headers, "k"),
    )
    assert_problem(response, 422, "idempotency_key_reused")
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_500


def test_keys_belong_to_one_user(api, client, customer):
    _, headers, account, _ = customer
    _, other_headers = api.customer()
    other_account = api.account(other_headers)
    assert api.deposit(headers, account["id"], 500, **{"Idempotency-Key": "shared"}).status_code == 201
    theirs = api.deposit(other_headers, other_account["id"], 500, **{"Idempotency-Key": "shared"})
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    assert api.get_account(other_headers, other_account["id"])["balance_cents"] == 500


def test_a_declined_operation_is_replayed_too(api, client, history, customer):
    _, headers, account, _ = customer
    path = f"/api/v1/accounts/{account['id']}/withdrawals"
    body = {"amount_cents": 50_000, "pin": PIN}
    first = client.post(path, json=body, headers=_key(headers, "big"))
    second = client.post(path, json=body, headers=_key(headers, "big"))
    declined = assert_problem(first, 422, "insufficient_funds")
    assert assert_problem(second, 422, "insufficient_funds", replayed=True) == declined
    assert second.headers["Idempotent-Replayed"] == "true"
    assert [(i["kind"], i["status"]) for i in history(headers, account["id"], status="declined")] == [
        ("withdrawal", "declined")
    ]
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_000


def test_a_request_that_fails_validation_stores_nothing(api, client, customer):
    _, headers, account, _ = customer
    assert_problem(api.deposit(headers, account["id"], 0, **{"Idempotency-Key": "v"}), 422, "validation_error")
    response = api.deposit(headers, account["id"], 300, **{"Idempotency-Key": "v"})
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_300


def test_a_wrong_pin_stores_nothing(api, client, customer):
    _, headers, account, _ = customer
    path = f"/api/v1/accounts/{account['id']}/withdrawals"
    wrong = client.post(path, json={"amount_cents": 100, "pin": "9999"}, headers=_key(headers, "pin"))
    assert_problem(wrong, 403, "invalid_pin")
    again = client.post(path, json={"amount_cents": 100, "pin": "9999"}, headers=_key(headers, "pin"))
    assert assert_problem(again, 403, "invalid_pin")["attempts_remaining"] == 1
    assert "Idempotent-Replayed" not in again.headers


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "del\x7fchar"])
def test_invalid_keys_are_422(api, client, customer, key):
    _, headers, account, _ = customer
    response = client.post(
        f"/api/v1/accounts/{account['id']}/deposits", json={"amount_cents": 100}, headers=_key(headers, key)
    )
    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"][0]["field"] == "Idempotency-Key"
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_000


def test_a_255_character_key_is_accepted(api, customer):
    _, headers, account, _ = customer
    assert api.deposit(headers, account["id"], 100, **{"Idempotency-Key": "k" * 255}).status_code == 201


def test_reversal_is_idempotent(api, client, teller, customer):
    _, headers, source, target = customer
    entry = api.transfer(headers, source["id"], target["number"], 1_000).json
    path = f"/api/v1/transactions/{entry['id']}/reverse"
    first = client.post(path, json={"reason": "duplicate"}, headers=_key(teller[1], "rev"))
    second = client.post(path, json={"reason": "duplicate"}, headers=_key(teller[1], "rev"))
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json == first.json and second.headers["Idempotent-Replayed"] == "true"
    assert api.get_account(headers, source["id"])["balance_cents"] == 10_000


def test_concurrent_duplicates_move_money_once(app, api, customer):
    _, headers, account, _ = customer
    barrier = threading.Barrier(2)
    responses = []

    def send():
        client = app.test_client()
        barrier.wait(5)
        responses.append(
            client.post(
                f"/api/v1/accounts/{account['id']}/withdrawals",
                json={"amount_cents": 4_000, "pin": PIN},
                headers=_key(headers, "race"),
            )
        )

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert [r.status_code for r in responses] == [201, 201]
    assert sorted(r.headers.get("Idempotent-Replayed", "") for r in responses) == ["", "true"]
    assert responses[0].json == responses[1].json
    assert api.get_account(headers, account["id"])["balance_cents"] == 6_000
