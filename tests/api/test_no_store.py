"""Cache-Control: no-store on every API answer, errors and 429s included (SPEC section 2)."""

import pytest

from tests.api.helpers import assert_problem


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_REGISTER": "1/minute",
    }


def test_a_successful_api_answer_is_not_stored(api, client):
    _, headers = api.customer()
    for response in (client.get("/api/v1/me", headers=headers), client.get("/api/v1/accounts", headers=headers)):
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"


def test_the_login_answer_with_its_tokens_is_not_stored(api, client):
    user = api.register()
    response = client.post(
        "/api/v1/auth/login", json={"email": user["email"], "password": "correct horse battery staple"}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/v1/me", 401, "unauthorized"),
        ("GET", "/api/v1/no-such-thing", 404, "not_found"),
        ("DELETE", "/api/v1/accounts", 405, "method_not_allowed"),
    ],
)
def test_an_error_answer_is_not_stored(client, method, path, status, code):
    response = client.open(path, method=method)
    assert_problem(response, status, code)
    assert response.headers["Cache-Control"] == "no-store"


def test_a_validation_error_and_a_415_are_not_stored(client):
    invalid = client.post("/api/v1/auth/register", json={"email": "x"})
    assert_problem(invalid, 422, "validation_error")
    assert invalid.headers["Cache-Control"] == "no-store"
    unsupported = client.post("/api/v1/auth/login", data="email=a", content_type="text/plain")
    assert_problem(unsupported, 415, "unsupported_media_type")
    assert unsupported.headers["Cache-Control"] == "no-store"


def test_a_429_is_not_stored(api, client):
    api.register()  # the one registration this minute
    response = client.post(
        "/api/v1/auth/register", json={"email": "b@example.com", "password": "x" * 12, "full_name": "B"}
    )
    assert_problem(response, 429, "rate_limited")
    assert response.headers["Cache-Control"] == "no-store"


def test_the_openapi_document_is_an_api_answer_too(client):
    assert client.get("/api/v1/openapi.json").headers["Cache-Control"] == "no-store"
