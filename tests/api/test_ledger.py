"""Transfers, declines, frozen and closed accounts, and teller reversals."""

import pytest

from entities.errors import ValidationFailed
from entities.users import Actor, Role
from tests.api.helpers import assert_problem
from tests.conftest import PASSWORD, PIN


@pytest.fixture
def alice(api):
    user, headers = api.customer("Alice Cooper")
    return user, headers, api.funded_account(headers, 10_000)


@pytest.fixture
def bob(api):
    user, headers = api.customer("Bob Builder")
    return user, headers, api.account(headers)


def _withdraw(client, headers, account_id, amount_cents, pin=PIN):
    return client.post(
        f"/api/v1/accounts/{account_id}/withdrawals", json={"amount_cents": amount_cents, "pin": pin}, headers=headers
    )


def test_transfer_to_another_customer_by_number(api, client, alice, bob, history):
    _, a_headers, a_account = alice
    _, b_headers, b_account = bob
    response = api.transfer(a_headers, a_account["id"], b_account["number"], 2_500)
    assert response.status_code == 201
    entry = response.json
    assert (entry["kind"], entry["status"], entry["amount_cents"], entry["decline_reason"]) == (
        "transfer",
        "posted",
        2_500,
        None,
    )
    # The sender sees their own balance after, never the recipient's.
    assert {p["account_id"]: (p["amount_cents"], p["balance_after_cents"]) for p in entry["postings"]} == {
        a_account["id"]: (-2_500, 7_500),
        b_account["id"]: (2_500, None),
    }
    assert api.get_account(a_headers, a_account["id"])["balance_cents"] == 7_500
    assert api.get_account(b_headers, b_account["id"])["balance_cents"] == 2_500
    [received] = history(b_headers, b_account["id"])
    assert (received["amount_cents"], received["counterparty"]) == (2_500, a_account["number"])
    assert history(a_headers, a_account["id"])[0]["counterparty"] == b_account["number"]
    # the recipient sees the entry too, with their own balance after and not the sender's
    seen_by_recipient = client.get(f"/api/v1/transactions/{entry['id']}", headers=b_headers).json
    assert {p["account_id"]: p["balance_after_cents"] for p in seen_by_recipient["postings"]} == {
        a_account["id"]: None,
        b_account["id"]: 2_500,
    }
    assert {k: v for k, v in seen_by_recipient.items() if k != "postings"} == {
        k: v for k, v in entry.items() if k != "postings"
    }


def test_transfer_to_the_same_account_is_422_and_not_recorded(api, alice, history):
    _, headers, account = alice
    assert_problem(api.transfer(headers, account["id"], account["number"], 100), 422, "same_account")
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_000
    assert [i["kind"] for i in history(headers, account["id"])] == ["deposit"]


def test_transfer_between_currencies_is_422_and_not_recorded(api, alice, history):
    _, headers, account = alice
    euros = api.account(headers, currency="EUR")
    assert euros["currency"] == "EUR"
    assert_problem(api.transfer(headers, account["id"], euros["number"], 100), 422, "currency_mismatch")
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_000
    assert api.get_account(headers, euros["id"])["balance_cents"] == 0
    assert [i["kind"] for i in history(headers, account["id"])] == ["deposit"]
    assert history(headers, euros["id"]) == []


def test_transfer_to_an_unknown_number_is_422(api, alice):
    _, headers, account = alice
    problem = assert_problem(api.transfer(headers, account["id"], "1234567897", 100), 422, "validation_error")
    assert problem["errors"][0]["field"] == "to_account_number"
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_000


def test_transfer_to_a_system_account_number_is_422(api, services, alice):
    _, headers, account = alice
    with services.uow(write=False) as uow:
        vault = uow.accounts.system("cash-vault", "USD")
    assert_problem(api.transfer(headers, account["id"], vault.number, 100), 422, "validation_error")
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_000


def test_transfer_over_the_balance_is_declined_and_recorded(api, client, alice, bob, history):
    _, headers, account = alice
    _, b_headers, b_account = bob
    problem = assert_problem(
        api.transfer(headers, account["id"], b_account["number"], 10_001), 422, "insufficient_funds"
    )
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_000
    [declined] = history(headers, account["id"], status="declined")
    assert (declined["entry_id"], declined["kind"], declined["amount_cents"], declined["balance_after_cents"]) == (
        problem["entry_id"],
        "transfer",
        -10_001,
        None,
    )
    entry = client.get(f"/api/v1/transactions/{problem['entry_id']}", headers=headers).json
    assert (entry["status"], entry["decline_reason"], entry["postings"]) == ("declined", "insufficient_funds", [])
    assert history(b_headers, b_account["id"]) == []


def test_withdrawal_exactly_to_zero(api, client, alice):
    _, headers, account = alice
    response = _withdraw(client, headers, account["id"], 10_000)
    assert (response.status_code, response.json["balance_after_cents"]) == (201, 0)


def test_frozen_account_declines_deposits_and_records_them(api, client, alice, teller, history, audit):
    _, headers, account = alice
    assert client.post(f"/api/v1/accounts/{account['id']}/freeze", headers=teller[1]).json["status"] == "frozen"

    problem = assert_problem(api.deposit(headers, account["id"], 500), 409, "account_unavailable")

    assert api.get_account(headers, account["id"])["balance_cents"] == 10_000
    [declined] = history(headers, account["id"], status="declined")
    assert (declined["entry_id"], declined["kind"], declined["status"], declined["amount_cents"]) == (
        problem["entry_id"],
        "deposit",
        "declined",
        500,
    )
    entry = client.get(f"/api/v1/transactions/{problem['entry_id']}", headers=headers).json
    assert entry["decline_reason"] == "account_unavailable"
    assert [r["outcome"] for r in audit(action="deposit", resource_id=str(problem["entry_id"]))] == ["declined"]


def test_frozen_account_declines_money_out_and_in_by_transfer(api, client, alice, bob, teller, history):
    _, a_headers, a_account = alice
    _, b_headers, b_account = bob
    client.post(f"/api/v1/accounts/{b_account['id']}/freeze", headers=teller[1])
    assert_problem(api.transfer(a_headers, a_account["id"], b_account["number"], 100), 409, "account_unavailable")
    client.post(f"/api/v1/accounts/{a_account['id']}/freeze", headers=teller[1])
    assert_problem(_withdraw(client, a_headers, a_account["id"], 100), 409, "account_unavailable")
    assert api.get_account(a_headers, a_account["id"])["balance_cents"] == 10_000
    assert len(history(a_headers, a_account["id"], status="declined")) == 2
    client.post(f"/api/v1/accounts/{a_account['id']}/unfreeze", headers=teller[1])
    assert _withdraw(client, a_headers, a_account["id"], 100).status_code == 201


def test_close_with_a_balance_is_409(api, client, alice):
    _, headers, account = alice
    assert_problem(client.post(f"/api/v1/accounts/{account['id']}/close", headers=headers), 409, "balance_not_zero")
    assert api.get_account(headers, account["id"])["status"] == "active"


def test_close_at_zero_is_final(api, client, alice, bob):
    _, headers, account = alice
    _, b_headers, b_account = bob
    _withdraw(client, headers, account["id"], 10_000)
    response = client.post(f"/api/v1/accounts/{account['id']}/close", headers=headers)
    assert (response.status_code, response.json["status"], response.json["balance_cents"]) == (200, "closed", 0)
    assert_problem(api.deposit(headers, account["id"], 100), 409, "account_unavailable")
    api.deposit(b_headers, b_account["id"], 100)
    assert_problem(api.transfer(b_headers, b_account["id"], account["number"], 1), 409, "account_unavailable")
    assert api.get_account(b_headers, b_account["id"])["balance_cents"] == 100
    lookup = client.get("/api/v1/accounts/lookup", query_string={"number": account["number"]}, headers=b_headers)
    assert_problem(lookup, 404, "not_found")
    assert_problem(client.post(f"/api/v1/accounts/{account['id']}/close", headers=headers), 409, "account_unavailable")
    assert api.get_account(headers, account["id"])["balance_cents"] == 0


def test_reversal_restores_both_balances(api, client, alice, bob, teller, history):
    _, a_headers, a_account = alice
    _, b_headers, b_account = bob
    original = api.transfer(a_headers, a_account["id"], b_account["number"], 3_000).json

    response = client.post(
        f"/api/v1/transactions/{original['id']}/reverse", json={"reason": "fraud"}, headers=teller[1]
    )

    assert response.status_code == 201
    reversal = response.json
    assert (reversal["kind"], reversal["status"], reversal["amount_cents"], reversal["reverses_entry_id"]) == (
        "reversal",
        "posted",
        3_000,
        original["id"],
    )
    assert reversal["memo"] == f"Reversal of #{original['id']}: fraud"
    assert {p["account_id"]: p["amount_cents"] for p in reversal["postings"]} == {
        b_account["id"]: -3_000,
        a_account["id"]: 3_000,
    }
    assert api.get_account(a_headers, a_account["id"])["balance_cents"] == 10_000
    assert api.get_account(b_headers, b_account["id"])["balance_cents"] == 0
    assert history(b_headers, b_account["id"])[0]["kind"] == "reversal"


def test_reversal_of_a_deposit_takes_the_cash_back(api, client, alice, teller):
    _, headers, account = alice
    deposit = api.deposit(headers, account["id"], 400).json
    assert client.post(f"/api/v1/transactions/{deposit['id']}/reverse", headers=teller[1]).status_code == 201
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_000


def test_reversing_twice_is_409_already_reversed(api, client, alice, bob, teller):
    _, a_headers, a_account = alice
    _, _, b_account = bob
    original = api.transfer(a_headers, a_account["id"], b_account["number"], 1_000).json
    assert client.post(f"/api/v1/transactions/{original['id']}/reverse", headers=teller[1]).status_code == 201
    again = client.post(f"/api/v1/transactions/{original['id']}/reverse", headers=teller[1])
    assert_problem(again, 409, "already_reversed")
    assert api.get_account(a_headers, a_account["id"])["balance_cents"] == 10_000


def test_reversing_a_declined_entry_is_409_not_reversible(api, client, alice, teller):
    _, headers, account = alice
    declined = assert_problem(_withdraw(client, headers, account["id"], 99_999), 422, "insufficient_funds")
    response = client.post(f"/api/v1/transactions/{declined['entry_id']}/reverse", headers=teller[1])
    assert_problem(response, 409, "not_reversible")
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_000


def test_reversing_a_reversal_is_409_not_reversible(api, client, alice, teller):
    _, headers, account = alice
    deposit = api.deposit(headers, account["id"], 400).json
    reversal = client.post(f"/api/v1/transactions/{deposit['id']}/reverse", headers=teller[1]).json
    assert_problem(
        client.post(f"/api/v1/transactions/{reversal['id']}/reverse", headers=teller[1]), 409, "not_reversible"
    )
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_000


def test_a_reversal_the_recipient_cannot_fund_is_declined_and_recorded(api, client, alice, bob, teller, history):
    _, a_headers, a_account = alice
    _, b_headers, b_account = bob
    original = api.transfer(a_headers, a_account["id"], b_account["number"], 2_000).json
    assert (
        client.post(
            f"/api/v1/accounts/{b_account['id']}/withdrawals",
            json={"amount_cents": 1_500, "pin": PIN},
            headers=b_headers,
        ).status_code
        == 201
    )

    response = client.post(f"/api/v1/transactions/{original['id']}/reverse", headers=teller[1])

    problem = assert_problem(response, 422, "insufficient_funds")
    assert api.get_account(b_headers, b_account["id"])["balance_cents"] == 500
    assert api.get_account(a_headers, a_account["id"])["balance_cents"] == 8_000
    [declined] = history(teller[1], b_account["id"], status="declined")
    assert (declined["entry_id"], declined["kind"]) == (problem["entry_id"], "reversal")
    # a declined reversal does not count as "already reversed"
    client.post(f"/api/v1/accounts/{b_account['id']}/deposits", json={"amount_cents": 1_500}, headers=teller[1])
    assert client.post(f"/api/v1/transactions/{original['id']}/reverse", headers=teller[1]).status_code == 201


def test_a_teller_may_reverse_into_a_frozen_account(api, client, alice, bob, teller):
    _, a_headers, a_account = alice
    _, b_headers, b_account = bob
    original = api.transfer(a_headers, a_account["id"], b_account["number"], 1_000).json
    client.post(f"/api/v1/accounts/{a_account['id']}/freeze", headers=teller[1])
    assert client.post(f"/api/v1/transactions/{original['id']}/reverse", headers=teller[1]).status_code == 201
    assert api.get_account(teller[1], a_account["id"])["balance_cents"] == 10_000


def test_reversing_an_unknown_entry_is_404(client, teller):
    assert_problem(client.post("/api/v1/transactions/999999/reverse", headers=teller[1]), 404, "not_found")


def test_open_account_answer_and_lookup(api, client, alice, bob):
    _, headers, account = alice
    _, b_headers, _ = bob
    assert set(account) == {
        "id",
        "number",
        "type",
        "currency",
        "balance_cents",
        "available_cents",
        "held_cents",
        "daily_limit_cents",
        "status",
        "pin_locked",
        "owner_id",
        "created_at",
    }
    assert (account["available_cents"], account["held_cents"], account["daily_limit_cents"]) == (
        account["balance_cents"],
        0,
        None,
    )
    lookup = client.get("/api/v1/accounts/lookup", query_string={"number": account["number"]}, headers=b_headers)
    assert (lookup.status_code, lookup.json) == (200, {"number": account["number"], "holder": "Alice C."})


def test_lookup_masks_a_one_word_name_to_its_initial(api, client, bob):
    _, cher_headers = api.customer("Cher")
    cher_account = api.account(cher_headers)
    _, b_headers, _ = bob
    lookup = client.get("/api/v1/accounts/lookup", query_string={"number": cher_account["number"]}, headers=b_headers)
    assert lookup.json == {"number": cher_account["number"], "holder": "C."}


@pytest.mark.parametrize("number", ["", "123", "12345678901", "abcdefghij", "١٢٣٤٥٦٧٨٩٠"])
def test_lookup_with_a_malformed_number_is_422(client, bob, number):
    _, headers, _ = bob
    response = client.get("/api/v1/accounts/lookup", query_string={"number": number}, headers=headers)
    assert_problem(response, 422, "validation_error")


@pytest.mark.parametrize(
    "body",
    [
        {"type": "system", "pin": "1234"},
        {"type": "checking", "pin": "12"},
        {"type": "checking", "pin": "١٢٣٤"},
        {"type": "checking", "pin": 1234},
        {"type": "checking", "pin": "1234", "currency": "XYZ"},
        {"type": "checking", "pin": "1234", "currency": "usd"},
        {"type": "checking"},
    ],
)
def test_open_account_validation(client, bob, body):
    _, headers, _ = bob
    assert_problem(client.post("/api/v1/accounts", json=body, headers=headers), 422, "validation_error")
    assert len(client.get("/api/v1/accounts", headers=headers).json["items"]) == 1


def test_opening_with_a_bad_type_pin_and_currency_names_all_three_at_once(client, bob, services):
    _, headers, _ = bob
    body = {"type": "gold", "pin": "12", "currency": "XYZ"}
    problem = assert_problem(client.post("/api/v1/accounts", json=body, headers=headers), 422, "validation_error")
    assert sorted(e["field"] for e in problem["errors"]) == ["currency", "pin", "type"]
    user = services.identity.register(Actor(), "all-at-once@example.com", PASSWORD, "All At Once")
    with pytest.raises(ValidationFailed) as refused:  # the service itself, as the pages call it
        services.accounts.open(Actor(user_id=user.id, role=Role.CUSTOMER), "gold", "12", "XYZ")
    assert sorted(e["field"] for e in refused.value.errors) == ["currency", "pin", "type"]
