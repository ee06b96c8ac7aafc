"""Issue 14, item 19: a problem's `title` is the code's short fixed phrase and its `detail` says what
happened to this request (the field and what is wrong with it, the resource asked for), never the title
again; `errors[]` speaks our words, never pydantic's, and a 404 still hides what is not yours."""

from __future__ import annotations

import pytest

from entities import errors as domain_errors
from tests.api.helpers import assert_problem

PYDANTIC_WORDS = ("Input should", "String should", "List should", "Field required", "Extra inputs", "Value error")


@pytest.fixture
def alice(api):
    _, headers = api.customer()
    return headers, api.funded_account(headers, 10_000)


def deposit(client, alice, body):
    headers, account = alice
    return client.post(f"/api/v1/accounts/{account['id']}/deposits", json=body, headers=headers)


def test_every_domain_error_has_a_detail_of_its_own_beside_its_title():
    classes = [
        value
        for value in vars(domain_errors).values()
        if isinstance(value, type) and issubclass(value, domain_errors.DomainError)
    ]
    assert len(classes) > 30
    assert [c.__name__ for c in classes if c().detail == c.title] == []


def test_a_validation_error_names_the_field_in_its_detail(client, alice):
    problem = assert_problem(deposit(client, alice, {"amount_cents": 0}), 422, "validation_error")
    assert problem["title"] == "Validation failed"
    assert problem["detail"] == "amount_cents: must be at least 1"
    assert problem["errors"] == [{"field": "amount_cents", "message": "must be at least 1"}]


def test_a_detail_names_every_offending_field_up_to_three_and_errors_lists_them_all(client, alice):
    body = {"amount_cents": "12", "memo": 5, "a": 1, "b": 2}
    problem = assert_problem(deposit(client, alice, body), 422, "validation_error")
    assert problem["errors"] == [
        {"field": "amount_cents", "message": "must be a whole number of cents"},
        {"field": "memo", "message": "must be a string"},
        {"field": "a", "message": "is not a field of this request"},
        {"field": "b", "message": "is not a field of this request"},
    ]
    assert problem["detail"] == (
        "amount_cents: must be a whole number of cents; memo: must be a string; "
        "a: is not a field of this request (and 1 more in errors)"
    )


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"amount_cents": "abc"}, "amount_cents", "must be a whole number of cents"),
        ({"amount_cents": 12.5}, "amount_cents", "must be a whole number of cents"),
        ({"amount_cents": True}, "amount_cents", "must be a whole number of cents"),
        ({"amount_cents": 10**12 + 1}, "amount_cents", "must be at most 1000000000000"),
        ({}, "amount_cents", "is required"),
        ({"amount_cents": 1, "currency": "EUR"}, "currency", "is not a field of this request"),
    ],
    ids=["text", "fraction", "boolean", "too_large", "missing", "unknown_field"],
)
def test_a_deposit_body_error_is_worded_for_people(client, alice, body, field, message):
    problem = assert_problem(deposit(client, alice, body), 422, "validation_error")
    assert problem["errors"] == [{"field": field, "message": message}]
    assert problem["detail"] == f"{field}: {message}"


def test_pins_numbers_currencies_and_choices_say_what_they_must_be(client, alice):
    headers, account = alice
    opened = client.post("/api/v1/accounts", json={"type": "gold", "pin": "12a4", "currency": "usd"}, headers=headers)
    assert assert_problem(opened, 422, "validation_error")["errors"] == [
        {"field": "type", "message": "must be 'checking' or 'savings'"},
        {"field": "pin", "message": "must be 4 to 6 digits"},
        {"field": "currency", "message": "must be a three-letter ISO 4217 code in capitals, such as USD"},
    ]
    body = {"from_account_id": account["id"], "to_account_number": "12345", "amount_cents": 100, "pin": 1234}
    sent = client.post("/api/v1/transfers", json=body, headers=headers)
    assert assert_problem(sent, 422, "validation_error")["errors"] == [
        {"field": "to_account_number", "message": "must be 10 digits"},
        {"field": "pin", "message": "must be a string"},
    ]


def test_query_parameters_are_worded_for_people_too(client, alice):
    headers, account = alice
    response = client.get(
        f"/api/v1/accounts/{account['id']}/transactions?limit=500&from=2026-13-01&kind=gift", headers=headers
    )
    assert assert_problem(response, 422, "validation_error")["errors"] == [
        {"field": "limit", "message": "must be at most 200"},
        {"field": "kind", "message": "must be 'deposit', 'withdrawal', 'transfer', 'card_purchase' or 'reversal'"},
        {"field": "from", "message": "must be a date (YYYY-MM-DD)"},
    ]
    lookup = client.get("/api/v1/accounts/lookup", headers=headers)
    assert assert_problem(lookup, 422, "validation_error")["errors"] == [{"field": "number", "message": "is required"}]


def test_lengths_and_lists_say_their_bound(client, api):
    _, headers = api.customer()
    short = client.post("/api/v1/me/password", json={"current_password": "x", "new_password": "short"}, headers=headers)
    assert assert_problem(short, 422, "validation_error")["errors"] == [
        {"field": "new_password", "message": "must be at least 12 characters"}
    ]
    _, admin = api.staff("admin")
    hook = client.post("/api/v1/webhooks", json={"url": "https://example.com/h", "events": []}, headers=admin)
    assert assert_problem(hook, 422, "validation_error")["errors"] == [
        {"field": "events", "message": "must not be empty"}
    ]


def test_no_pydantic_wording_reaches_a_client_across_a_sweep(client, alice):
    headers, account = alice
    sweep = [
        deposit(client, alice, {"amount_cents": None, "memo": ["x"], "x": 1}),
        client.post("/api/v1/auth/login", json={"email": ["list"], "password": {"a": 1}}),
        client.post("/api/v1/auth/register", json={"email": "x" * 300, "password": 5, "full_name": None}),
        client.post("/api/v1/accounts", json={"type": 1, "pin": "1", "owner_id": 0}, headers=headers),
        client.get("/api/v1/admin/users?locked=maybe&limit=0", headers=headers),
        client.get(f"/api/v1/accounts/{account['id']}/transactions?to=yesterday&cursor={'x' * 65}", headers=headers),
        client.patch("/api/v1/me", json={"timezone": 3, "full_name": ""}, headers=headers),
    ]
    for response in sweep:
        problem = assert_problem(response, 422, "validation_error")
        assert problem["errors"], problem
        text = response.get_data(as_text=True)
        assert not any(words in text for words in PYDANTIC_WORDS), text
        assert problem["detail"] != problem["title"]


def test_a_hidden_account_reads_the_same_as_a_missing_one(client, api, alice):
    _, bob = api.customer()
    _, account = alice
    missing_id = account["id"] + 1000
    theirs = assert_problem(client.get(f"/api/v1/accounts/{account['id']}", headers=bob), 404, "not_found")
    missing = assert_problem(client.get(f"/api/v1/accounts/{missing_id}", headers=bob), 404, "not_found")
    assert theirs["title"] == missing["title"] == "Not found"
    assert theirs["detail"] == f"No account {account['id']} is visible to you"
    assert missing["detail"] == f"No account {missing_id} is visible to you"
    assert theirs["errors"] == missing["errors"] == []


def test_a_hidden_transaction_reads_the_same_as_a_missing_one(client, api, alice):
    _, bob = api.customer()
    headers, account = alice
    [item] = client.get(f"/api/v1/accounts/{account['id']}/transactions", headers=headers).json["items"]
    entry_id = item["entry_id"]
    theirs = assert_problem(client.get(f"/api/v1/transactions/{entry_id}", headers=bob), 404, "not_found")
    missing = assert_problem(client.get(f"/api/v1/transactions/{entry_id + 1000}", headers=bob), 404, "not_found")
    assert theirs["detail"] == f"No transaction {entry_id} is visible to you"
    assert missing["detail"] == f"No transaction {entry_id + 1000} is visible to you"


def test_a_customer_at_a_staff_action_still_gets_403_saying_why(client, alice):
    headers, account = alice
    problem = assert_problem(client.get("/api/v1/admin/users", headers=headers), 403, "forbidden")
    assert problem["title"] == "Forbidden"
    assert problem["detail"] == "Customers may not do this (user.list)"
    frozen = client.post(f"/api/v1/accounts/{account['id']}/freeze", headers=headers)
    assert assert_problem(frozen, 403, "forbidden")["detail"] == "Customers may not do this (account.freeze)"


def test_a_teller_at_an_admin_action_gets_403_naming_the_role(client, teller):
    problem = assert_problem(client.get("/api/v1/admin/verify", headers=teller[1]), 403, "forbidden")
    assert problem["detail"] == "Tellers may not do this (verify)"


def test_staff_see_which_user_or_transaction_was_not_found(client, admin):
    headers = admin[1]
    user = assert_problem(client.post("/api/v1/admin/users/999999/unlock", headers=headers), 404, "not_found")
    assert user["detail"] == "No user 999999 is visible to you"
    entry = client.post("/api/v1/transactions/999999/reverse", json={}, headers=headers)
    assert assert_problem(entry, 404, "not_found")["detail"] == "No transaction 999999 is visible to you"


def test_errors_without_a_detail_of_their_own_explain_themselves(client, alice):
    headers, account = alice
    anonymous = assert_problem(client.get("/api/v1/me"), 401, "unauthorized")
    assert anonymous["title"] == "Authentication required"
    assert anonymous["detail"] == ("Send an access token from POST /api/v1/auth/login as Authorization: Bearer <token>")
    closed = assert_problem(
        client.post(f"/api/v1/accounts/{account['id']}/close", headers=headers), 409, "balance_not_zero"
    )
    assert closed["title"] == "Balance is not zero"
    assert closed["detail"] == "Only an account at zero balance can be closed; move or withdraw the money first"
