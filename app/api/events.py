"""The event feed (SPEC section 16): GET /events?after=&limit=&type=, oldest first."""

from __future__ import annotations

from app.api import serializers as out
from app.api.blueprint import bp
from app.api.registry import json_response, operation, parse_query
from app.api.schemas import EventsQuery
from app.auth import require_actor, services


@operation(
    bp,
    "GET",
    "/events",
    "Events after ?after= (oldest first): staff see all, a customer those of their own accounts",
    tag="events",
    query=EventsQuery,
    response="EventList",
    errors=(401, 422),
)
def list_events():
    actor = require_actor()
    query = parse_query(EventsQuery)
    events, next_cursor = services().events.list(actor, after=query.after, limit=query.limit, event_type=query.type)
    return json_response({"items": [out.event(e) for e in events], "next_cursor": next_cursor})
