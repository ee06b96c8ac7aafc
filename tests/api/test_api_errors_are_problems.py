"""Issue 14, item 19: under /api/v1 every error, Werkzeug's own included (no such path, wrong method,
body too large, unreadable body, wrong media type), is the SPEC's problem+json in our words, with its
code; never an HTML page, Werkzeug's text or a stack trace. Pages keep their HTML error pages."""

from __future__ import annotations

import pytest

from tests.api.helpers import assert_problem

WERKZEUG_WORDS = ("requested URL", "The method is not allowed", "capacity limit", "<html", "<!doctype")
BROWSER = {"Accept": "text/html,application/xhtml+xml", "HX-Request": "true"}


@pytest.fixture
def alice(api):
    _, headers = api.customer()
    return headers, api.funded_account(headers, 10_000)


def assert_in_our_words(response, status: int, code: str) -> dict:
    problem = assert_problem(response, status, code)
    text = response.get_data(as_text=True)
    assert not any(words in text for words in WERKZEUG_WORDS), text
    assert problem["detail"] != problem["title"]
    return problem


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/accounts/abc", "/api/v1", "/api/v1/", "/api"])
@pytest.mark.parametrize("headers", [{}, BROWSER], ids=["api_client", "browser"])
def test_an_unknown_api_path_is_a_404_problem(client, path, headers):
    problem = assert_in_our_words(client.get(path, headers=headers), 404, "not_found")
    assert problem["title"] == "Not found"
    assert problem["detail"] == f"No API operation at {path}; /api/v1/docs lists them"
    assert problem["errors"] == []


def test_an_unknown_path_is_a_problem_whoever_asks(client, alice):
    headers, _ = alice
    problem = assert_in_our_words(client.get("/api/v1/nope", headers=headers), 404, "not_found")
    assert problem["detail"] == "No API operation at /api/v1/nope; /api/v1/docs lists them"


def test_a_wrong_method_is_a_405_problem_with_the_allowed_methods(client, alice):
    headers, _ = alice
    response = client.delete("/api/v1/transfers", headers=headers)
    problem = assert_in_our_words(response, 405, "method_not_allowed")
    assert problem["title"] == "Method not allowed"
    assert problem["detail"] == "DELETE is not allowed here; this address takes OPTIONS, POST"
    assert response.headers["Allow"] == "OPTIONS, POST"


def test_malformed_json_is_a_422_problem_on_body(client, alice):
    headers, account = alice
    response = client.post(
        f"/api/v1/accounts/{account['id']}/deposits",
        data=b'{"amount_cents": ',
        content_type="application/json",
        headers={**headers, **BROWSER},
    )
    problem = assert_in_our_words(response, 422, "validation_error")
    assert problem["detail"] == "Body must be valid JSON"
    assert problem["errors"] == [{"field": "body", "message": "invalid JSON"}]


def test_a_body_over_the_limit_is_a_413_problem_saying_the_limit(client, alice):
    headers, account = alice
    response = client.post(
        f"/api/v1/accounts/{account['id']}/deposits",
        data=b'{"memo": "' + b"x" * 70_000 + b'"}',
        content_type="application/json",
        headers=headers,
    )
    problem = assert_in_our_words(response, 413, "payload_too_large")
    assert problem["title"] == "Payload too large"
    assert problem["detail"] == "The request body is larger than the 64 KiB accepted here"


def test_another_media_type_is_a_415_problem(client, alice):
    headers, account = alice
    response = client.post(
        f"/api/v1/accounts/{account['id']}/deposits", data="amount_cents=5", content_type="text/plain", headers=headers
    )
    problem = assert_in_our_words(response, 415, "unsupported_media_type")
    assert problem["detail"] == "Send the request body as application/json"
    assert problem["errors"] == [{"field": "Content-Type", "message": "must be application/json"}]


def test_an_unexpected_error_under_the_api_is_a_500_problem_without_a_trace(client, services, monkeypatch, alice):
    headers, account = alice

    def explode(*args, **kwargs):
        raise RuntimeError("boom in a place nobody should read about")

    monkeypatch.setattr(services.accounts, "get", explode)
    response = client.get(f"/api/v1/accounts/{account['id']}", headers={**headers, **BROWSER})
    problem = assert_in_our_words(response, 500, "internal_error")
    assert "boom" not in response.get_data(as_text=True)
    assert problem["title"] == "Internal error"


def test_a_page_path_keeps_its_html_error_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "We can&#39;t find that page" in response.get_data(as_text=True)


def test_an_unknown_path_is_echoed_without_invisible_or_direction_characters(client):
    response = client.get("/api/v1/nope\u202eevil\u200b")
    problem = assert_problem(response, 404, "not_found")
    assert problem["detail"] == "No API operation at /api/v1/nope?evil?; /api/v1/docs lists them"
