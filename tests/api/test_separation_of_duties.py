"""Separation of duties (SPEC section 1): staff never use a staff power on their own money, only an
admin unlocks staff, nobody changes their own role, and a teller lifts one account's PIN lock at most
PIN_UNLOCKS_PER_DAY times in 24 hours. Each refusal is enforced in the service layer and audited."""

import pytest

from tests.api.helpers import assert_problem
from tests.conftest import PASSWORD, PIN

WRONG_PIN = "9999"
MAX_AMOUNT = 10**12


@pytest.fixture(params=["teller", "admin"])
def staff(request, api):
    """(user, headers) of a teller, then of an admin: the rules are the same for both."""
    return api.staff(request.param)


def _own_account(api, staff_headers, funded_by=None, amount_cents=0):
    """An account the staff member opened for themselves, optionally paid into by a customer's transfer."""
    account = api.account(staff_headers)
    if amount_cents:
        payer_headers = funded_by or api.customer()[1]
        payer = api.funded_account(payer_headers, amount_cents)
        assert api.transfer(payer_headers, payer["id"], account["number"], amount_cents).status_code == 201
    return api.get_account(staff_headers, account["id"])


def _denied(audit, actor_id, action):
    return [r for r in audit(actor_id=actor_id, outcome="denied") if r["action"] == action]


def _wrong_pins(client, headers, account_id, times):
    for _ in range(times):
        response = client.post(
            f"/api/v1/accounts/{account_id}/withdrawals", json={"amount_cents": 1, "pin": WRONG_PIN}, headers=headers
        )
        assert_problem(response, 403, "invalid_pin")
    return response


def _locked_customer_account(api, client):
    headers = api.customer()[1]
    account = api.funded_account(headers, 5_000)
    last = _wrong_pins(client, headers, account["id"], 3)
    assert last.json["attempts_remaining"] == 0
    return headers, account


# --- a: no staff power on one's own money ------------------------------------------------------------


def test_issue_8_staff_cannot_deposit_cash_into_their_own_account_and_withdraw_it(client, api, staff, audit):
    user, headers = staff
    account = _own_account(api, headers)
    deposit = api.deposit(headers, account["id"], MAX_AMOUNT)
    assert_problem(deposit, 403, "own_account")
    withdrawal = client.post(
        f"/api/v1/accounts/{account['id']}/withdrawals", json={"amount_cents": MAX_AMOUNT, "pin": PIN}, headers=headers
    )
    assert_problem(withdrawal, 422, "insufficient_funds")
    assert api.get_account(headers, account["id"])["balance_cents"] == 0
    [denial] = _denied(audit, user.id, "deposit")
    assert (denial["resource_type"], denial["resource_id"], denial["details"]) == (
        "account",
        str(account["id"]),
        {"reason": "own_account"},
    )
    kinds = [
        (e["kind"], e["status"])
        for e in client.get(f"/api/v1/accounts/{account['id']}/transactions", headers=headers).json["items"]
    ]
    assert kinds == [("withdrawal", "declined")]  # the refused deposit posted nothing, not even a decline


def test_staff_still_deposit_cash_for_customers(api, staff):
    customer_headers = api.customer()[1]
    account = api.account(customer_headers)
    assert api.deposit(staff[1], account["id"], 500).status_code == 201
    assert api.get_account(customer_headers, account["id"])["balance_cents"] == 500


def test_staff_use_their_own_accounts_like_any_customer_with_their_pin(client, api, staff):
    _, headers = staff
    account = _own_account(api, headers, amount_cents=3_000)
    other = api.account(api.customer()[1])
    withdrawal = client.post(
        f"/api/v1/accounts/{account['id']}/withdrawals", json={"amount_cents": 1_000, "pin": PIN}, headers=headers
    )
    assert withdrawal.status_code == 201, withdrawal.json
    assert api.transfer(headers, account["id"], other["number"], 2_000).status_code == 201
    closed = client.post(f"/api/v1/accounts/{account['id']}/close", headers=headers)
    assert (closed.status_code, closed.json["status"]) == (200, "closed")


def test_staff_cannot_reverse_an_entry_that_touches_their_own_account(client, api, staff, audit):
    user, headers = staff
    customer_headers = api.customer()[1]
    account = _own_account(api, headers, funded_by=customer_headers, amount_cents=2_000)
    [incoming] = client.get(f"/api/v1/accounts/{account['id']}/transactions", headers=headers).json["items"]
    response = client.post(f"/api/v1/transactions/{incoming['entry_id']}/reverse", json={}, headers=headers)
    assert_problem(response, 403, "own_account")
    assert api.get_account(headers, account["id"])["balance_cents"] == 2_000
    [denial] = _denied(audit, user.id, "reversal")
    assert (denial["resource_id"], denial["details"]) == (str(incoming["entry_id"]), {"reason": "own_account"})
    # Another staff member may reverse it.
    colleague = api.staff("teller")[1]
    reversed_ = client.post(f"/api/v1/transactions/{incoming['entry_id']}/reverse", json={}, headers=colleague)
    assert reversed_.status_code == 201, reversed_.json
    assert api.get_account(headers, account["id"])["balance_cents"] == 0


def test_staff_cannot_unlock_their_own_pin_locked_account(client, api, staff, audit):
    user, headers = staff
    account = _own_account(api, headers, amount_cents=100)
    _wrong_pins(client, headers, account["id"], 3)
    response = client.post(f"/api/v1/accounts/{account['id']}/unlock", headers=headers)
    assert_problem(response, 403, "own_account")
    assert api.get_account(headers, account["id"])["pin_locked"] is True
    assert [r["details"] for r in _denied(audit, user.id, "account.unlock")] == [{"reason": "own_account"}]


@pytest.mark.parametrize("action", ["freeze", "unfreeze"])
def test_staff_cannot_freeze_or_unfreeze_their_own_account(client, api, staff, audit, action):
    user, headers = staff
    account = _own_account(api, headers)
    response = client.post(f"/api/v1/accounts/{account['id']}/{action}", headers=headers)
    assert_problem(response, 403, "own_account")
    assert api.get_account(headers, account["id"])["status"] == "active"
    assert len(_denied(audit, user.id, f"account.{action}")) == 1


def test_a_frozen_staff_account_stays_frozen_for_its_owner(client, api, teller, admin):
    account = _own_account(api, teller[1])
    assert client.post(f"/api/v1/accounts/{account['id']}/freeze", headers=admin[1]).status_code == 200
    response = client.post(f"/api/v1/accounts/{account['id']}/unfreeze", headers=teller[1])
    assert_problem(response, 403, "own_account")
    assert api.get_account(teller[1], account["id"])["status"] == "frozen"


def test_staff_cannot_move_a_customers_money_into_their_own_account(client, api, staff, audit):
    user, headers = staff
    own = _own_account(api, headers)
    customer_headers = api.customer()[1]
    source = api.funded_account(customer_headers, 1_000)
    response = api.transfer(headers, source["id"], own["number"], 1_000)  # with the customer's PIN
    assert_problem(response, 403, "own_account")
    assert api.get_account(customer_headers, source["id"])["balance_cents"] == 1_000
    assert api.get_account(headers, own["id"])["balance_cents"] == 0
    assert len(_denied(audit, user.id, "transfer")) == 1


def test_staff_cannot_lift_their_own_login_lock(client, api, staff, audit):
    user, headers = staff
    for _ in range(5):
        client.post("/api/v1/auth/login", json={"email": user.email, "password": "wrong password here"})
    assert_problem(
        client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}), 423, "user_locked"
    )
    response = client.post(f"/api/v1/admin/users/{user.id}/unlock", headers=headers)  # with a token from before
    assert_problem(response, 403, "own_account")
    assert_problem(
        client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}), 423, "user_locked"
    )
    assert [r["details"] for r in _denied(audit, user.id, "user.unlock")] == [{"reason": "own_account"}]


# --- b: only an admin unlocks, locks or changes the role of staff; nobody changes their own role --------


def test_issue_8_a_teller_cannot_lift_an_admins_lock_on_another_admin(client, api, teller, admin, audit):
    target, _ = api.staff("admin")
    assert client.post(f"/api/v1/admin/users/{target.id}/lock", headers=admin[1]).status_code == 200
    response = client.post(f"/api/v1/admin/users/{target.id}/unlock", headers=teller[1])
    assert_problem(response, 403, "forbidden")
    assert_problem(
        client.post("/api/v1/auth/login", json={"email": target.email, "password": PASSWORD}), 423, "user_locked"
    )
    [denial] = _denied(audit, teller[0].id, "user.unlock")
    assert (denial["resource_id"], denial["details"]) == (str(target.id), {"reason": "staff_user"})


def test_a_teller_cannot_unlock_another_teller_but_an_admin_can(client, api, teller, admin):
    colleague, _ = api.staff("teller")
    assert client.post(f"/api/v1/admin/users/{colleague.id}/lock", headers=admin[1]).status_code == 200
    assert_problem(client.post(f"/api/v1/admin/users/{colleague.id}/unlock", headers=teller[1]), 403, "forbidden")
    unlocked = client.post(f"/api/v1/admin/users/{colleague.id}/unlock", headers=admin[1])
    assert (unlocked.status_code, unlocked.json["status"]) == (200, "active")
    assert api.login(colleague.email)["user"]["id"] == colleague.id


def test_a_teller_still_unlocks_customers(client, api, teller, admin):
    customer, _ = api.customer()
    assert client.post(f"/api/v1/admin/users/{customer['id']}/lock", headers=admin[1]).status_code == 200
    unlocked = client.post(f"/api/v1/admin/users/{customer['id']}/unlock", headers=teller[1])
    assert (unlocked.status_code, unlocked.json["status"]) == (200, "active")


@pytest.mark.parametrize("action", ["lock", "role"])
def test_a_teller_cannot_lock_or_change_the_role_of_staff(client, api, teller, admin, action):
    target, _ = api.staff("teller")
    body = {"role": "customer"} if action == "role" else None
    response = client.post(f"/api/v1/admin/users/{target.id}/{action}", json=body, headers=teller[1])
    assert_problem(response, 403, "forbidden")
    assert api.login(target.email)["user"]["role"] == "teller"


def test_nobody_changes_their_own_role(client, api, admin, audit):
    response = client.post(f"/api/v1/admin/users/{admin[0].id}/role", json={"role": "customer"}, headers=admin[1])
    assert_problem(response, 403, "forbidden")
    assert api.login(admin[0].email)["user"]["role"] == "admin"
    [denial] = _denied(audit, admin[0].id, "user.role")
    assert (denial["resource_id"], denial["details"]) == (str(admin[0].id), {"reason": "own_role"})


# --- c: a teller lifts one account's PIN lock at most PIN_UNLOCKS_PER_DAY times in 24 hours -------------


def test_the_fourth_teller_unlock_in_a_day_is_refused_and_an_admin_must(client, api, teller, admin, audit):
    headers, account = _locked_customer_account(api, client)
    for _ in range(3):
        assert client.post(f"/api/v1/accounts/{account['id']}/unlock", headers=teller[1]).status_code == 200
        _wrong_pins(client, headers, account["id"], 3)
    response = client.post(f"/api/v1/accounts/{account['id']}/unlock", headers=teller[1])
    assert_problem(response, 403, "unlock_limit")
    assert api.get_account(headers, account["id"])["pin_locked"] is True
    [denial] = _denied(audit, teller[0].id, "account.unlock")
    assert (denial["resource_id"], denial["details"]) == (str(account["id"]), {"reason": "unlock_limit"})
    # Another teller is held to the same count: the limit is the account's, not one teller's.
    assert_problem(
        client.post(f"/api/v1/accounts/{account['id']}/unlock", headers=api.staff("teller")[1]), 403, "unlock_limit"
    )
    unlocked = client.post(f"/api/v1/accounts/{account['id']}/unlock", headers=admin[1])
    assert (unlocked.status_code, unlocked.json["pin_locked"]) == (200, False)


def test_issue_8_a_teller_cannot_guess_a_pin_two_tries_at_a_time(client, api, teller):
    headers = api.customer()[1]
    account = api.funded_account(headers, 5_000)
    for _ in range(3):
        _wrong_pins(client, teller[1], account["id"], 2)  # the teller guesses, stopping short of the lock
        assert client.post(f"/api/v1/accounts/{account['id']}/unlock", headers=teller[1]).status_code == 200
    _wrong_pins(client, teller[1], account["id"], 2)
    assert_problem(client.post(f"/api/v1/accounts/{account['id']}/unlock", headers=teller[1]), 403, "unlock_limit")
    last = _wrong_pins(client, teller[1], account["id"], 1)  # nine guesses in a day, then the lock holds
    assert last.json["attempts_remaining"] == 0
    right = client.post(
        f"/api/v1/accounts/{account['id']}/withdrawals", json={"amount_cents": 1, "pin": PIN}, headers=teller[1]
    )
    assert_problem(right, 423, "account_locked")
    assert api.get_account(headers, account["id"])["balance_cents"] == 5_000


def test_unlocking_an_account_with_nothing_to_lift_changes_nothing_and_is_not_counted(client, api, teller, audit):
    headers = api.customer()[1]
    account = api.funded_account(headers, 5_000)
    for _ in range(4):
        response = client.post(f"/api/v1/accounts/{account['id']}/unlock", headers=teller[1])
        assert (response.status_code, response.json["pin_locked"]) == (200, False)
    assert audit(action="account.unlock") == []
    assert [e["type"] for e in client.get("/api/v1/events?limit=200", headers=teller[1]).json["items"]].count(
        "account.unlocked"
    ) == 0
    _wrong_pins(client, headers, account["id"], 3)  # a real lock: the teller's first unlock of the day
    unlocked = client.post(f"/api/v1/accounts/{account['id']}/unlock", headers=teller[1])
    assert (unlocked.status_code, unlocked.json["pin_locked"]) == (200, False)
    assert [r["outcome"] for r in audit(action="account.unlock")] == ["success"]


def test_admins_are_not_held_to_the_unlock_limit(client, api, admin):
    headers, account = _locked_customer_account(api, client)
    for _ in range(4):
        assert client.post(f"/api/v1/accounts/{account['id']}/unlock", headers=admin[1]).status_code == 200
        _wrong_pins(client, headers, account["id"], 3)
    assert client.post(f"/api/v1/accounts/{account['id']}/unlock", headers=admin[1]).status_code == 200
