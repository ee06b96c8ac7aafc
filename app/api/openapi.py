"""GET /api/v1/openapi.json: OpenAPI 3.1, built from the registered operations and their models."""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic.json_schema import models_json_schema

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
}


@lru_cache(maxsize=1)
def document() -> dict:
    models = {m for op in OPERATIONS for m in (op.body,) if m is not None} | set(SCHEMAS.values())
    _, defs = models_json_schema(
        [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)], ref_template=REF
    )
    paths: dict = {}
    for op in OPERATIONS:
        paths.setdefault("/api/v1" + op.openapi_path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Corebank API",
            "version": "1.0.0",
            "description": "Retail-banking core. Money in integer minor units (`*_cents`).",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def _operation(op) -> dict:
    spec: dict = {"summary": op.summary, "tags": [op.tag], "operationId": f"{op.method.lower()}_{op.rule}"}
    int_params = set(re.findall(r"<int:(\w+)>", op.rule))
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1} if name in int_params else {"type": "string"},
        }
        for name in _path_params(op.openapi_path)
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(by_alias=True)
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            params.append({"name": name, "in": "query", "required": name in required, "schema": prop})
    if op.idempotent:
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            }
        )
    if params:
        spec["parameters"] = params
    if op.body is not None:
        spec["requestBody"] = {
            "required": bool(op.body.model_fields) and any(f.is_required() for f in op.body.model_fields.values()),
            "content": {"application/json": {"schema": {"$ref": REF.format(model=op.body.__name__)}}},
        }
    success: dict = {"description": _DESCRIPTIONS.get(op.status, "OK")}
    if op.response:
        success["content"] = {"application/json": {"schema": {"$ref": REF.format(model=op.response)}}}
    if op.extra.get("content"):  # other representations of the success answer (e.g. a CSV download)
        success.setdefault("content", {}).update(op.extra["content"])
    responses = {str(op.status): success}
    problem = {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}}
    # Every route is rate-limited (RATELIMIT_DEFAULT at least), so every operation may answer 429.
    documented = set(op.errors) | {429} | ({422} if (op.body or op.query) else set()) | ({415} if op.body else set())
    for status in sorted(documented):
        responses[str(status)] = {"description": _DESCRIPTIONS.get(status, "Error"), "content": problem}
    spec["responses"] = responses
    if op.auth:
        spec["security"] = [{"bearer": []}]
    return spec


def _path_params(path: str) -> list[str]:
    import re

    return re.findall(r"{(\w+)}", path)


@operation(bp, "GET", "/openapi.json", "This OpenAPI document", tag="meta", auth=False)
def openapi_json():
    return json_response(document())
