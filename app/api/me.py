"""GET/PATCH /me, POST /me/password, GET /me/sessions."""

from __future__ import annotations

from app.api import serializers as out
from app.api.blueprint import bp
from app.api.registry import json_response, operation, parse_body, parse_query
from app.api.schemas import PageQuery, PasswordIn, ProfileIn
from app.auth import require_actor, services
from app.ratelimit import password_change_limit


@operation(bp, "GET", "/me", "My profile", tag="me", response="Me", errors=(401,))
def me():
    return json_response(out.me(services().identity.get(require_actor())))


@operation(bp, "PATCH", "/me", "Update my profile", tag="me", body=ProfileIn, response="User", errors=(401, 422))
def update_me():
    actor = require_actor()
    data = parse_body(ProfileIn)
    return json_response(out.user(services().identity.update_profile(actor, data.full_name, data.timezone)))


@operation(
    bp,
    "POST",
    "/me/password",
    "Change my password (revokes my other sessions)",
    tag="me",
    body=PasswordIn,
    status=204,
    errors=(401, 422, 429),
)
@password_change_limit
def change_password():
    actor = require_actor()
    data = parse_body(PasswordIn)
    services().identity.change_password(actor, data.current_password, data.new_password)
    return "", 204


@operation(
    bp,
    "GET",
    "/me/sessions",
    "My active sessions and token families",
    tag="me",
    query=PageQuery,
    response="SessionList",
    errors=(401, 422),
)
def my_sessions():
    actor = require_actor()
    query = parse_query(PageQuery)
    # A session's id is random: the cursor is a position in the list, oldest first.
    ordered = sorted(services().web_sessions.list(actor), key=lambda s: (s.created_at, s.id))
    shown, next_cursor = out.page_of(list(enumerate(ordered, 1)), query, key=lambda pair: pair[0])
    return json_response(out.page([out.session(s, actor.session_id) for _, s in shown], next_cursor))
