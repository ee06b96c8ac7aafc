"""SPEC section 10, "API docs for people": every operation in /api/v1/openapi.json has a unique plain
operationId, a description, request examples the API itself accepts, the problem codes it can answer
(429 rate_limited at least), and the idempotency, replay, request-id and rate-limit headers; the
document is rendered for people at /api/v1/docs, without login, under the strict CSP."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.api.registry import OPERATIONS
from app.api.responses import SCHEMAS, Problem
from app.errors import STATUS_BY_CODE

PLAIN_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
STATIC = Path(__file__).resolve().parents[2] / "static"


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def operations(document):
    for path, methods in document["paths"].items():
        for method, spec in methods.items():
            yield f"{method.upper()} {path}", spec


def test_operation_ids_are_unique_plain_identifiers(document):
    ids = [spec["operationId"] for _, spec in operations(document)]
    assert len(ids) == len(OPERATIONS)
    assert len(set(ids)) == len(ids)
    assert [i for i in ids if not PLAIN_IDENTIFIER.match(i)] == []
    assert "transfer" in ids and "get_account" in ids


def test_every_operation_is_described_with_the_codes_it_answers(document):
    for name, spec in operations(document):
        assert spec["description"].strip(), name
        assert "rate_limited" in spec["description"], name
        problems = spec["responses"]["429"]["content"]["application/problem+json"]["examples"]
        assert list(problems) == ["rate_limited"], name
        for status, response in spec["responses"].items():
            if int(status) < 400:
                continue
            examples = response["content"]["application/problem+json"]["examples"]
            assert examples, f"{name} {status} lists no code"
            for code, example in examples.items():
                assert STATUS_BY_CODE[code] == int(status), f"{name}: {code} is not a {status}"
                assert example["value"]["code"] == code and example["value"]["status"] == int(status)
                assert f"`{code}`" in spec["description"], name


def test_the_money_operations_list_their_domain_codes(document):
    transfer = document["paths"]["/api/v1/transfers"]["post"]["responses"]
    assert set(transfer["422"]["content"]["application/problem+json"]["examples"]) == {
        "validation_error",
        "insufficient_funds",
        "limit_exceeded",
        "same_account",
        "currency_mismatch",
        "idempotency_key_reused",
    }
    assert set(transfer["423"]["content"]["application/problem+json"]["examples"]) == {"account_locked"}
    login = document["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert set(login["401"]["content"]["application/problem+json"]["examples"]) >= {"invalid_credentials"}


def test_every_request_body_has_an_example_the_api_accepts(document):
    models = {op.operation_id: op.body for op in OPERATIONS if op.body is not None}
    for name, spec in operations(document):
        if "requestBody" not in spec:
            continue
        media = spec["requestBody"]["content"]["application/json"]
        assert "example" in media, name
        models[spec["operationId"]].model_validate(media["example"])  # raises if the example is refused


def test_idempotency_replay_request_id_and_rate_limit_headers_are_documented(document):
    idempotent = {op.operation_id for op in OPERATIONS if op.idempotent}
    assert idempotent >= {"deposit", "withdraw", "transfer", "card_purchase", "reverse_transaction"}
    for name, spec in operations(document):
        params = {p["name"] for p in spec["parameters"]}
        success = next(r for status, r in spec["responses"].items() if int(status) < 400)
        assert "X-Request-ID" in success["headers"], name
        assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(success["headers"]), name
        assert "Retry-After" in spec["responses"]["429"]["headers"], name
        if spec["operationId"] in idempotent:
            assert "Idempotency-Key" in params and "Idempotent-Replayed" in success["headers"], name
        else:
            assert "Idempotency-Key" not in params, name
    for header in ("Idempotent-Replayed", "X-RateLimit-Limit", "Retry-After", "X-Request-ID"):
        assert document["components"]["headers"][header]["description"]
    assert "send `X-Request-ID`" in document["info"]["description"]


def test_the_docs_page_needs_no_login_and_runs_under_the_strict_csp(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    html = response.get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html  # no inline script or style
    scripts = re.findall(r'<script src="/static/([^"]+)"', html)
    assert scripts == ["vendor/swagger-ui/swagger-ui-bundle.js", "js/api-docs.js"]
    for asset in (*scripts, "vendor/swagger-ui/swagger-ui.css"):
        assert (STATIC / asset).is_file(), f"{asset} missing: run make assets"
    assert 'data-spec="/api/v1/openapi.json"' in html


def test_every_property_of_every_schema_says_what_it_holds(document):
    # Issue 14, item 19: the descriptions live in the models, so the reference and validation share them.
    undescribed = [
        f"{name}.{prop}"
        for name, schema in document["components"]["schemas"].items()
        for prop, spec in schema.get("properties", {}).items()
        if not spec.get("description", "").strip()
    ]
    assert undescribed == []
    assert len(document["components"]["schemas"]) > 60


def test_every_parameter_says_what_it_holds(document):
    undescribed = [
        f"{name} {param['in']} {param['name']}"
        for name, spec in operations(document)
        for param in spec["parameters"]
        if not param.get("description", "").strip()
    ]
    assert undescribed == []


def test_problem_examples_are_problems_whose_detail_is_not_the_title(document):
    for name, spec in operations(document):
        for status, response in spec["responses"].items():
            if int(status) < 400:
                continue
            for code, example in response["content"]["application/problem+json"]["examples"].items():
                problem = Problem.model_validate(example["value"])
                assert problem.detail != problem.title, f"{name} {code}"
    validation = document["paths"]["/api/v1/transfers"]["post"]["responses"]["422"]
    value = validation["content"]["application/problem+json"]["examples"]["validation_error"]["value"]
    assert value["errors"] == [{"field": "amount_cents", "message": "must be at least 1"}]
    assert value["detail"] == "amount_cents: must be at least 1"


def test_response_examples_are_what_the_models_describe(document):
    shown = 0
    for name, spec in operations(document):
        for status, response in spec["responses"].items():
            media = response.get("content", {}).get("application/json", {})
            if "example" in media and "$ref" in media.get("schema", {}):
                model = SCHEMAS[media["schema"]["$ref"].rsplit("/", 1)[-1]]
                assert set(media["example"]) == set(model.model_fields), f"{name} {status}"
                model.model_validate(media["example"])
                shown += 1
    assert shown >= 3
