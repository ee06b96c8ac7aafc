"""Dual control (SPEC section 15): GET /approvals, GET /approvals/{id}, approve, reject."""

from __future__ import annotations

from app.api import serializers as out
from app.api.blueprint import bp
from app.api.registry import json_response, money_call, operation, parse_body, parse_query
from app.api.schemas import ApprovalsQuery, ApproveIn, RejectIn
from app.auth import require_actor, services
from app.ratelimit import money_limit


@operation(
    bp,
    "GET",
    "/approvals",
    "Staff: requests waiting for (or given) a second staff member's decision, newest first (?status=)",
    tag="approvals",
    query=ApprovalsQuery,
    response="ApprovalList",
    errors=(401, 403, 422),
)
def list_approvals():
    actor = require_actor()
    query = parse_query(ApprovalsQuery)
    items, next_cursor = services().approvals.list(actor, status=query.status, limit=query.limit, cursor=query.cursor)
    return json_response(out.page([out.approval(a) for a in items], next_cursor))


@operation(
    bp,
    "GET",
    "/approvals/<int:approval_id>",
    "Staff: one request",
    tag="approvals",
    response="Approval",
    errors=(401, 403, 404),
)
def get_approval(approval_id: int):
    return json_response(out.approval(services().approvals.get(require_actor(), approval_id)))


@operation(
    bp,
    "POST",
    "/approvals/<int:approval_id>/approve",
    "Staff: approve another staff member's request, which executes it under your authority",
    tag="approvals",
    body=ApproveIn,
    response="Approval",
    idempotent=True,
    errors=(401, 403, 404, 409, 422, 429),
)
@money_limit
def approve_approval(approval_id: int):
    """Executes the request in one transaction with every check of the action made again for you
    (an admin for `role_grant`); the answer carries the action's own answer in `result`. Your own
    request is `403 same_person`; any refusal leaves the request pending. It moves money (a
    reversal), so it takes an `Idempotency-Key`: a retry replays the approval instead of `409`."""
    actor = require_actor()
    data = parse_body(ApproveIn)
    return money_call(
        lambda idem: services().approvals.approve(actor, approval_id, data.reason, idem=idem), out.approval, 200
    )


@operation(
    bp,
    "POST",
    "/approvals/<int:approval_id>/reject",
    "Staff: reject a request with a reason (the requester may withdraw their own)",
    tag="approvals",
    body=RejectIn,
    response="Approval",
    errors=(401, 403, 404, 409, 422, 429),
)
def reject_approval(approval_id: int):
    actor = require_actor()
    data = parse_body(RejectIn)
    return json_response(out.approval(services().approvals.reject(actor, approval_id, data.reason)))
