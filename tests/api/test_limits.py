"""Daily limits over the API (SPEC section 14): who may set what, money out per UTC day against the
limit (withdrawals, transfers, purchases, authorisations; a released authorisation gives back, a
capture is not counted twice), and the cap on customers' own cash deposits."""

import time

import pytest

from tests.api.test_holds import authorize, capture, void
from tests.conftest import PIN


def set_limit(client, headers, account_id, value):
    return client.post(f"/api/v1/accounts/{account_id}/limits", json={"daily_limit_cents": value}, headers=headers)


def withdraw(client, headers, account_id, amount_cents):
    return client.post(
        f"/api/v1/accounts/{account_id}/withdrawals", json={"amount_cents": amount_cents, "pin": PIN}, headers=headers
    )


@pytest.fixture
def limited(api, client):
    """(headers, account, card) of a customer with $1,000.00, a card and a $100.00 daily limit."""
    _, headers = api.customer()
    account = api.funded_account(headers, 100_000)
    card = client.post(f"/api/v1/accounts/{account['id']}/card", headers=headers).json
    assert set_limit(client, headers, account["id"], 10_000).json["daily_limit_cents"] == 10_000
    return headers, account, card


def test_the_owner_may_lower_or_keep_but_not_raise_or_remove(api, client, audit):
    _, headers = api.customer()
    account = api.account(headers)
    assert set_limit(client, headers, account["id"], 50_000).status_code == 200  # from no limit: lower
    assert set_limit(client, headers, account["id"], 20_000).json["daily_limit_cents"] == 20_000
    assert set_limit(client, headers, account["id"], 20_000).status_code == 200
    for value in (20_001, None):
        response = set_limit(client, headers, account["id"], value)
        assert (response.status_code, response.json["code"]) == (403, "forbidden")
    assert api.get_account(headers, account["id"])["daily_limit_cents"] == 20_000
    outcomes = [r["outcome"] for r in audit(action="account.limit", resource_id=str(account["id"]))]
    assert sorted(outcomes) == ["denied", "denied", "success", "success", "success"]


def test_staff_set_any_value_on_a_customers_account(api, client, teller):
    _, headers = api.customer()
    account = api.account(headers)
    set_limit(client, headers, account["id"], 1_000)
    assert set_limit(client, teller[1], account["id"], 500_000).json["daily_limit_cents"] == 500_000
    assert set_limit(client, teller[1], account["id"], None).json["daily_limit_cents"] is None


@pytest.mark.parametrize("role", ["teller", "admin"])
def test_staff_never_limit_an_account_they_own(api, client, audit, role):
    """SPEC 1: "holding or limiting one [an account they own] … is 403 own_account", lowering too."""
    _, staff = api.staff(role)
    own = api.account(staff)
    for value in (1_000, 2_000):
        response = set_limit(client, staff, own["id"], value)
        assert (response.status_code, response.json["code"]) == (403, "own_account")
    assert api.get_account(staff, own["id"])["daily_limit_cents"] is None
    assert [r["details"].get("reason") for r in audit(action="account.limit")] == ["own_account", "own_account"]


@pytest.mark.parametrize("value", [0, -1, 10**12 + 1, "100", 1.5, True])
def test_a_limit_is_an_integer_from_one_to_ten_to_the_twelve(api, client, value):
    _, headers = api.customer()
    account = api.account(headers)
    response = set_limit(client, headers, account["id"], value)
    assert (response.status_code, response.json["code"]) == (422, "validation_error")
    assert response.json["errors"][0]["field"] == "daily_limit_cents"


def test_the_field_is_required(api, client):
    _, headers = api.customer()
    account = api.account(headers)
    response = client.post(f"/api/v1/accounts/{account['id']}/limits", json={}, headers=headers)
    assert (response.status_code, response.json["code"]) == (422, "validation_error")


def test_another_customer_gets_404(api, client, limited):
    _, account, _ = limited
    _, stranger = api.customer()
    response = set_limit(client, stranger, account["id"], 1)
    assert (response.status_code, response.json["code"]) == (404, "not_found")


def test_money_out_is_declined_past_the_limit_and_exact_at_it(api, client, limited, history):
    headers, account, _ = limited
    target = api.account(headers, type="savings")
    assert withdraw(client, headers, account["id"], 4_000).status_code == 201
    assert api.transfer(headers, account["id"], target["number"], 5_000).status_code == 201
    over = withdraw(client, headers, account["id"], 1_001)
    assert over.status_code == 422
    assert (over.json["code"], over.json["limit_remaining_cents"]) == ("limit_exceeded", 1_000)
    line = history(headers, account["id"])[0]
    assert (line["kind"], line["status"], line["amount_cents"]) == ("withdrawal", "declined", -1_001)
    transfer = api.transfer(headers, account["id"], target["number"], 1_001)
    assert (transfer.status_code, transfer.json["code"]) == (422, "limit_exceeded")
    assert withdraw(client, headers, account["id"], 1_000).status_code == 201  # exactly what is left
    assert api.get_account(headers, account["id"])["balance_cents"] == 90_000


def test_deposits_and_incoming_transfers_do_not_count(api, client, limited):
    headers, account, _ = limited
    other = api.funded_account(headers, 50_000)
    assert api.deposit(headers, account["id"], 20_000).status_code == 201
    assert api.transfer(headers, other["id"], account["number"], 20_000).status_code == 201
    assert withdraw(client, headers, account["id"], 10_000).status_code == 201


def test_card_purchases_and_authorisations_count(api, client, limited):
    headers, account, card = limited
    purchase = client.post(
        f"/api/v1/cards/{card['id']}/purchases",
        json={"amount_cents": 3_000, "merchant": "Shop", "pin": PIN},
        headers=headers,
    )
    assert purchase.status_code == 201
    assert authorize(client, headers, card["id"], 6_000).status_code == 201
    over = authorize(client, headers, card["id"], 1_001)
    assert (over.status_code, over.json["code"], over.json["limit_remaining_cents"]) == (422, "limit_exceeded", 1_000)


def test_a_voided_authorisation_gives_its_amount_back(client, limited):
    headers, account, card = limited
    hold = authorize(client, headers, card["id"], 9_000).json
    assert (withdraw(client, headers, account["id"], 2_000).json["code"]) == "limit_exceeded"
    void(client, headers, hold["id"])
    assert withdraw(client, headers, account["id"], 10_000).status_code == 201


def test_a_capture_is_not_counted_twice_and_a_partial_one_gives_the_rest_back(client, limited):
    headers, account, card = limited
    hold = authorize(client, headers, card["id"], 8_000).json
    assert capture(client, headers, hold["id"], 5_000).status_code == 201  # 5,000 counted, 3,000 back
    assert withdraw(client, headers, account["id"], 5_001).json["code"] == "limit_exceeded"
    assert withdraw(client, headers, account["id"], 5_000).status_code == 201


@pytest.fixture
def configured(app_config, request):
    """app_config with this test's settings (before the app is built from it)."""
    app_config.update(request.param)
    return app_config


@pytest.mark.parametrize("configured", [{"HOLD_EXPIRY_SECONDS": 1}], indirect=True)
def test_an_expired_authorisation_gives_its_amount_back(configured, api, client):
    _, headers = api.customer()
    account = api.funded_account(headers, 50_000)
    card = client.post(f"/api/v1/accounts/{account['id']}/card", headers=headers).json
    set_limit(client, headers, account["id"], 10_000)
    authorize(client, headers, card["id"], 10_000)
    assert withdraw(client, headers, account["id"], 1).json["code"] == "limit_exceeded"
    time.sleep(1.05)
    assert withdraw(client, headers, account["id"], 10_000).status_code == 201


def test_a_limit_set_later_in_the_day_knows_what_left_before(api, client):
    _, headers = api.customer()
    account = api.funded_account(headers, 50_000)
    assert withdraw(client, headers, account["id"], 7_000).status_code == 201
    set_limit(client, headers, account["id"], 10_000)
    response = withdraw(client, headers, account["id"], 3_001)
    assert (response.status_code, response.json["limit_remaining_cents"]) == (422, 3_000)


@pytest.mark.parametrize("configured", [{"DAILY_LIMIT_CENTS": 25_000}], indirect=True)
def test_new_accounts_get_the_configured_limit(configured, api):
    _, headers = api.customer()
    assert api.account(headers)["daily_limit_cents"] == 25_000


@pytest.mark.parametrize("configured", [{"CUSTOMER_DEPOSIT_DAILY_CENTS": 5_000}], indirect=True)
def test_customers_own_deposits_are_capped_per_day(configured, api, client, teller, history):
    _, headers = api.customer()
    first, second = api.account(headers), api.account(headers, type="savings")
    assert api.deposit(headers, first["id"], 3_000).status_code == 201
    over = api.deposit(headers, second["id"], 2_001)  # per user, across accounts
    assert (over.status_code, over.json["code"], over.json["limit_remaining_cents"]) == (422, "limit_exceeded", 2_000)
    line = history(headers, second["id"])[0]
    assert (line["kind"], line["status"]) == ("deposit", "declined")
    assert api.deposit(headers, second["id"], 2_000).status_code == 201
    assert api.deposit(teller[1], first["id"], 50_000).status_code == 201  # a teller's cash in is not capped
