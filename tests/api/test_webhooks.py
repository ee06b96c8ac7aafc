"""Webhooks (SPEC section 16): admin registration, Standard Webhooks signatures checked by a real
receiver on 127.0.0.1, at-least-once delivery with backoff, subscriptions, deletion, SSRF rules."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest

from entities.clock import parse_iso
from services import webhook_targets
from tests.api.helpers import assert_problem, raw_connection
from tests.conftest import PIN
from tests.support.receiver import Receiver


@pytest.fixture
def app_config(app_config):
    # The receiver listens on 127.0.0.1, which SPEC 16 refuses unless told otherwise.
    return {**app_config, "WEBHOOK_ALLOW_PRIVATE": True, "WEBHOOK_RETRY_SECONDS": 1, "WEBHOOK_MAX_ATTEMPTS": 3}


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


@pytest.fixture
def register(client, admin):
    def make(url, events=("*",), **extra):
        response = client.post("/api/v1/webhooks", json={"url": url, "events": list(events), **extra}, headers=admin[1])
        assert response.status_code == 201, response.json
        return response.json

    return make


@pytest.fixture
def deliver(services):
    """One delivery pass, as the worker makes them (events sealed first: PostgreSQL numbers them after commit)."""

    def run():
        services.uow.seal()
        return services.deliver_webhooks()

    return run


def make_due_now(app):
    """Travel in time: every scheduled retry falls due now."""
    db = raw_connection(app)
    try:
        db.execute("UPDATE webhook_jobs SET next_attempt_at = '2000-01-01T00:00:00.000000Z' WHERE status = 'pending'")
    finally:
        db.close()


def deliveries(client, admin, hook_id):
    response = client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=admin[1])
    assert response.status_code == 200, response.json
    return response.json["items"]


def expected_signature(secret: str, headers: dict, body: bytes) -> str:
    """Standard Webhooks, written out independently of the application's code."""
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def test_registering_answers_the_secret_once(client, admin, register, receiver):
    hook = register(receiver.url, ["deposit.posted"], description="ERP")
    assert set(hook) == {"id", "url", "events", "description", "created_at", "secret"}
    assert (hook["url"], hook["events"], hook["description"]) == (receiver.url, ["deposit.posted"], "ERP")
    assert hook["secret"].startswith("whsec_") and 24 <= len(base64.b64decode(hook["secret"][6:])) <= 64
    listed = client.get("/api/v1/webhooks", headers=admin[1]).json
    assert listed == {"items": [{k: v for k, v in hook.items() if k != "secret"}], "next_cursor": None}


def test_a_delivery_is_signed_exactly_as_standard_webhooks_say(api, client, admin, register, receiver, deliver):
    hook = register(receiver.url)
    _, headers = api.customer()
    account = api.account(headers)
    assert api.deposit(headers, account["id"], 1_234).status_code == 201
    assert deliver() == 2
    # Deliveries run side by side: no order is promised between events (SPEC 16), the id orders them.
    requests = sorted(receiver.wait_for(2), key=lambda r: int(r.headers["webhook-id"]))
    feed = client.get("/api/v1/events", headers=admin[1]).json["items"]
    assert [json.loads(r.body) for r in requests] == feed  # each event exactly as the feed shows it to staff
    for request, event in zip(requests, feed, strict=True):
        assert request.path == "/hooks/corebank"
        assert request.headers["content-type"] == "application/json"
        assert request.headers["webhook-id"] == str(event["id"])
        assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 30
        assert request.headers["webhook-signature"] == expected_signature(hook["secret"], request.headers, request.body)
    assert [
        (d["attempt"], d["status_code"], d["error"], d["next_attempt_at"])
        for d in deliveries(client, admin, hook["id"])
    ] == [
        (1, 200, None, None),
        (1, 200, None, None),
    ]
    assert deliver() == 0  # delivered: never sent again


def test_failures_are_retried_with_backoff_and_the_same_webhook_id(app, api, client, admin, register, deliver):
    with Receiver([500, 503, 200]) as receiver:
        hook = register(receiver.url, ["account.opened"])
        _, headers = api.customer()
        api.account(headers)
        assert deliver() == 1
        assert deliver() == 0  # the retry is not due yet
        make_due_now(app)
        assert deliver() == 1
        make_due_now(app)
        assert deliver() == 1
        requests = receiver.wait_for(3)
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    assert len({r.body for r in requests}) == 1
    for request in requests:  # each attempt signed anew, with its own timestamp
        assert request.headers["webhook-signature"] == expected_signature(hook["secret"], request.headers, request.body)
    items = deliveries(client, admin, hook["id"])
    assert [(d["attempt"], d["status_code"], d["error"]) for d in items] == [
        (1, 500, "answered 500"),
        (2, 503, "answered 503"),
        (3, 200, None),
    ]
    delays = [(parse_iso(d["next_attempt_at"]) - parse_iso(d["delivered_at"])).total_seconds() for d in items[:2]]
    assert 0.9 < delays[0] < 1.5 and 1.9 < delays[1] < 2.5  # WEBHOOK_RETRY_SECONDS=1, doubling
    assert items[2]["next_attempt_at"] is None
    assert {d["event_id"] for d in items} == {int(requests[0].headers["webhook-id"])}


def test_an_event_is_given_up_after_the_last_attempt_and_can_be_sent_again(app, api, client, admin, register, deliver):
    with Receiver([500, 500, 500]) as receiver:
        hook = register(receiver.url, ["account.opened"])
        _, headers = api.customer()
        api.account(headers)
        for _ in range(3):
            assert deliver() == 1
            make_due_now(app)
        assert deliver() == 0  # WEBHOOK_MAX_ATTEMPTS=3
        items = deliveries(client, admin, hook["id"])
        assert [(d["attempt"], d["next_attempt_at"] is None) for d in items] == [(1, False), (2, False), (3, True)]
        again = client.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{items[-1]['id']}/redeliver", headers=admin[1])
        assert again.status_code == 202 and again.json["event_id"] == items[0]["event_id"]
        assert deliver() == 1
        receiver.wait_for(4)
    assert [(d["attempt"], d["status_code"]) for d in deliveries(client, admin, hook["id"])][-1] == (4, 200)


def test_no_answer_within_five_seconds_is_retried(app, api, client, admin, register, deliver):
    with Receiver(["hang", 200]) as receiver:
        hook = register(receiver.url, ["account.opened"])
        _, headers = api.customer()
        api.account(headers)
        started = time.monotonic()
        assert deliver() == 1
        assert 4.9 < time.monotonic() - started < 6.4
        make_due_now(app)
        assert deliver() == 1
        requests = receiver.wait_for(2)
    assert requests[0].headers["webhook-id"] == requests[1].headers["webhook-id"]
    items = deliveries(client, admin, hook["id"])
    assert [(d["attempt"], d["status_code"], d["error"]) for d in items] == [
        (1, None, "no answer within 5 s"),
        (2, 200, None),
    ]


def test_a_redirect_is_a_failure_never_followed(app, api, client, admin, register, deliver):
    with Receiver([302]) as receiver:
        hook = register(receiver.url, ["account.opened"])
        _, headers = api.customer()
        api.account(headers)
        assert deliver() == 1
        assert len(receiver.wait_for(1)) == 1
    assert [(d["status_code"], d["error"]) for d in deliveries(client, admin, hook["id"])] == [(302, "answered 302")]


def test_only_subscribed_types_are_delivered(api, client, register, receiver, deliver):
    register(receiver.url, ["withdrawal.posted"])
    _, headers = api.customer()
    account = api.funded_account(headers, 1_000)  # account.opened, deposit.posted: not subscribed
    client.post(
        f"/api/v1/accounts/{account['id']}/withdrawals", json={"amount_cents": 100, "pin": PIN}, headers=headers
    )
    assert deliver() == 1
    requests = receiver.wait_for(1)
    assert [json.loads(r.body)["type"] for r in requests] == ["withdrawal.posted"]


def test_a_hook_gets_events_from_its_registration_on(api, services, register, receiver, deliver):
    _, headers = api.customer()
    api.account(headers)
    services.uow.seal()  # PostgreSQL: a hook starts after the newest numbered event, and the sealer numbers them
    register(receiver.url)
    assert deliver() == 0
    api.account(headers)
    assert deliver() == 1


def test_a_deleted_hook_is_silent(app, api, client, admin, register, deliver):
    with Receiver([500]) as receiver:
        hook = register(receiver.url)
        _, headers = api.customer()
        api.account(headers)
        assert deliver() == 1
        assert client.delete(f"/api/v1/webhooks/{hook['id']}", headers=admin[1]).status_code == 204
        make_due_now(app)
        api.account(headers)
        assert deliver() == 0
        time.sleep(0.2)
        assert len(receiver.requests) == 1
    assert client.get("/api/v1/webhooks", headers=admin[1]).json["items"] == []
    assert_problem(client.delete(f"/api/v1/webhooks/{hook['id']}", headers=admin[1]), 404, "not_found")
    assert_problem(client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=admin[1]), 404, "not_found")


@pytest.mark.parametrize("role", ["teller", "customer"])
def test_webhooks_are_for_admins_only(api, client, role, receiver, audit):
    headers = api.staff("teller")[1] if role == "teller" else api.customer()[1]
    assert_problem(
        client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["*"]}, headers=headers), 403, "forbidden"
    )
    assert_problem(client.get("/api/v1/webhooks", headers=headers), 403, "forbidden")
    assert_problem(client.delete("/api/v1/webhooks/1", headers=headers), 403, "forbidden")
    assert [r["outcome"] for r in audit(action="webhook.create")] == ["denied"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"url": "ftp://example.com/x", "events": ["*"]}, ["url"]),
        ({"url": "http://user:pw@example.com/x", "events": ["*"]}, ["url"]),
        ({"url": "https://example.com/x", "events": []}, ["events"]),
        ({"url": "https://example.com/x", "events": ["deposit.made"]}, ["events"]),
        ({"url": "https://example.com/x", "events": ["*", "deposit.posted"]}, ["events"]),
        ({"url": "nope", "events": ["nope"]}, ["url", "events"]),
        ({"url": "https://example.com/x"}, ["events"]),
        ({"url": "https://example.com/x", "events": ["*"], "secret": "mine"}, ["secret"]),
    ],
)
def test_bad_registrations_are_422_listing_every_field(client, admin, body, fields, monkeypatch):
    monkeypatch.setattr(webhook_targets, "resolve", lambda host, port: ["93.184.215.14"])
    body = assert_problem(client.post("/api/v1/webhooks", json=body, headers=admin[1]), 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == fields


def test_flask_deliver_webhooks_runs_one_pass(app, api, register, receiver, services):
    register(receiver.url, ["account.opened"])
    _, headers = api.customer()
    api.account(headers)
    services.uow.seal()
    result = app.test_cli_runner().invoke(args=["deliver-webhooks"])
    assert (result.exit_code, result.output) == (0, "delivery attempts made: 1\n")
    assert len(receiver.wait_for(1)) == 1
