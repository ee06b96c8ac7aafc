"""Passwords of 12-128 characters of any Unicode register and log in; bcrypt's 72-byte limit never shows."""

import pytest

from tests.api.helpers import assert_problem

LONG_PASSWORDS = {
    "ascii_100": "p" * 100,
    "ascii_128": "correct horse " * 9 + "xx",
    "multibyte_80_bytes": "ü" * 40,
    "emoji_120_bytes": "🔐" * 30,
    "mixed_cjk": "密码安全性很重要" * 6,
}


@pytest.mark.parametrize("name", LONG_PASSWORDS)
def test_long_and_multibyte_passwords_register_and_log_in(api, client, name):
    password = LONG_PASSWORDS[name]
    assert len(password.encode()) > 72 and 12 <= len(password) <= 128
    user = api.register(email=f"{name}@example.com", password=password)
    tokens = api.login(user["email"], password)
    assert tokens["user"]["id"] == user["id"]


def test_a_difference_after_the_72nd_byte_still_matters(api, client):
    user = api.register(password="a" * 90 + "first")
    response = client.post("/api/v1/auth/login", json={"email": user["email"], "password": "a" * 90 + "other"})
    assert_problem(response, 401, "invalid_credentials")


def test_a_long_password_can_be_the_new_password(api, client):
    user, headers = api.customer()
    response = client.post(
        "/api/v1/me/password",
        json={"current_password": "correct horse battery staple", "new_password": "ß" * 100},
        headers=headers,
    )
    assert response.status_code == 204
    assert api.login(user["email"], "ß" * 100)["user"]["id"] == user["id"]


@pytest.mark.parametrize("password", ["x" * 11, "x" * 129, "", 123456789012, None])
def test_out_of_policy_passwords_are_422_and_create_nothing(client, password):
    response = client.post(
        "/api/v1/auth/register", json={"email": "policy@example.com", "password": password, "full_name": "Policy"}
    )
    assert_problem(response, 422, "validation_error")
    login = client.post("/api/v1/auth/login", json={"email": "policy@example.com", "password": "x" * 12})
    assert_problem(login, 401, "invalid_credentials")


def test_password_equal_to_the_email_is_422(client):
    response = client.post(
        "/api/v1/auth/register",
        json={"email": "same.as.pass@example.com", "password": "Same.As.Pass@example.com", "full_name": "Same"},
    )
    assert assert_problem(response, 422, "validation_error")["errors"][0]["field"] == "password"


def test_a_huge_login_password_is_refused_without_hashing(client, api):
    user = api.register()
    response = client.post("/api/v1/auth/login", json={"email": user["email"], "password": "x" * 5000})
    assert_problem(response, 422, "validation_error")


def test_duplicate_email_is_409_whatever_the_case(api, client):
    api.register(email="taken@example.com")
    response = client.post(
        "/api/v1/auth/register",
        json={"email": "TAKEN@Example.com", "password": "another long password", "full_name": "Second"},
    )
    assert_problem(response, 409, "email_taken")


def test_register_answers_the_user_without_tokens_or_hash(client):
    response = client.post(
        "/api/v1/auth/register",
        json={"email": "Shape@Example.com", "password": "correct horse battery staple", "full_name": "  Shape  "},
    )
    assert response.status_code == 201
    assert set(response.json) == {"id", "email", "full_name", "role", "status", "created_at"}
    assert (response.json["email"], response.json["full_name"], response.json["role"], response.json["status"]) == (
        "shape@example.com",
        "Shape",
        "customer",
        "active",
    )


@pytest.mark.parametrize("full_name", ["", "   ", "x" * 101, "Bad\x00Name", "Line\nBreak"])
def test_bad_full_names_are_422(client, full_name):
    response = client.post(
        "/api/v1/auth/register",
        json={"email": "name@example.com", "password": "correct horse battery staple", "full_name": full_name},
    )
    assert assert_problem(response, 422, "validation_error")["errors"][0]["field"] == "full_name"
