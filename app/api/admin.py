"""Staff and admin: /customers, /admin/users, /admin/audit, /admin/audit/checkpoint, /admin/verify."""

from __future__ import annotations

from app.api import serializers as out
from app.api.blueprint import bp
from app.api.registry import json_response, operation, parse_body, parse_query
from app.api.schemas import AuditQuery, CustomersQuery, EmptyIn, ReasonIn, RoleIn, UsersQuery
from app.auth import require_actor, services
from entities.approvals import Approval
from entities.cursor import decode_cursor, encode_cursor


@operation(
    bp,
    "GET",
    "/customers",
    "Staff: find customers by email, name or account number",
    tag="staff",
    query=CustomersQuery,
    response="UserList",
    errors=(401, 403, 422),
)
def find_customers():
    actor = require_actor()
    query = parse_query(CustomersQuery)
    users = services().admin.search_customers(
        actor, query.q, after_id=decode_cursor(query.cursor), limit=query.limit + 1
    )
    shown, next_cursor = out.keyset_page(users, query.limit)
    return json_response(out.page([out.user(u) for u in shown], next_cursor))


@operation(
    bp,
    "GET",
    "/admin/users",
    "Admin: users (?locked=true)",
    tag="admin",
    query=UsersQuery,
    response="UserList",
    errors=(401, 403, 422),
)
def list_users():
    actor = require_actor()
    query = parse_query(UsersQuery)
    users = services().admin.list_users(
        actor, locked=query.locked, after_id=decode_cursor(query.cursor), limit=query.limit + 1
    )
    shown, next_cursor = out.keyset_page(users, query.limit)
    return json_response(out.page([out.user(u) for u in shown], next_cursor))


@operation(
    bp,
    "POST",
    "/admin/users/<int:user_id>/unlock",
    "Staff: clear a login lock",
    tag="admin",
    body=EmptyIn,
    response="User",
    errors=(401, 403, 404),
)
def unlock_user(user_id: int):
    actor = require_actor()
    parse_body(EmptyIn)
    return json_response(out.user(services().admin.unlock(actor, user_id)))


@operation(
    bp,
    "POST",
    "/admin/users/<int:user_id>/lock",
    "Admin: lock a user (revokes everything)",
    tag="admin",
    body=ReasonIn,
    response="User",
    errors=(401, 403, 404, 422),
)
def lock_user(user_id: int):
    actor = require_actor()
    data = parse_body(ReasonIn)
    return json_response(out.user(services().admin.lock(actor, user_id, data.reason)))


@operation(
    bp,
    "POST",
    "/admin/users/<int:user_id>/role",
    "Admin: change a user's role",
    tag="admin",
    body=RoleIn,
    response="User",
    errors=(401, 403, 404, 409, 422),
    extra={"accepted": "Approval"},
)
def set_role(user_id: int):
    """Granting the `admin` role is not made at once: it is answered `202` with the pending approval,
    which another admin decides (`POST /api/v1/approvals/{id}/approve`)."""
    actor = require_actor()
    data = parse_body(RoleIn)
    changed = services().admin.set_role(actor, user_id, data.role, data.reason)
    if isinstance(changed, Approval):
        return json_response(out.approval(changed), 202)
    return json_response(out.user(changed))


@operation(
    bp,
    "GET",
    "/admin/audit",
    "Admin: audit log, newest first (filters, keyset)",
    tag="admin",
    query=AuditQuery,
    response="AuditPage",
    errors=(401, 403, 422),
)
def audit_log():
    actor = require_actor()
    q = parse_query(AuditQuery)
    records = services().audit.list(
        actor,
        limit=q.limit + 1,
        before_id=decode_cursor(q.cursor),
        actor_id=q.actor_id,
        action=q.action,
        outcome=q.outcome,
        resource_type=q.resource_type,
        resource_id=q.resource_id,
    )
    next_cursor = encode_cursor(records[q.limit - 1].id) if len(records) > q.limit else None
    return json_response(out.page([out.audit_record(r) for r in records[: q.limit]], next_cursor))


@operation(
    bp,
    "GET",
    "/admin/audit/checkpoint",
    "Admin: a checkpoint {count, last_id, head} of the audit chain, to keep outside the database",
    tag="admin",
    response="Checkpoint",
    errors=(401, 403),
)
def audit_checkpoint():
    return json_response(out.checkpoint(services().verification.issue_checkpoint(require_actor())))


@operation(
    bp,
    "GET",
    "/admin/verify",
    "Admin: ledger and audit verification report",
    tag="admin",
    response="Verification",
    errors=(401, 403),
)
def verify():
    return json_response(services().verification.report(require_actor()))
