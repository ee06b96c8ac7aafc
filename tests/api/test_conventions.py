"""API conventions: request ids, problem+json for every error, no 500 for any input, OpenAPI coverage."""

import re

import pytest

from tests.api.helpers import LEAKS, PROBLEM_JSON, assert_problem

VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


@pytest.mark.parametrize("request_id", ["abc-123", "A.b_c-9", "x" * 128])
def test_a_well_formed_request_id_is_echoed(client, request_id):
    response = client.get("/healthz", headers={"X-Request-ID": request_id})
    assert response.headers["X-Request-ID"] == request_id


@pytest.mark.parametrize("request_id", ["has space", "x" * 129, "semi;colon", "ünïcode", "<script>"])
def test_a_malformed_request_id_is_replaced(client, request_id):
    response = client.get("/api/v1/me", headers={"X-Request-ID": request_id})
    new_id = response.headers["X-Request-ID"]
    assert new_id != request_id and VALID_ID.match(new_id)
    assert response.get_json()["request_id"] == new_id


def test_a_request_id_with_a_trailing_newline_is_replaced_not_a_500(api, client):
    # "^...$" let "abc\n" through; Werkzeug then refused the response header: a 500.
    _, headers = api.customer()
    response = client.get("/api/v1/me", headers=headers, environ_overrides={"HTTP_X_REQUEST_ID": "abc\n"})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] != "abc\n"
    assert len(response.headers["X-Request-ID"]) == 32


def test_every_response_gets_a_fresh_request_id(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert VALID_ID.match(first.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_the_request_id_reaches_the_error_body_and_the_audit_log(client, audit):
    response = client.post(
        "/api/v1/auth/login",
        json={"email": "ghost@example.com", "password": "x" * 12},
        headers={"X-Request-ID": "trace-me-1"},
    )
    assert assert_problem(response, 401, "invalid_credentials")["request_id"] == "trace-me-1"
    [record] = audit(action="login", outcome="failure")
    assert record["request_id"] == "trace-me-1"


@pytest.fixture
def targets(api):
    """Every JSON-body endpoint a customer can reach, with the ids it needs."""
    _, headers = api.customer()
    account = api.funded_account(headers, 1_000)
    return (
        headers,
        [
            "/api/v1/auth/register",
            "/api/v1/auth/login",
            "/api/v1/auth/refresh",
            "/api/v1/auth/logout",
            "/api/v1/me/password",
            "/api/v1/accounts",
            f"/api/v1/accounts/{account['id']}/deposits",
            f"/api/v1/accounts/{account['id']}/withdrawals",
            f"/api/v1/accounts/{account['id']}/pin",
            "/api/v1/transfers",
        ],
        account,
    )


BAD_BODIES = {
    "malformed": b'{"amount_cents": ',
    "trailing_garbage": b'{"a": 1} x',
    "array": b"[1, 2]",
    "string": b'"hello"',
    "number": b"42",
    "null": b"null",
    "true": b"true",
    "invalid_utf8": b'{"email": "\xff\xfe"}',
    "deep_nesting": b"[" * 30_000 + b"]" * 30_000,  # under the 64 KiB body limit
    "unknown_field": b'{"amount_cents": 1, "pin": "1234", "email": "a@b.co", "password": "x", "surprise": true}',
    "nan": b'{"amount_cents": NaN}',
    "huge_integer": b'{"amount_cents": ' + b"9" * 5000 + b', "from_account_id": 1}',
    "lone_surrogate": b'{"email": "\\ud800@example.com", "password": "correct horse battery", "full_name": "x"}',
}


@pytest.mark.parametrize("body", BAD_BODIES, ids=list(BAD_BODIES))
def test_bad_bodies_are_422_on_every_endpoint_and_change_nothing(api, client, targets, body):
    headers, paths, account = targets
    for path in paths:
        response = client.post(path, data=BAD_BODIES[body], content_type="application/json", headers=headers)
        assert_problem(response, 422, "validation_error")
    assert api.get_account(headers, account["id"])["balance_cents"] == 1_000
    assert len(client.get("/api/v1/accounts", headers=headers).json["items"]) == 1


def test_unknown_fields_are_named_in_the_errors(api, client, targets):
    headers, _, account = targets
    response = client.post(
        f"/api/v1/accounts/{account['id']}/deposits", json={"amount_cents": 1, "currency": "EUR"}, headers=headers
    )
    assert assert_problem(response, 422, "validation_error")["errors"][0]["field"] == "currency"


def test_an_oversized_body_is_413_problem_json(client, targets):
    headers, _, account = targets
    response = client.post(
        f"/api/v1/accounts/{account['id']}/deposits",
        data=b'{"memo": "' + b"x" * 70_000 + b'"}',
        content_type="application/json",
        headers=headers,
    )
    assert_problem(response, 413, "payload_too_large")


def test_a_body_sent_as_form_data_is_415_and_moves_nothing(api, client, targets):
    headers, _, account = targets
    response = client.post(f"/api/v1/accounts/{account['id']}/deposits", data={"amount_cents": "5"}, headers=headers)
    assert_problem(response, 415, "unsupported_media_type")
    assert api.get_account(headers, account["id"])["balance_cents"] == 1_000


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/v1/no-such-thing", 404, "not_found"),
        ("DELETE", "/api/v1/accounts", 405, "method_not_allowed"),
        ("PUT", "/api/v1/transfers", 405, "method_not_allowed"),
        ("GET", "/api/v1/accounts/not-a-number", 404, "not_found"),
        ("GET", "/api/v1/accounts/99999999999999999999999999", 404, "not_found"),
        ("GET", "/api/v1/accounts/0", 404, "not_found"),
        ("GET", "/api/v1/transactions/9223372036854775808", 404, "not_found"),
        ("GET", "/api/v1/accounts?owner_id=abc", 422, "validation_error"),
        ("GET", "/api/v1/accounts/lookup", 422, "validation_error"),
        ("GET", "/api/v1/accounts?owner_id=99999999999999999999999", 422, "validation_error"),
    ],
)
def test_odd_paths_and_queries_answer_problem_json(client, targets, method, path, status, code):
    headers, _, _ = targets
    assert_problem(client.open(path, method=method, headers=headers), status, code)


def test_an_unexpected_error_is_a_generic_500_without_details(app, client, services, monkeypatch, targets):
    headers, _, account = targets

    def explode(*args, **kwargs):
        raise RuntimeError("SELECT secret FROM accounts -- internal detail")

    monkeypatch.setattr(services.accounts, "get", explode)
    response = client.get(f"/api/v1/accounts/{account['id']}", headers=headers)
    problem = assert_problem(response, 500, "internal_error")
    assert "secret" not in response.get_data(as_text=True)
    assert problem["detail"] == "Something went wrong; quote the request id."


def test_successful_responses_are_plain_json_with_security_headers(client, targets):
    headers, _, account = targets
    response = client.get(f"/api/v1/accounts/{account['id']}", headers=headers)
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Retry-After" not in response.headers


def test_no_error_leaks_internals_across_a_sweep_of_bad_requests(client, targets):
    headers, _, account = targets
    sweep = [
        (client.get("/api/v1/me"), 401),
        (client.get("/api/v1/me", headers={"Authorization": "Bearer " + "A" * 3000}), 401),
        (client.post("/api/v1/auth/login", json={"email": ["list"], "password": {"a": 1}}), 422),
        (client.post("/api/v1/auth/register", json={"email": "x" * 300, "password": "p" * 12, "full_name": "n"}), 422),
        (client.post("/api/v1/auth/refresh", json={"refresh_token": "x" * 5000}), 422),
        (
            client.post(
                "/api/v1/accounts", json={"type": "checking", "pin": "1234", "owner_id": 2**63}, headers=headers
            ),
            422,
        ),
        (
            client.post(
                f"/api/v1/accounts/{account['id']}/deposits",
                json={"amount_cents": 1, "memo": "x" * 141},
                headers=headers,
            ),
            422,
        ),
        (
            client.post(
                f"/api/v1/accounts/{account['id']}/deposits", json={"amount_cents": 1, "memo": "\x00"}, headers=headers
            ),
            422,
        ),
        (
            client.post("/api/v1/transfers", json={"from_account_id": True, "to_account_number": 1}, headers=headers),
            422,
        ),
        (client.get("/api/v1/accounts/lookup?number=%00%00", headers=headers), 422),
        (client.get("/api/v1/customers?q=%27%20OR%201=1--", headers=headers), 403),
        (client.patch("/api/v1/me", json={"timezone": "Nowhere/Land"}, headers=headers), 422),
        (client.patch("/api/v1/me", json={"full_name": "Bad\u0007Bell"}, headers=headers), 422),
    ]
    for response, status in sweep:
        assert response.status_code == status, (response.request.path, response.get_data(as_text=True)[:300])
        assert response.mimetype == PROBLEM_JSON
        text = response.get_data(as_text=True)
        assert not any(leak in text for leak in LEAKS), text


def _flask_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_every_api_route_is_described_in_openapi(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.1")
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = _flask_path(rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in document["paths"].get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == []


def test_openapi_describes_no_route_that_does_not_exist(app, client):
    document = client.get("/api/v1/openapi.json").json
    routes = {
        (_flask_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {(path, method) for path, operations in document["paths"].items() for method in operations}
    assert described - routes == set()


def test_openapi_references_resolve(client):
    document = client.get("/api/v1/openapi.json").json
    text = str(document)
    for name in set(re.findall(r"#/components/schemas/(\w+)", text)):
        assert name in document["components"]["schemas"], name
