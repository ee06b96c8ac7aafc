"""GET /api/v1/openapi.json: OpenAPI 3.1, built from the registered operations and their models;
GET /api/v1/docs: the same document rendered for people (Swagger UI, from npm at setup)."""

from __future__ import annotations

import re
from functools import lru_cache

from flask import render_template
from pydantic.json_schema import models_json_schema

from app.api import openapi_docs as docs
from app.api.blueprint import bp
from app.api.registry import OPERATIONS, json_response, operation
from app.api.responses import SCHEMAS

REF = "#/components/schemas/{model}"
_DESCRIPTIONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    423: "Locked",
    429: "Too Many Requests",
    503: "Service Unavailable",
}
_HEADER = "#/components/headers/{name}"


@lru_cache(maxsize=1)
def document() -> dict:
    models = {m for op in OPERATIONS for m in (op.body,) if m is not None} | set(SCHEMAS.values())
    _, defs = models_json_schema(
        [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)], ref_template=REF
    )
    schemas = defs.get("$defs", {})
    paths: dict = {}
    for op in OPERATIONS:
        paths.setdefault("/api/v1" + op.openapi_path, {})[op.method.lower()] = _operation(op, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Corebank API", "version": "1.0.0", "description": docs.OVERVIEW},
        # No "servers": the default is this host, and Swagger UI would offer an unlabelled picker.
        "tags": _tags(),
        "paths": paths,
        "components": {
            "schemas": schemas,
            "headers": docs.HEADERS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def _tags() -> list[dict]:
    return [{"name": tag} for tag in dict.fromkeys(op.tag for op in OPERATIONS)]


def _operation(op, schemas: dict) -> dict:
    # X-Request-ID is documented as a response header and in the overview, not as a request parameter:
    # the API accepts any value (it replaces a malformed one), which a parameter schema cannot say.
    # Every route is rate-limited (RATELIMIT_DEFAULT at least) and any may meet a busy database.
    statuses = set(op.errors) | {429, 503} | ({422} if (op.body or op.query) else set()) | ({415} if op.body else set())
    codes = docs.codes_for(op.operation_id, sorted(statuses))
    spec: dict = {
        "summary": op.summary,
        "description": _description(op, codes),
        "tags": [op.tag],
        "operationId": op.operation_id,
        "parameters": _parameters(op),
    }
    if op.body is not None:
        example = docs.REQUEST_EXAMPLES.get(op.body.__name__)
        if example is None:
            example = docs.example_from_schema(schemas.get(op.body.__name__, {}), schemas)
        spec["requestBody"] = {
            "required": any(f.is_required() for f in op.body.model_fields.values()),
            "content": {
                "application/json": {"schema": {"$ref": REF.format(model=op.body.__name__)}, "example": example}
            },
        }
    spec["responses"] = {str(op.status): _success(op), **_accepted(op), **_problems(codes)}
    if op.auth:
        spec["security"] = [{"bearer": []}]
    return spec


def _description(op, codes: dict[int, list[str]]) -> str:
    parts = [op.description or op.summary + "."]
    if note := docs.NOTES_BY_OPERATION.get(op.operation_id):
        parts.append(note)
    listed = ", ".join(f"`{code}` ({status})" for status, names in sorted(codes.items()) for code in names)
    parts.append(f"**Problem codes**: {listed}.")
    return "\n\n".join(parts)


def _parameters(op) -> list[dict]:
    int_params = set(re.findall(r"<int:(\w+)>", op.rule))
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": docs.PATH_PARAMETERS[name],
            "schema": {"type": "integer", "minimum": 1} if name in int_params else {"type": "string"},
        }
        for name in re.findall(r"{(\w+)}", op.openapi_path)
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(by_alias=True)
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            param = {"name": name, "in": "query", "required": name in required, "schema": prop}
            if "description" in prop:
                param["description"] = prop["description"]
            params.append(param)
    if op.idempotent:
        params.append(docs.IDEMPOTENCY_KEY)
    return params


def _headers(*names: str) -> dict:
    return {name: {"$ref": _HEADER.format(name=name)} for name in names}


def _success(op) -> dict:
    success: dict = {"description": _DESCRIPTIONS.get(op.status, "OK")}
    if op.response:
        # "A|B": the operation answers one of these shapes (a login: tokens, or a code step first).
        refs = [{"$ref": REF.format(model=name)} for name in op.response.split("|")]
        media: dict = {"schema": refs[0] if len(refs) == 1 else {"oneOf": refs}}
        if op.response in docs.RESPONSE_EXAMPLES:
            media["example"] = docs.RESPONSE_EXAMPLES[op.response]
        success["content"] = {"application/json": media}
    if op.extra.get("content"):  # other representations of the success answer (e.g. a CSV download)
        success.setdefault("content", {}).update(op.extra["content"])
    names = ["X-Request-ID", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]
    if op.idempotent:
        names.append("Idempotent-Replayed")
    success["headers"] = _headers(*names)
    return success


def _accepted(op) -> dict:
    """The 202 of an action that may wait for a second staff member's approval (SPEC section 15)."""
    model = op.extra.get("accepted")
    if not model:
        return {}
    answer = {**_success(op), "description": "Accepted: sent for approval"}
    answer["content"] = {"application/json": {"schema": {"$ref": REF.format(model=model)}}}
    return {"202": answer}


def _problems(codes: dict[int, list[str]]) -> dict:
    responses = {}
    for status, names in sorted(codes.items()):
        examples = {code: {"summary": code, "value": docs.problem_example(code, status)} for code in names}
        headers = ["X-Request-ID"] + (["Retry-After"] if status in (429, 503) else [])
        responses[str(status)] = {
            "description": f"{_DESCRIPTIONS.get(status, 'Error')}: " + ", ".join(f"`{c}`" for c in names),
            "headers": _headers(*headers),
            "content": {
                "application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}, "examples": examples}
            },
        }
    return responses


@operation(bp, "GET", "/openapi.json", "This OpenAPI document", tag="meta", auth=False)
def openapi_json():
    """The OpenAPI 3.1 description of /api/v1 (what /api/v1/docs renders)."""
    return json_response(document())


@operation(
    bp,
    "GET",
    "/docs",
    "This reference, for people (HTML)",
    tag="meta",
    auth=False,
    extra={"content": {"text/html": {"schema": {"type": "string"}}}},
)
def api_docs():
    """The API reference for people: Swagger UI over /api/v1/openapi.json. Its scripts and styles are
    files from static/ (the strict CSP allows no inline script); static/js/api-docs.js starts it."""
    return render_template("pages/api/docs.html")
