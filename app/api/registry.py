"""One decorator per endpoint: registers the Flask route and records what OpenAPI needs."""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import dataclass, field

from flask import Response, current_app, request
from pydantic import BaseModel, ValidationError

from app.api.field_errors import field_errors
from app.errors import domain_problem
from entities import representation
from entities.approvals import Approval
from entities.errors import UnsupportedMediaType, ValidationFailed
from services.idempotency import IdempotentRequest, Replayed, fingerprint, without_secrets


@dataclass
class Operation:
    method: str
    rule: str
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    status: int = 200
    response: str | None = None  # name of a response schema in openapi.py
    auth: bool = True
    idempotent: bool = False
    errors: tuple[int, ...] = ()
    extra: dict = field(default_factory=dict)
    operation_id: str = ""  # the view's name: a plain identifier, unique because Flask endpoints are
    description: str | None = None  # the view's docstring, for the OpenAPI document

    @property
    def openapi_path(self) -> str:
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule)


OPERATIONS: list[Operation] = []


def operation(bp, method: str, rule: str, summary: str, **options):
    op = Operation(method=method.upper(), rule=rule, summary=summary, **options)
    OPERATIONS.append(op)

    def decorate(view):
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=view, methods=[op.method])
        op.operation_id = view.__name__
        op.description = inspect.getdoc(view)
        view.operation = op
        return view

    return decorate


def parse_body(model: type[BaseModel]):
    """The request's JSON body as ``model``: another media type is 415; a body that is not strict
    JSON (UTF-8, no duplicate member names, no NaN) or not an object is 422 on ``body``; an absent
    body is the empty object, so bodiless POSTs keep working."""
    data = json_body()
    if not isinstance(data, dict):
        raise ValidationFailed("Body must be a JSON object", errors=[{"field": "body", "message": "must be an object"}])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(errors=field_errors(exc)) from None
    except RecursionError:
        raise ValidationFailed(errors=[{"field": "body", "message": "too deeply nested"}]) from None


def json_body():
    """The parsed body ({} when there is none); UnsupportedMediaType or ValidationFailed otherwise."""
    raw = request.get_data(cache=True)
    # A body read already as a form leaves no data but its Content-Length: it was sent all the same.
    if not raw.strip() and not (request.content_length and not raw):
        return {}
    # "application/json; charset=utf-8" is accepted: JSON is UTF-8 (RFC 8259), saying so is fine.
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if request.mimetype != "application/json" or charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(
            "Send the request body as application/json",
            errors=[{"field": "Content-Type", "message": "must be application/json"}],
        )
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=_object, parse_constant=_no_constant)
    except _DuplicateMember as duplicate:
        message = f"duplicate member name {duplicate.args[0]!r}"
        raise ValidationFailed("Body must be valid JSON", errors=[{"field": "body", "message": message}]) from None
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ValidationFailed(
            "Body must be valid JSON", errors=[{"field": "body", "message": "invalid JSON"}]
        ) from None


class _DuplicateMember(Exception):
    pass


def _object(pairs: list[tuple[str, object]]) -> dict:
    # The standard library keeps the last of two equal names; a proxy or the client may have
    # read the first, so an ambiguous body is refused rather than guessed.
    result = {}
    for name, value in pairs:
        if name in result:
            raise _DuplicateMember(name[:64])
        result[name] = value
    return result


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def parse_query(model: type[BaseModel]):
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise ValidationFailed(errors=field_errors(exc)) from None


def json_response(body, status: int = 200, headers=None) -> Response:
    mimetype = "application/problem+json" if status >= 400 else "application/json"
    response = Response(json.dumps(body), status=status, mimetype=mimetype)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def idempotency_request(render) -> IdempotentRequest | None:
    """Build the idempotency context from the ``Idempotency-Key`` header, if sent."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise ValidationFailed(
            errors=[{"field": "Idempotency-Key", "message": "must be 1 to 255 printable characters"}]
        )
    try:
        body = json.loads(request.get_data(cache=True) or b"{}")
    except ValueError:
        body = request.get_data(cache=True).decode("utf-8", "replace")
    # The PIN stays out (SPEC section 4): a retry differing only in it replays, it is never "reused".
    canonical = json.dumps(dict(without_secrets(body.items())) if isinstance(body, dict) else body, sort_keys=True)
    secret = current_app.config["PIN_PEPPER"]  # never stored
    return IdempotentRequest(
        key=key, fingerprint=fingerprint(secret, f"{request.method} {request.path}\n{canonical}"), render=render
    )


def money_call(call, serialize, status: int = 201):
    """Run a money-moving service call with idempotency; ``status`` (201) with the result, 202 with
    the approval a new movement now waits for (SPEC section 15), or the stored replay of either.
    ``status`` 200 is a decision's answer (an approval approved): an Approval is then the result."""

    def render(entry, error):
        if error is not None:
            return domain_problem(error)
        if status == 201 and isinstance(entry, Approval):
            return 202, representation.approval(entry)
        return status, serialize(entry)

    result = call(idempotency_request(render))
    if isinstance(result, Replayed):
        return json_response(result.body, result.status, {"Idempotent-Replayed": "true"})
    status, body = render(result, None)
    return json_response(body, status)
