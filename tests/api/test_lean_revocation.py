"""Issue 10: a process remembers which access tokens it has verified (PyJWT's decode is skipped on a
repeat), yet revocation still acts on the very next request. Two apps on one database stand for two
workers or instances: app A has verified (and remembers) the token, the revocation goes through app B,
and A's next request with that token is 401 token_revoked. (tests/proof/test_revocation_live.py does
the same with real servers.)"""

from __future__ import annotations

import pytest

from app import create_app
from app.config import SECRET_NAMES
from tests.api.helpers import assert_problem
from tests.conftest import PASSWORD

NEW_PASSWORD = "a brand new long password"


@pytest.fixture
def other(app, app_config):
    """App B: another 'worker' on the same database and secrets, with its own token memory."""
    same_bank = {name: app.config[name] for name in (*SECRET_NAMES, "DATABASE_URL")}
    return create_app({**app_config, **same_bank}).test_client()


def _me(client, headers):
    return client.get("/api/v1/me", headers=headers)


def _remembered(app, headers) -> bool:
    token = headers["Authorization"].removeprefix("Bearer ")
    return app.extensions["corebank"].tokens.verified.get(token) is not None


def test_logout_through_another_worker_refuses_the_next_request_here(app, api, client, other):
    _, headers = api.customer()
    assert _me(client, headers).status_code == 200
    assert _remembered(app, headers)
    assert other.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert_problem(_me(client, headers), 401, "token_revoked")
    assert_problem(_me(other, headers), 401, "token_revoked")


def test_a_password_change_elsewhere_refuses_the_other_sessions_next_request(app, api, client, other):
    user, stays = api.customer()
    goes = api.headers(api.login(user["email"]))
    for headers in (stays, goes):
        assert _me(client, headers).status_code == 200
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert other.post("/api/v1/me/password", json=body, headers=stays).status_code == 204
    assert_problem(_me(client, goes), 401, "token_revoked")
    assert _me(client, stays).status_code == 200  # the token that made the change stays valid


def test_an_admin_lock_elsewhere_refuses_the_users_next_request(app, api, client, other, admin):
    user, headers = api.customer()
    assert client.get("/api/v1/accounts", headers=headers).status_code == 200
    assert other.post(f"/api/v1/admin/users/{user['id']}/lock", headers=admin[1]).status_code == 200
    assert_problem(client.get("/api/v1/accounts", headers=headers), 401, "token_revoked")


def test_a_role_change_elsewhere_refuses_the_users_next_request(app, api, client, other, admin):
    user, headers = api.customer()
    assert _me(client, headers).status_code == 200
    changed = other.post(f"/api/v1/admin/users/{user['id']}/role", json={"role": "teller"}, headers=admin[1])
    assert changed.status_code == 200, changed.json
    assert_problem(_me(client, headers), 401, "token_revoked")


def test_a_remembered_token_still_expires(app, api, client, monkeypatch):
    import services.tokens

    _, headers = api.customer()
    assert _me(client, headers).status_code == 200
    assert _remembered(app, headers)
    later = services.tokens.time.time() + app.config["ACCESS_TOKEN_MINUTES"] * 60 + 1
    monkeypatch.setattr(services.tokens.time, "time", lambda: later)
    assert_problem(_me(client, headers), 401, "token_expired")


def test_a_forged_token_is_never_remembered(app, api, client):
    _, headers = api.customer()
    header, payload, signature = headers["Authorization"].removeprefix("Bearer ").split(".")
    forged = {"Authorization": f"Bearer {header}.{payload}.{signature[:-2]}AA"}
    assert_problem(_me(client, forged), 401, "invalid_token")
    assert not _remembered(app, forged)
