"""Login lockout (5 failures), admin lock, and the PIN lockout (3 wrong PINs)."""

import pytest

from tests.api.helpers import assert_problem, raw_connection
from tests.conftest import PASSWORD, PIN

WRONG = "definitely the wrong password"


def _login(client, email, password):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def _lock_out(client, email):
    for _ in range(5):
        assert_problem(_login(client, email, WRONG), 401, "invalid_credentials")


def test_fifth_failure_is_still_401_and_the_sixth_is_423_even_with_the_right_password(api, client, audit):
    user = api.register()
    for attempt in range(1, 6):
        body = assert_problem(_login(client, user["email"], WRONG), 401, "invalid_credentials")
        assert "locked" not in body["detail"].lower(), attempt
    assert_problem(_login(client, user["email"], PASSWORD), 423, "user_locked")
    assert_problem(_login(client, user["email"], WRONG), 423, "user_locked")
    assert [r["resource_id"] for r in audit(action="user.lockout")] == [str(user["id"])]
    assert len(audit(action="login", outcome="failure", resource_id=str(user["id"]))) == 5
    # Both 423s fall in one minute: one record, the second only counted (see test_locked_user_flood.py).
    assert len(audit(action="login", outcome="denied", resource_id=str(user["id"]))) == 1


def test_the_lockout_is_per_user(api, client):
    victim, bystander = api.register(), api.register()
    _lock_out(client, victim["email"])
    assert api.login(bystander["email"])["user"]["id"] == bystander["id"]


def test_unknown_email_fails_exactly_like_a_wrong_password(api, client):
    user = api.register()
    unknown = assert_problem(_login(client, "nobody@example.com", WRONG), 401, "invalid_credentials")
    wrong = assert_problem(_login(client, user["email"], WRONG), 401, "invalid_credentials")
    assert (unknown["title"], unknown["detail"]) == (wrong["title"], wrong["detail"])


def test_login_email_is_case_insensitive(api, client):
    user = api.register(email="Mixed.Case@Example.com")
    assert user["email"] == "mixed.case@example.com"
    assert _login(client, "MIXED.CASE@EXAMPLE.COM", PASSWORD).status_code == 200


def test_a_success_resets_the_count(api, client):
    user = api.register()
    for _ in range(4):
        _login(client, user["email"], WRONG)
    assert _login(client, user["email"], PASSWORD).status_code == 200
    for _ in range(4):
        assert_problem(_login(client, user["email"], WRONG), 401, "invalid_credentials")
    assert _login(client, user["email"], PASSWORD).status_code == 200


def test_staff_unlock_lets_the_user_log_in_again(api, client, teller, admin, audit):
    user = api.register()
    _lock_out(client, user["email"])
    locked = client.get("/api/v1/admin/users", query_string={"locked": "true"}, headers=admin[1]).json["items"]
    assert [u["id"] for u in locked] == [user["id"]]
    assert locked[0]["status"] == "locked"

    response = client.post(f"/api/v1/admin/users/{user['id']}/unlock", headers=teller[1])

    assert (response.status_code, response.json["id"], response.json["status"]) == (200, user["id"], "active")
    assert api.login(user["email"])["user"]["id"] == user["id"]
    assert client.get("/api/v1/admin/users?locked=true", headers=admin[1]).json["items"] == []
    assert [r["actor_id"] for r in audit(action="user.unlock")] == [teller[0].id]


def test_the_login_lock_expires_after_lockout_minutes(api, client, app):
    user = api.register()
    _lock_out(client, user["email"])
    conn = raw_connection(app)
    try:  # move the lock's end into the past instead of waiting LOCKOUT_MINUTES
        conn.execute("UPDATE users SET locked_until = '2000-01-01T00:00:00.000000Z' WHERE id = ?", (user["id"],))
    finally:
        conn.close()
    assert _login(client, user["email"], PASSWORD).status_code == 200


def test_after_an_expired_lock_the_count_starts_afresh(api, client, app):
    user = api.register()
    _lock_out(client, user["email"])
    conn = raw_connection(app)
    try:
        conn.execute("UPDATE users SET locked_until = '2000-01-01T00:00:00.000000Z' WHERE id = ?", (user["id"],))
    finally:
        conn.close()
    assert_problem(_login(client, user["email"], WRONG), 401, "invalid_credentials")
    assert _login(client, user["email"], PASSWORD).status_code == 200


def test_customer_cannot_unlock_a_user(api, client):
    user = api.register()
    _lock_out(client, user["email"])
    _, other = api.customer()
    assert_problem(client.post(f"/api/v1/admin/users/{user['id']}/unlock", headers=other), 403, "forbidden")
    assert_problem(_login(client, user["email"], PASSWORD), 423, "user_locked")


def test_admin_lock_blocks_login_until_lifted_and_is_listed(api, client, admin, teller):
    user = api.register()
    response = client.post(f"/api/v1/admin/users/{user['id']}/lock", headers=admin[1])
    assert (response.status_code, response.json["status"]) == (200, "locked")
    assert_problem(_login(client, user["email"], PASSWORD), 423, "user_locked")
    locked = client.get("/api/v1/admin/users?locked=true", headers=admin[1]).json["items"]
    assert [u["id"] for u in locked] == [user["id"]]
    everyone = client.get("/api/v1/admin/users", headers=admin[1]).json["items"]
    assert {u["id"] for u in everyone} >= {user["id"], admin[0].id, teller[0].id}

    assert client.post(f"/api/v1/admin/users/{user['id']}/unlock", headers=teller[1]).status_code == 200
    assert api.login(user["email"])["user"]["id"] == user["id"]


def test_admin_lock_does_not_expire(api, client, admin, app):
    user = api.register()
    client.post(f"/api/v1/admin/users/{user['id']}/lock", headers=admin[1])
    conn = raw_connection(app)
    try:
        assert conn.execute("SELECT locked_until FROM users WHERE id = ?", (user["id"],)).fetchone()[0] is None
    finally:
        conn.close()
    assert_problem(_login(client, user["email"], PASSWORD), 423, "user_locked")


def test_teller_cannot_lock_users(api, client, teller):
    user = api.register()
    assert_problem(client.post(f"/api/v1/admin/users/{user['id']}/lock", headers=teller[1]), 403, "forbidden")
    assert api.login(user["email"])["user"]["status"] == "active"


def test_admin_cannot_lock_themselves(client, admin):
    response = client.post(f"/api/v1/admin/users/{admin[0].id}/lock", headers=admin[1])
    assert_problem(response, 422, "validation_error")


def test_unlocking_an_unknown_user_is_404(client, teller):
    assert_problem(client.post("/api/v1/admin/users/999999/unlock", headers=teller[1]), 404, "not_found")


# ---- PIN lockout -------------------------------------------------------------------------


def _withdraw(client, headers, account_id, pin, amount_cents=100):
    return client.post(
        f"/api/v1/accounts/{account_id}/withdrawals", json={"amount_cents": amount_cents, "pin": pin}, headers=headers
    )


@pytest.fixture
def funded(api):
    user, headers = api.customer()
    return user, headers, api.funded_account(headers, 10_000)


def test_three_wrong_pins_count_down_then_the_account_is_locked(api, client, history, audit, funded):
    _, headers, account = funded
    remaining = []
    for _ in range(3):
        problem = assert_problem(_withdraw(client, headers, account["id"], "9999"), 403, "invalid_pin")
        remaining.append(problem["attempts_remaining"])
    assert remaining == [2, 1, 0]

    locked = _withdraw(client, headers, account["id"], PIN)

    assert_problem(locked, 423, "account_locked")
    state = api.get_account(headers, account["id"])
    assert (state["pin_locked"], state["balance_cents"], state["status"]) == (True, 10_000, "active")
    # Wrong PINs are audited, not ledger declines; the refusal while locked is a recorded decline.
    assert [(i["kind"], i["status"]) for i in history(headers, account["id"])] == [
        ("withdrawal", "declined"),
        ("deposit", "posted"),
    ]
    assert len(audit(action="withdrawal", outcome="failure", resource_id=str(account["id"]))) == 3
    assert len(audit(action="account.pin_lock", resource_id=str(account["id"]))) == 1


def test_a_locked_account_refuses_transfers_and_pin_changes_too(api, client, funded):
    _, headers, account = funded
    target = api.account(headers, type="savings")
    for _ in range(3):
        _withdraw(client, headers, account["id"], "9999")
    assert_problem(api.transfer(headers, account["id"], target["number"], 100), 423, "account_locked")
    pin_change = client.post(
        f"/api/v1/accounts/{account['id']}/pin", json={"current_pin": PIN, "new_pin": "4321"}, headers=headers
    )
    assert_problem(pin_change, 423, "account_locked")
    assert api.get_account(headers, target["id"])["balance_cents"] == 0


def test_deposits_need_no_pin_and_still_work_on_a_pin_locked_account(api, client, funded):
    _, headers, account = funded
    for _ in range(3):
        _withdraw(client, headers, account["id"], "9999")
    assert api.deposit(headers, account["id"], 100).status_code == 201


def test_a_correct_pin_resets_the_count(client, funded):
    _, headers, account = funded
    assert_problem(_withdraw(client, headers, account["id"], "9999"), 403, "invalid_pin")
    assert_problem(_withdraw(client, headers, account["id"], "9999"), 403, "invalid_pin")
    assert _withdraw(client, headers, account["id"], PIN).status_code == 201
    problem = assert_problem(_withdraw(client, headers, account["id"], "9999"), 403, "invalid_pin")
    assert problem["attempts_remaining"] == 2


def test_wrong_pins_across_operations_share_the_count(api, client, funded):
    _, headers, account = funded
    target = api.account(headers, type="savings")
    assert (
        assert_problem(_withdraw(client, headers, account["id"], "9999"), 403, "invalid_pin")["attempts_remaining"] == 2
    )
    transfer = api.transfer(headers, account["id"], target["number"], 100, pin="9999")
    assert assert_problem(transfer, 403, "invalid_pin")["attempts_remaining"] == 1
    pin_change = client.post(
        f"/api/v1/accounts/{account['id']}/pin", json={"current_pin": "9999", "new_pin": "4321"}, headers=headers
    )
    assert assert_problem(pin_change, 403, "invalid_pin")["attempts_remaining"] == 0
    assert api.get_account(headers, account["id"])["pin_locked"] is True


def test_staff_unlock_clears_the_pin_lock(api, client, teller, funded):
    _, headers, account = funded
    for _ in range(3):
        _withdraw(client, headers, account["id"], "9999")

    response = client.post(f"/api/v1/accounts/{account['id']}/unlock", headers=teller[1])

    assert (response.status_code, response.json["id"], response.json["pin_locked"]) == (200, account["id"], False)
    withdrawal = _withdraw(client, headers, account["id"], PIN)
    assert (withdrawal.status_code, withdrawal.json["balance_after_cents"]) == (201, 9_900)
    problem = assert_problem(_withdraw(client, headers, account["id"], "9999"), 403, "invalid_pin")
    assert problem["attempts_remaining"] == 2


def test_owner_cannot_unlock_their_own_pin_lock(api, client, funded):
    _, headers, account = funded
    for _ in range(3):
        _withdraw(client, headers, account["id"], "9999")
    assert_problem(client.post(f"/api/v1/accounts/{account['id']}/unlock", headers=headers), 403, "forbidden")
    assert api.get_account(headers, account["id"])["pin_locked"] is True


def test_pin_change_then_only_the_new_pin_works(api, client, funded):
    _, headers, account = funded
    response = client.post(
        f"/api/v1/accounts/{account['id']}/pin", json={"current_pin": PIN, "new_pin": "654321"}, headers=headers
    )
    assert response.status_code == 204
    assert_problem(_withdraw(client, headers, account["id"], PIN), 403, "invalid_pin")
    assert _withdraw(client, headers, account["id"], "654321").status_code == 201
