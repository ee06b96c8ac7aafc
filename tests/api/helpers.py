"""Assertions shared by the API tests."""

from __future__ import annotations

from tests.support.databases import BehindTheBack

PROBLEM_JSON = "application/problem+json"
PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "request_id", "errors"}
LEAKS = ("Traceback", 'File "', "sqlite3", "SELECT ", "INSERT ", "UPDATE ", "IntegrityError", "OperationalError")


def assert_problem(response, status: int, code: str, *, replayed: bool = False) -> dict:
    """The response is exactly ``status`` with problem+json body ``code``, and leaks nothing.
    A replayed response carries the request id of the original request in its body."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, text[:1000]
    assert response.mimetype == PROBLEM_JSON, response.mimetype
    body = response.get_json()
    assert body["code"] == code, body
    assert body["status"] == status
    assert set(body) >= PROBLEM_KEYS
    assert body["type"].endswith(code)
    if not replayed:
        assert body["request_id"] == response.headers["X-Request-ID"]
    for leak in LEAKS:
        assert leak not in text, text
    return body


def raw_connection(app) -> BehindTheBack:
    """A connection of its own to the app's database (either backend), behind the application's back."""
    return BehindTheBack(app.config["DATABASE_URL"])
