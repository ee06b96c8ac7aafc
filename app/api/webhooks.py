"""Webhooks (SPEC section 16, admin): /webhooks, /webhooks/{id}, deliveries, send again."""

from __future__ import annotations

from flask import Response

from app.api import serializers as out
from app.api.blueprint import bp
from app.api.registry import json_response, operation, parse_body, parse_query
from app.api.schemas import DeliveriesQuery, PageQuery, WebhookIn
from app.auth import require_actor, services
from entities.cursor import decode_cursor, encode_cursor


@operation(
    bp,
    "POST",
    "/webhooks",
    "Admin: register a webhook (the answer shows its signing secret, once)",
    tag="webhooks",
    body=WebhookIn,
    status=201,
    response="WebhookCreated",
    errors=(401, 403, 422),
)
def create_webhook():
    actor = require_actor()
    data = parse_body(WebhookIn)
    hook = services().webhooks.register(actor, data.url, data.events, data.description)
    return json_response(out.webhook(hook, with_secret=True), 201)


@operation(
    bp,
    "GET",
    "/webhooks",
    "Admin: the webhooks",
    tag="webhooks",
    query=PageQuery,
    response="WebhookList",
    errors=(401, 403, 422),
)
def list_webhooks():
    actor = require_actor()
    query = parse_query(PageQuery)
    shown, next_cursor = out.page_of(services().webhooks.list(actor), query)
    return json_response(out.page([out.webhook(h) for h in shown], next_cursor))


@operation(
    bp,
    "DELETE",
    "/webhooks/<int:hook_id>",
    "Admin: delete a webhook",
    tag="webhooks",
    status=204,
    errors=(401, 403, 404),
)
def delete_webhook(hook_id: int):
    services().webhooks.delete(require_actor(), hook_id)
    return Response(status=204)


@operation(
    bp,
    "GET",
    "/webhooks/<int:hook_id>/deliveries",
    "Admin: the webhook's delivery attempts, oldest first",
    tag="webhooks",
    query=DeliveriesQuery,
    response="WebhookDeliveryList",
    errors=(401, 403, 404),
)
def list_deliveries(hook_id: int):
    actor = require_actor()
    query = parse_query(DeliveriesQuery)
    after = decode_cursor(query.cursor) if query.cursor is not None else query.after
    found, last_id = services().webhooks.deliveries(actor, hook_id, after=after, limit=query.limit)
    next_cursor = encode_cursor(last_id) if last_id is not None else None
    return json_response({"items": [out.delivery(d) for d in found], "next_cursor": next_cursor})


@operation(
    bp,
    "POST",
    "/webhooks/<int:hook_id>/deliveries/<int:delivery_id>/redeliver",
    "Admin: send that delivery's event again, now",
    tag="webhooks",
    status=202,
    response="Redelivery",
    errors=(401, 403, 404),
)
def redeliver(hook_id: int, delivery_id: int):
    job = services().webhooks.redeliver(require_actor(), hook_id, delivery_id)
    return json_response({"event_id": job.event_id, "next_attempt_at": job.next_attempt_at}, 202)
