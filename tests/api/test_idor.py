"""A customer using another customer's account gets 404, changes nothing, and is audited."""

import pytest

from tests.api.helpers import assert_problem
from tests.conftest import PIN

# (name, method, path, body builder (alice's account id, bob's account number), audited action)
ATTEMPTS = [
    ("get_account", "GET", "/api/v1/accounts/{a}", None, "account.read"),
    ("history", "GET", "/api/v1/accounts/{a}/transactions", None, "history.read"),
    ("deposit", "POST", "/api/v1/accounts/{a}/deposits", lambda a, b: {"amount_cents": 100}, "deposit"),
    (
        "withdrawal",
        "POST",
        "/api/v1/accounts/{a}/withdrawals",
        lambda a, b: {"amount_cents": 100, "pin": PIN},
        "withdrawal",
    ),
    (
        "transfer_source",
        "POST",
        "/api/v1/transfers",
        lambda a, b: {"from_account_id": a, "to_account_number": b, "amount_cents": 100, "pin": PIN},
        "transfer",
    ),
    (
        "pin_change",
        "POST",
        "/api/v1/accounts/{a}/pin",
        lambda a, b: {"current_pin": PIN, "new_pin": "4321"},
        "account.pin_change",
    ),
    ("close", "POST", "/api/v1/accounts/{a}/close", None, "account.close"),
]


@pytest.fixture
def victim_and_intruder(api, services):
    alice, alice_headers = api.customer("Alice Cooper")
    alice_account = api.funded_account(alice_headers, 10_000)
    bob, bob_headers = api.customer("Bob Burglar")
    bob_account = api.account(bob_headers)
    return alice_headers, alice_account, bob, bob_headers, bob_account


def _pin_hash(services, account_id):
    with services.uow(write=False) as uow:
        account = uow.accounts.get(account_id)
    return account.pin_hash, account.pin_failures


@pytest.mark.parametrize(("name", "method", "path", "body", "action"), ATTEMPTS, ids=[a[0] for a in ATTEMPTS])
def test_other_customers_account_is_404_unchanged_and_audited(
    client, api, services, audit, history, victim_and_intruder, name, method, path, body, action
):
    alice_headers, alice_account, bob, bob_headers, bob_account = victim_and_intruder
    before = api.get_account(alice_headers, alice_account["id"])
    history_before = history(alice_headers, alice_account["id"])
    pin_before = _pin_hash(services, alice_account["id"])

    payload = body(alice_account["id"], bob_account["number"]) if body else None
    response = client.open(path.format(a=alice_account["id"]), method=method, json=payload, headers=bob_headers)

    problem = assert_problem(response, 404, "not_found")
    text = response.get_data(as_text=True)
    assert alice_account["number"] not in text and "Alice" not in text and "10000" not in text
    assert problem["errors"] == []
    assert api.get_account(alice_headers, alice_account["id"]) == before
    assert history(alice_headers, alice_account["id"]) == history_before
    assert _pin_hash(services, alice_account["id"]) == pin_before
    assert api.get_account(bob_headers, bob_account["id"])["balance_cents"] == 0
    denied = audit(actor_id=bob["id"], outcome="denied", resource_type="account", resource_id=str(alice_account["id"]))
    assert [r["action"] for r in denied] == [action]
    assert denied[0]["request_id"] == response.headers["X-Request-ID"]


def test_missing_account_and_foreign_account_answer_alike(client, victim_and_intruder):
    _, alice_account, _, bob_headers, _ = victim_and_intruder
    foreign = client.get(f"/api/v1/accounts/{alice_account['id']}", headers=bob_headers)
    missing = client.get("/api/v1/accounts/999999", headers=bob_headers)

    def strip(response, asked_id):
        # The detail names the id the caller sent ("No account 42 is visible to you"): nothing else differs.
        body = {k: v for k, v in response.get_json().items() if k != "request_id"}
        return {**body, "detail": body["detail"].replace(str(asked_id), "{id}")}

    assert (foreign.status_code, strip(foreign, alice_account["id"])) == (missing.status_code, strip(missing, 999999))
    assert strip(missing, 999999)["detail"] == "No account {id} is visible to you"


def test_other_customers_journal_entry_is_404(client, api, victim_and_intruder):
    alice_headers, alice_account, _, bob_headers, _ = victim_and_intruder
    entry = api.deposit(alice_headers, alice_account["id"], 100).json
    assert_problem(client.get(f"/api/v1/transactions/{entry['id']}", headers=bob_headers), 404, "not_found")
    assert client.get(f"/api/v1/transactions/{entry['id']}", headers=alice_headers).status_code == 200


def test_other_customers_accounts_are_not_listed(client, api, victim_and_intruder):
    _, alice_account, _, bob_headers, bob_account = victim_and_intruder
    response = client.get("/api/v1/accounts", headers=bob_headers)
    assert response.status_code == 200
    assert [a["id"] for a in response.json["items"]] == [bob_account["id"]]


def test_a_system_account_is_404_even_for_staff(client, services, teller, victim_and_intruder):
    with services.uow(write=False) as uow:
        vault = uow.accounts.system("cash-vault", "USD")
    assert_problem(client.get(f"/api/v1/accounts/{vault.id}", headers=teller[1]), 404, "not_found")


def test_staff_may_see_and_serve_any_customer_account(client, api, teller, history, victim_and_intruder):
    alice_headers, alice_account, _, _, _ = victim_and_intruder
    assert client.get(f"/api/v1/accounts/{alice_account['id']}", headers=teller[1]).status_code == 200
    assert api.deposit(teller[1], alice_account["id"], 500).status_code == 201
    assert api.get_account(alice_headers, alice_account["id"])["balance_cents"] == 10_500
    assert len(history(teller[1], alice_account["id"])) == 2
