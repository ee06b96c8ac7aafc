"""SPEC 15: the TOTP factor through the API: enrolment, confirmation, login with a code or a
recovery code, replay, the mfa_token's single use and life, lockout, amr, disabling."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from entities import mfa
from services.totp import code_at
from tests.api.helpers import assert_problem, raw_connection
from tests.conftest import PASSWORD
from tests.support.totp import enrol, login_with_code


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


@pytest.fixture
def customer(api):
    return api.customer()


def test_enrol_answers_a_160_bit_secret_and_its_uri_and_leaves_the_factor_pending(client, customer, audit):
    user, headers = customer
    response = client.post("/api/v1/me/mfa", json={"password": PASSWORD}, headers=headers)
    assert response.status_code == 201
    secret = response.json["secret"]
    assert len(secret) == 32 and set(secret) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    uri = response.json["otpauth_uri"]
    assert uri.startswith("otpauth://totp/Corebank:") and f"secret={secret}" in uri and "issuer=Corebank" in uri
    assert client.get("/api/v1/me", headers=headers).json["mfa_enabled"] is False
    assert audit(action="mfa.enrol")[0]["outcome"] == "success"


def test_enrol_with_a_wrong_password_is_401_and_stores_nothing(client, customer, app):
    user, headers = customer
    response = client.post("/api/v1/me/mfa", json={"password": "not the password at all"}, headers=headers)
    assert_problem(response, 401, "invalid_credentials")
    with raw_connection(app) as db:
        assert db.one("SELECT COUNT(*) FROM mfa_factors") == 0


def test_the_secret_is_encrypted_at_rest(client, customer, app, totp):
    user, headers = customer
    secret, _ = enrol(client, headers, totp)
    with raw_connection(app) as db:
        stored = db.one("SELECT secret_enc FROM mfa_factors WHERE user_id = ?", (user["id"],))
    assert secret not in stored and stored.startswith("gAAAA")  # a Fernet token


def test_confirm_with_a_wrong_code_is_401_and_the_factor_stays_pending(client, customer, totp):
    user, headers = customer
    secret = client.post("/api/v1/me/mfa", json={"password": PASSWORD}, headers=headers).json["secret"]
    wrong = f"{(int(code_at(secret, mfa.step_of(totp.now()))) + 1) % 1_000_000:06d}"
    assert_problem(client.post("/api/v1/me/mfa/confirm", json={"code": wrong}, headers=headers), 401, "invalid_code")
    assert_problem(client.post("/api/v1/me/mfa/confirm", json={"code": "abc"}, headers=headers), 401, "invalid_code")
    assert client.get("/api/v1/me", headers=headers).json["mfa_enabled"] is False


def test_confirm_answers_ten_recovery_codes_stored_hashed_and_enables(client, customer, app, totp):
    user, headers = customer
    secret, codes = enrol(client, headers, totp)
    assert len(codes) == 10 and len(set(codes)) == 10
    for code in codes:
        assert len(mfa.normalize_recovery(code)) == 12  # 31^12 ≈ 2^59 > 2^50
    assert client.get("/api/v1/me", headers=headers).json["mfa_enabled"] is True
    with raw_connection(app) as db:
        stored = [row[0] for row in db.rows("SELECT code_hash FROM recovery_codes WHERE user_id = ?", (user["id"],))]
    assert len(stored) == 10 and not set(stored) & {c.replace("-", "") for c in codes}


def test_enrolling_again_once_enabled_is_409(client, customer, totp):
    user, headers = customer
    enrol(client, headers, totp)
    response = client.post("/api/v1/me/mfa", json={"password": PASSWORD}, headers=headers)
    assert_problem(response, 409, "mfa_enabled")
    assert_problem(client.post("/api/v1/me/mfa/confirm", json={"code": "123456"}, headers=headers), 409, "mfa_enabled")


def test_login_with_a_factor_answers_an_mfa_token_and_no_tokens(client, customer, totp):
    user, headers = customer
    enrol(client, headers, totp)
    response = client.post("/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD})
    assert response.status_code == 200
    assert response.json["mfa_required"] is True
    assert response.json["expires_in"] == 300
    assert "access_token" not in response.json and "refresh_token" not in response.json


def test_login_with_a_code_gives_tokens_whose_amr_says_otp_and_refresh_keeps_it(client, customer, totp):
    user, headers = customer
    secret, _ = enrol(client, headers, totp)
    pair = login_with_code(client, user["email"], secret, totp)
    assert _claims(pair["access_token"])["amr"] == ["pwd", "otp"]
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 200
    assert _claims(refreshed.json["access_token"])["amr"] == ["pwd", "otp"]
    sessions = client.get("/api/v1/me/sessions", headers={"Authorization": f"Bearer {pair['access_token']}"}).json
    current = next(s for s in sessions["items"] if s["current"])
    assert current["amr"] == ["pwd", "otp"]


def test_a_password_only_login_says_pwd(client, customer):
    user, headers = customer
    pair = client.post("/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}).json
    assert _claims(pair["access_token"])["amr"] == ["pwd"]


def test_a_code_is_accepted_once(client, customer, totp):
    user, headers = customer
    secret, _ = enrol(client, headers, totp)
    totp.tick()
    code = code_at(secret, mfa.step_of(totp.now()))
    first = client.post("/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}).json
    assert client.post("/api/v1/auth/mfa", json={"mfa_token": first["mfa_token"], "code": code}).status_code == 200
    second = client.post("/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}).json
    response = client.post("/api/v1/auth/mfa", json={"mfa_token": second["mfa_token"], "code": code})
    assert_problem(response, 401, "invalid_code")
    # An older code of the drift window is spent too: only later steps count from now on.
    older = code_at(secret, mfa.step_of(totp.now()) - 1)
    response = client.post("/api/v1/auth/mfa", json={"mfa_token": second["mfa_token"], "code": older})
    assert_problem(response, 401, "invalid_code")


def test_one_step_of_drift_is_accepted_two_are_not(client, customer, totp):
    user, headers = customer
    secret, _ = enrol(client, headers, totp)
    totp.tick(3)
    token = client.post("/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}).json["mfa_token"]
    too_late = code_at(secret, mfa.step_of(totp.now()) + 2)
    assert_problem(client.post("/api/v1/auth/mfa", json={"mfa_token": token, "code": too_late}), 401, "invalid_code")
    ahead = code_at(secret, mfa.step_of(totp.now()) + 1)
    assert client.post("/api/v1/auth/mfa", json={"mfa_token": token, "code": ahead}).status_code == 200


def test_a_recovery_code_logs_in_once(client, customer, totp):
    user, headers = customer
    secret, codes = enrol(client, headers, totp)
    token = client.post("/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}).json["mfa_token"]
    response = client.post("/api/v1/auth/mfa", json={"mfa_token": token, "code": codes[3].upper()})
    assert response.status_code == 200
    assert _claims(response.json["access_token"])["amr"] == ["pwd", "otp"]
    token = client.post("/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}).json["mfa_token"]
    assert_problem(client.post("/api/v1/auth/mfa", json={"mfa_token": token, "code": codes[3]}), 401, "invalid_code")


def test_an_mfa_token_is_single_use(client, customer, totp):
    user, headers = customer
    secret, _ = enrol(client, headers, totp)
    token = client.post("/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}).json["mfa_token"]
    assert client.post("/api/v1/auth/mfa", json={"mfa_token": token, "code": totp.code(secret)}).status_code == 200
    response = client.post("/api/v1/auth/mfa", json={"mfa_token": token, "code": totp.code(secret)})
    assert_problem(response, 401, "invalid_token")


def test_an_mfa_token_lives_five_minutes(client, customer, totp):
    user, headers = customer
    secret, _ = enrol(client, headers, totp)
    token = client.post("/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}).json["mfa_token"]
    totp.offset += timedelta(minutes=5, seconds=1)
    response = client.post("/api/v1/auth/mfa", json={"mfa_token": token, "code": totp.code(secret)})
    assert_problem(response, 401, "invalid_token")
    assert_problem(
        client.post("/api/v1/auth/mfa", json={"mfa_token": "made-up", "code": "123456"}), 401, "invalid_token"
    )


def test_five_wrong_codes_lock_the_user_and_a_right_password_neither_resets_nor_adds(client, customer, totp, audit):
    user, headers = customer
    secret, _ = enrol(client, headers, totp)
    # Four wrong passwords, then the right one answered mfa_required: still four failures.
    for _ in range(4):
        response = client.post("/api/v1/auth/login", json={"email": user["email"], "password": "wrong password here"})
        assert_problem(response, 401, "invalid_credentials")
    token = client.post("/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}).json["mfa_token"]
    # The fifth failure is a wrong code: the user is locked.
    assert_problem(client.post("/api/v1/auth/mfa", json={"mfa_token": token, "code": "000000"}), 401, "invalid_code")
    response = client.post("/api/v1/auth/mfa", json={"mfa_token": token, "code": totp.code(secret)})
    assert_problem(response, 423, "user_locked")
    assert_problem(
        client.post("/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}), 423, "user_locked"
    )
    reasons = [r["details"].get("reason") for r in audit(action="login", outcome="failure")]
    assert reasons.count("invalid_code") == 1 and reasons.count("wrong_password") == 4


def test_five_wrong_codes_alone_lock_the_user(client, customer, totp):
    user, headers = customer
    secret, _ = enrol(client, headers, totp)
    token = client.post("/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}).json["mfa_token"]
    for _ in range(5):
        assert_problem(
            client.post("/api/v1/auth/mfa", json={"mfa_token": token, "code": "999999"}), 401, "invalid_code"
        )
    response = client.post("/api/v1/auth/mfa", json={"mfa_token": token, "code": totp.code(secret)})
    assert_problem(response, 423, "user_locked")


def test_a_right_code_resets_the_failure_count(client, customer, totp):
    user, headers = customer
    secret, _ = enrol(client, headers, totp)
    token = client.post("/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}).json["mfa_token"]
    for _ in range(4):
        assert_problem(
            client.post("/api/v1/auth/mfa", json={"mfa_token": token, "code": "999999"}), 401, "invalid_code"
        )
    assert client.post("/api/v1/auth/mfa", json={"mfa_token": token, "code": totp.code(secret)}).status_code == 200
    for _ in range(4):
        response = client.post("/api/v1/auth/login", json={"email": user["email"], "password": "wrong password here"})
        assert_problem(response, 401, "invalid_credentials")
    assert client.post("/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}).status_code == 200


def test_confirming_does_not_verify_the_enrolling_session(client, customer, totp):
    user, headers = customer
    enrol(client, headers, totp)
    sessions = client.get("/api/v1/me/sessions", headers=headers).json["items"]
    assert next(s for s in sessions if s["current"])["amr"] == ["pwd"]


def test_disable_needs_the_password_and_a_code(client, customer, totp, app):
    user, headers = customer
    secret, codes = enrol(client, headers, totp)
    response = client.delete(
        "/api/v1/me/mfa", json={"password": "wrong password here", "code": totp.code(secret)}, headers=headers
    )
    assert_problem(response, 401, "invalid_credentials")
    response = client.delete("/api/v1/me/mfa", json={"password": PASSWORD, "code": "000000"}, headers=headers)
    assert_problem(response, 401, "invalid_code")
    assert client.get("/api/v1/me", headers=headers).json["mfa_enabled"] is True
    response = client.delete("/api/v1/me/mfa", json={"password": PASSWORD, "code": totp.code(secret)}, headers=headers)
    assert response.status_code == 204
    assert client.get("/api/v1/me", headers=headers).json["mfa_enabled"] is False
    with raw_connection(app) as db:
        assert db.one("SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?", (user["id"],)) == 0
    pair = client.post("/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}).json
    assert "access_token" in pair


def test_the_codes_never_enter_the_audit_log(client, customer, totp, audit):
    user, headers = customer
    secret, codes = enrol(client, headers, totp)
    login_with_code(client, user["email"], secret, totp)
    text = str(audit())
    assert secret not in text and not any(code in text for code in codes)
