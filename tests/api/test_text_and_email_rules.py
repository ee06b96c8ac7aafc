"""Emails and free text over the API (SPEC section 2), with every bad field reported at once (section 9)."""

import pytest

from tests.api.helpers import assert_problem, raw_connection
from tests.conftest import PASSWORD, PIN

REGISTER = "/api/v1/auth/register"
BAD_EMAILS = {
    "nul": "alice@example.com\x00",
    "esc": "al\x1bice@example.com",
    "del": "alice\x7f@example.com",
    "bidi_override": "\u202ealice@example.com",
    "zero_width_space": "ali\u200bce@example.com",
    "leading_space": " alice@example.com",
    "inner_space": "ali ce@example.com",
    "newline": "alice@example.com\n",
    "no_domain_dot": "alice@example",
    "double_dot": "alice..cooper@example.com",
    "two_at_signs": "alice@@example.com",
}
HIDDEN = ["\t", "\n", "\x00", "\x1b", "\x7f", "\u202e", "\u200b", "\ufeff"]


def _users(app) -> int:
    with raw_connection(app) as conn:
        return conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]


def _register(client, **fields):
    body = {"email": "alice@example.com", "password": PASSWORD, "full_name": "Alice Cooper", **fields}
    return client.post(REGISTER, json=body)


@pytest.mark.parametrize("email", BAD_EMAILS.values(), ids=BAD_EMAILS.keys())
def test_a_bad_email_is_422_on_email_and_registers_nobody(app, client, email):
    problem = assert_problem(_register(client, email=email), 422, "validation_error")
    assert [error["field"] for error in problem["errors"]] == ["email"]
    assert _users(app) == 0


def test_emails_are_stored_lower_case_and_unique_case_insensitively(app, client):
    assert _register(client, email="Alice.Cooper@Example.COM").json["email"] == "alice.cooper@example.com"
    assert_problem(_register(client, email="ALICE.COOPER@example.com"), 409, "email_taken")
    assert (
        client.post("/api/v1/auth/login", json={"email": "aLiCe.cooper@EXAMPLE.com", "password": PASSWORD}).status_code
        == 200
    )
    assert _users(app) == 1


def test_a_100_character_name_padded_with_spaces_is_accepted_and_trimmed(client):
    response = _register(client, full_name="   " + "N" * 100 + "  ")
    assert response.status_code == 201, response.json
    assert response.json["full_name"] == "N" * 100


@pytest.mark.parametrize("character", HIDDEN)
def test_a_hidden_character_in_the_name_is_422(app, client, character):
    problem = assert_problem(_register(client, full_name=f"Alice{character}Cooper"), 422, "validation_error")
    assert [error["field"] for error in problem["errors"]] == ["full_name"]
    assert _users(app) == 0


def test_register_reports_every_bad_field_at_once(app, client):
    response = _register(client, email="not an email", password="short", full_name="   ")
    problem = assert_problem(response, 422, "validation_error")
    assert sorted(error["field"] for error in problem["errors"]) == ["email", "full_name", "password"]
    assert _users(app) == 0


def test_a_password_equal_to_the_email_is_reported_with_the_other_bad_fields(app, client):
    email = "long.address.here@example.com"
    response = _register(client, email=email, password=email, full_name="Bad\u202eName")
    problem = assert_problem(response, 422, "validation_error")
    assert {error["field"]: error["message"] for error in problem["errors"]}.keys() == {"password", "full_name"}
    assert _users(app) == 0


def test_a_profile_name_follows_the_same_rule(api, client):
    _, headers = api.customer()
    padded = client.patch("/api/v1/me", json={"full_name": " " + "P" * 100 + " "}, headers=headers)
    assert padded.status_code == 200 and padded.json["full_name"] == "P" * 100
    refused = client.patch("/api/v1/me", json={"full_name": "Eve\u200bIl", "timezone": "Mars/Base"}, headers=headers)
    problem = assert_problem(refused, 422, "validation_error")
    assert [error["field"] for error in problem["errors"]] == ["full_name", "timezone"]
    assert client.get("/api/v1/me", headers=headers).json["full_name"] == "P" * 100


@pytest.fixture
def funded(api):
    _, headers = api.customer()
    return headers, api.funded_account(headers, 10_000), api.account(headers, type="savings")


@pytest.mark.parametrize("character", HIDDEN)
def test_a_hidden_character_in_a_memo_is_422_and_moves_nothing(api, client, funded, character):
    headers, account, savings = funded
    deposit = client.post(
        f"/api/v1/accounts/{account['id']}/deposits",
        json={"amount_cents": 100, "memo": f"Rent{character}"},
        headers=headers,
    )
    assert [e["field"] for e in assert_problem(deposit, 422, "validation_error")["errors"]] == ["memo"]
    transfer = client.post(
        "/api/v1/transfers",
        json={
            "from_account_id": account["id"],
            "to_account_number": savings["number"],
            "amount_cents": 100,
            "pin": PIN,
            "memo": f"{character}Rent",
        },
        headers=headers,
    )
    assert [e["field"] for e in assert_problem(transfer, 422, "validation_error")["errors"]] == ["memo"]
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_000
    assert api.get_account(headers, savings["id"])["balance_cents"] == 0


def test_a_memo_of_140_characters_after_trimming_is_accepted_and_trimmed(api, client, funded):
    headers, account, _ = funded
    response = client.post(
        f"/api/v1/accounts/{account['id']}/deposits",
        json={"amount_cents": 100, "memo": "  " + "m" * 140 + " "},
        headers=headers,
    )
    assert response.status_code == 201, response.json
    assert response.json["memo"] == "m" * 140


def test_a_merchant_with_a_newline_is_422_and_buys_nothing(api, client, funded):
    headers, account, _ = funded
    card = client.post(f"/api/v1/accounts/{account['id']}/card", headers=headers).json
    response = client.post(
        f"/api/v1/cards/{card['id']}/purchases",
        json={"amount_cents": 100, "merchant": "Shop\nINJECTED", "pin": PIN},
        headers=headers,
    )
    assert [e["field"] for e in assert_problem(response, 422, "validation_error")["errors"]] == ["merchant"]
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_000


def test_a_reversal_reason_with_a_bidi_override_is_422_and_reverses_nothing(api, client, funded, teller):
    headers, account, _ = funded
    entry = client.post(f"/api/v1/accounts/{account['id']}/deposits", json={"amount_cents": 500}, headers=headers).json
    response = client.post(
        f"/api/v1/transactions/{entry['id']}/reverse", json={"reason": "fraud\u202e"}, headers=teller[1]
    )
    assert [e["field"] for e in assert_problem(response, 422, "validation_error")["errors"]] == ["reason"]
    assert api.get_account(headers, account["id"])["balance_cents"] == 10_500
