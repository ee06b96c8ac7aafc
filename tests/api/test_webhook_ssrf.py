"""SSRF rules of SPEC section 16: a webhook never points at loopback, private, link-local or
metadata addresses (WEBHOOK_ALLOW_PRIVATE unset), checked at registration and again at delivery."""

from __future__ import annotations

import pytest

from services import webhook_targets
from services.webhook_targets import RefusedTarget, check_target
from tests.api.helpers import assert_problem
from tests.support.receiver import Receiver


def register(client, admin, url):
    return client.post("/api/v1/webhooks", json={"url": url, "events": ["*"]}, headers=admin[1])


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:8080/hook", "a loopback address"),
        ("http://[::1]/hook", "a loopback address"),
        ("http://10.0.0.8/hook", "a private address"),
        ("http://192.168.1.20/hook", "a private address"),
        ("http://172.16.5.4/hook", "a private address"),
        ("http://169.254.10.10/hook", "a link-local address"),
        ("http://169.254.169.254/latest/meta-data/", "a cloud metadata address"),
        ("http://[fd00:ec2::254]/", "a cloud metadata address"),
        ("http://[::ffff:127.0.0.1]/hook", "a loopback address"),
        ("http://0.0.0.0/hook", "a private address"),
        ("http://100.100.100.200/latest/meta-data/", "not a public address"),
        ("http://localhost:9/hook", "a loopback address"),  # a name that resolves to one
    ],
)
def test_a_hook_on_a_non_public_address_is_refused(client, admin, url, why):
    body = assert_problem(register(client, admin, url), 422, "validation_error")
    assert body["errors"][0]["field"] == "url"
    assert why in body["errors"][0]["message"]
    assert client.get("/api/v1/webhooks", headers=admin[1]).json["items"] == []


def test_a_name_resolving_to_a_private_address_is_refused(client, admin, monkeypatch):
    answers = {"hooks.partner.example": ["93.184.215.14", "10.20.30.40"]}  # one bad answer is enough
    monkeypatch.setattr(webhook_targets, "resolve", lambda host, port: answers[host])
    body = assert_problem(register(client, admin, "https://hooks.partner.example/in"), 422, "validation_error")
    assert "a private address" in body["errors"][0]["message"] and "10.20.30.40" in body["errors"][0]["message"]


def test_a_name_that_does_not_resolve_yet_is_registered_and_refused_at_each_delivery(client, admin, services, api):
    """Nothing is known of a name that does not resolve (a machine without DNS, a record not published
    yet), so registration accepts it; each delivery resolves it again and sends nothing until it
    resolves to a public address. The attempt is recorded and retried."""
    hook = register(client, admin, "https://nowhere.invalid/hook")
    assert hook.status_code == 201, hook.json
    _, headers = api.customer()
    api.account(headers)
    services.uow.seal()
    assert services.deliver_webhooks() == 1
    items = client.get(f"/api/v1/webhooks/{hook.json['id']}/deliveries", headers=admin[1]).json["items"]
    assert [(d["status_code"], d["error"]) for d in items] == [
        (None, "refused: host 'nowhere.invalid' does not resolve")
    ]
    assert items[0]["next_attempt_at"] is not None


def test_the_address_is_checked_again_at_delivery(client, admin, services, monkeypatch, api):
    """A name that resolved to a public address when registered and to loopback since (DNS
    rebinding) is refused at delivery: no request reaches the address."""
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        answers = {"hooks.partner.example": ["93.184.215.14"]}
        monkeypatch.setattr(webhook_targets, "resolve", lambda host, p: answers[host])
        hook = register(client, admin, f"http://hooks.partner.example:{port}/in")
        assert hook.status_code == 201
        answers["hooks.partner.example"] = ["127.0.0.1"]
        _, headers = api.customer()
        api.account(headers)
        services.uow.seal()
        assert services.deliver_webhooks() == 1
        assert receiver.requests == []
    items = client.get(f"/api/v1/webhooks/{hook.json['id']}/deliveries", headers=admin[1]).json["items"]
    assert [(d["status_code"], d["error"].split(" (")[0]) for d in items] == [
        (None, "refused: must not point at a loopback address")
    ]
    assert items[0]["next_attempt_at"] is not None  # retried later: the name may be fixed


def test_production_accepts_https_only():
    with pytest.raises(RefusedTarget, match="https://"):
        check_target("http://93.184.215.14/hook", allow_private=False, allow_http=False)
    assert check_target("https://93.184.215.14/hook", allow_private=False, allow_http=False).address == "93.184.215.14"


def test_the_delivery_connects_to_the_checked_address_by_its_name():
    target = check_target("https://93.184.215.14:8443/in?x=1", allow_private=False, allow_http=False)
    assert (target.pinned_url, target.host_header) == ("https://93.184.215.14:8443/in?x=1", "93.184.215.14:8443")
