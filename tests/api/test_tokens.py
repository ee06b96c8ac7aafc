"""JWT access and refresh tokens: forgeries are 401; rotation, reuse, logout and password change revoke."""

import base64
import json
import time

import jwt
import pytest

from tests.api.helpers import assert_problem
from tests.conftest import PASSWORD


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.fixture
def session(api):
    """A logged-in customer: (user, token pair)."""
    user = api.register()
    return user, api.login(user["email"])


def _me(client, token):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def _forge(app, base: dict, *, key=None, algorithm="HS256", drop=(), **changes) -> str:
    claims = {k: v for k, v in {**base, **changes}.items() if k not in drop}
    return jwt.encode(claims, key or app.config["JWT_SECRET"], algorithm=algorithm)


def test_a_correctly_signed_token_built_here_is_accepted(app, client, session):
    """The control for the forgeries below: only the forged property differs."""
    _, tokens = session
    now = int(time.time())
    token = _forge(app, _claims(tokens["access_token"]), jti="fresh-jti", iat=now, nbf=now, exp=now + 60)
    assert _me(client, token).status_code == 200


def _forgeries(app, base):
    now = int(time.time())
    fresh = {**base, "iat": now, "nbf": now, "exp": now + 600}
    header_none = _b64({"alg": "none", "typ": "JWT"})
    return {
        "alg_none": f"{header_none}.{_b64(fresh)}.",
        "alg_none_with_signature": f"{header_none}.{_b64(fresh)}.c2lnbmF0dXJl",
        "wrong_key": _forge(app, fresh, key="not-the-server-secret-not-the-server-secret"),
        "hs512_with_the_right_key": _forge(app, fresh, algorithm="HS512"),
        "future_nbf": _forge(app, fresh, nbf=now + 3600),
        "future_iat": _forge(app, fresh, iat=now + 3600),
        "wrong_audience": _forge(app, fresh, aud="someone-else"),
        "wrong_issuer": _forge(app, fresh, iss="evil"),
        "typ_refresh": _forge(app, fresh, typ="refresh"),
        "no_typ": _forge(app, fresh, drop=("typ",)),
        "no_jti": _forge(app, fresh, drop=("jti",)),
        "no_exp": _forge(app, fresh, drop=("exp",)),
        "no_role": _forge(app, fresh, drop=("role",)),
        "unknown_session": _forge(app, fresh, sid="no-such-session"),
        "other_user_same_session": _forge(app, fresh, sub=str(int(base["sub"]) + 1000)),
        "tampered_payload": ".".join(
            [
                _forge(app, fresh).split(".")[0],
                _b64({**fresh, "role": "admin"}),
                _forge(app, fresh).split(".")[2],
            ]
        ),
        "garbage": "not.a.jwt",
    }


FORGERIES = [
    "alg_none",
    "alg_none_with_signature",
    "wrong_key",
    "hs512_with_the_right_key",
    "future_nbf",
    "future_iat",
    "wrong_audience",
    "wrong_issuer",
    "typ_refresh",
    "no_typ",
    "no_jti",
    "no_exp",
    "no_role",
    "unknown_session",
    "other_user_same_session",
    "tampered_payload",
    "garbage",
]


@pytest.mark.parametrize("forgery", FORGERIES)
def test_forged_access_token_is_401_invalid_token(app, client, session, forgery):
    _, tokens = session
    token = _forgeries(app, _claims(tokens["access_token"]))[forgery]
    response = _me(client, token)
    assert_problem(response, 401, "invalid_token")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_expired_access_token_is_401_token_expired(app, client, session):
    _, tokens = session
    past = int(time.time()) - 3600
    token = _forge(app, _claims(tokens["access_token"]), iat=past, nbf=past, exp=past + 60)
    assert_problem(_me(client, token), 401, "token_expired")


def test_refresh_token_used_as_access_token_is_401(client, session):
    _, tokens = session
    assert_problem(_me(client, tokens["refresh_token"]), 401, "invalid_token")


def test_access_token_used_as_refresh_token_is_401(client, session):
    _, tokens = session
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["access_token"]})
    assert_problem(response, 401, "invalid_token")


def test_forged_refresh_token_is_401(app, client, session):
    _, tokens = session
    forged = _forge(app, _claims(tokens["refresh_token"]), key="x" * 48)
    assert_problem(client.post("/api/v1/auth/refresh", json={"refresh_token": forged}), 401, "invalid_token")


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"])
def test_missing_or_other_scheme_is_401_unauthorized(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert_problem(response, 401, "unauthorized")


def test_login_answers_a_pair_with_the_documented_claims(app, client, session):
    user, tokens = session
    assert (tokens["token_type"], tokens["expires_in"]) == ("Bearer", 15 * 60)
    assert tokens["user"] == user
    access = jwt.decode(tokens["access_token"], app.config["JWT_SECRET"], algorithms=["HS256"], audience="corebank-api")
    refresh = jwt.decode(
        tokens["refresh_token"], app.config["JWT_SECRET"], algorithms=["HS256"], audience="corebank-api"
    )
    assert {"iss", "aud", "sub", "role", "typ", "sid", "jti", "iat", "nbf", "exp"} <= set(access)
    assert (access["iss"], access["sub"], access["role"], access["typ"]) == (
        "corebank",
        str(user["id"]),
        "customer",
        "access",
    )
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh["typ"] == "refresh" and refresh["exp"] - refresh["iat"] == 7 * 24 * 3600
    assert refresh["sid"] == access["sid"] and refresh["jti"] != access["jti"]


def test_refresh_rotates_and_the_new_pair_works(client, session):
    user, tokens = session
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 200
    fresh = response.json
    assert fresh["refresh_token"] != tokens["refresh_token"]
    assert fresh["user"]["id"] == user["id"]
    assert _me(client, fresh["access_token"]).status_code == 200
    again = client.post("/api/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]})
    assert again.status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(client, session, audit):
    user, tokens = session
    fresh = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).json

    reuse = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})

    assert_problem(reuse, 401, "token_revoked")
    assert_problem(_me(client, fresh["access_token"]), 401, "token_revoked")
    assert_problem(_me(client, tokens["access_token"]), 401, "token_revoked")
    assert_problem(
        client.post("/api/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]}), 401, "token_revoked"
    )
    [reuse_record] = audit(action="token.reuse")
    assert (reuse_record["outcome"], reuse_record["details"]["user_id"]) == ("denied", user["id"])


def test_reuse_does_not_touch_the_users_other_sessions(api, client, session):
    user, tokens = session
    other = api.login(user["email"])
    client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert _me(client, other["access_token"]).status_code == 200


def test_logout_blacklists_the_access_token_and_revokes_the_refresh_token(client, session, audit):
    user, tokens = session
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    response = client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}, headers=headers)
    assert (response.status_code, response.data) == (204, b"")
    assert_problem(_me(client, tokens["access_token"]), 401, "token_revoked")
    assert_problem(
        client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401, "token_revoked"
    )
    assert [r["resource_id"] for r in audit(action="logout")] == [str(user["id"])]


def test_logout_without_a_refresh_token_still_ends_the_family(client, session):
    _, tokens = session
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert_problem(
        client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401, "token_revoked"
    )


def test_logout_leaves_other_sessions_alone(api, client, session):
    user, tokens = session
    other = api.login(user["email"])
    client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert _me(client, other["access_token"]).status_code == 200


def test_logout_ignores_someone_elses_refresh_token(api, client, session):
    _, victim = session
    _, intruder = api.customer()
    response = client.post("/api/v1/auth/logout", json={"refresh_token": victim["refresh_token"]}, headers=intruder)
    assert response.status_code == 204
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": victim["refresh_token"]}).status_code == 200


def test_expired_refresh_token_is_401_token_expired(app, client, session):
    _, tokens = session
    past = int(time.time()) - 3600
    expired = _forge(app, _claims(tokens["refresh_token"]), iat=past, nbf=past, exp=past + 60)
    assert_problem(client.post("/api/v1/auth/refresh", json={"refresh_token": expired}), 401, "token_expired")


def test_logout_requires_a_token(client):
    assert_problem(client.post("/api/v1/auth/logout"), 401, "unauthorized")


def test_password_change_revokes_other_sessions_but_not_the_callers(api, client, session):
    user, mine = session
    other = api.login(user["email"])
    response = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "a completely new passphrase"},
        headers={"Authorization": f"Bearer {mine['access_token']}"},
    )
    assert response.status_code == 204
    assert _me(client, mine["access_token"]).status_code == 200
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": mine["refresh_token"]}).status_code == 200
    assert_problem(_me(client, other["access_token"]), 401, "token_revoked")
    assert_problem(
        client.post("/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]}), 401, "token_revoked"
    )
    old = client.post("/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD})
    assert_problem(old, 401, "invalid_credentials")
    assert api.login(user["email"], "a completely new passphrase")["user"]["id"] == user["id"]


def test_password_change_with_a_wrong_current_password_is_422_and_revokes_nothing(api, client, session):
    user, mine = session
    other = api.login(user["email"])
    response = client.post(
        "/api/v1/me/password",
        json={"current_password": "not my password", "new_password": "a completely new passphrase"},
        headers={"Authorization": f"Bearer {mine['access_token']}"},
    )
    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"] == [{"field": "current_password", "message": "is incorrect"}]
    assert _me(client, other["access_token"]).status_code == 200
    assert api.login(user["email"])["user"]["id"] == user["id"]


def test_admin_lock_revokes_every_token_of_the_user(api, client, admin, session):
    user, tokens = session
    response = client.post(f"/api/v1/admin/users/{user['id']}/lock", headers=admin[1])
    assert (response.status_code, response.json["status"]) == (200, "locked")
    assert_problem(_me(client, tokens["access_token"]), 401, "token_revoked")
    assert_problem(
        client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401, "token_revoked"
    )


def test_role_change_revokes_every_token_and_the_next_login_carries_the_new_role(api, client, admin, session):
    user, tokens = session
    response = client.post(f"/api/v1/admin/users/{user['id']}/role", json={"role": "teller"}, headers=admin[1])
    assert (response.status_code, response.json["role"]) == (200, "teller")
    assert_problem(_me(client, tokens["access_token"]), 401, "token_revoked")
    fresh = api.login(user["email"])
    assert _claims(fresh["access_token"])["role"] == "teller"
    assert client.get("/api/v1/customers?q=example", headers=api.headers(fresh)).status_code == 200
