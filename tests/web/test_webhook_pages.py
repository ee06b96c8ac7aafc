"""Admin webhook pages (SPEC 16, issue 13): the list, registering (the secret shown once, refusals
on their fields in words), deleting with confirmation and a reason, the deliveries seen by a real
receiver on 127.0.0.1, and "Send again". Tellers and customers are refused."""

from __future__ import annotations

import dataclasses
import re

import pytest

from entities.users import Actor, Role
from tests.support.receiver import Receiver


@pytest.fixture
def app_config(app_config):
    # The receiver listens on 127.0.0.1, which SPEC 16 refuses unless told otherwise.
    return {**app_config, "WEBHOOK_ALLOW_PRIVATE": True, "WEBHOOK_RETRY_SECONDS": 1, "WEBHOOK_MAX_ATTEMPTS": 3}


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


def deliver(services):
    services.uow.seal()  # PostgreSQL numbers events after commit
    return services.deliver_webhooks()


def hooks(web):
    return web.services.webhooks.list(Actor(user_id=0, role=Role.ADMIN))


def register(web, url, events=("*",), description="ERP sync", htmx=False):
    return web.post("/admin/webhooks", {"url": url, "events": list(events), "description": description}, htmx=htmx)


def test_an_admin_registers_a_webhook_and_sees_its_secret_once(web, client, receiver):
    web.staff("admin")
    response = register(web, receiver.url, ["transfer.posted", "account.frozen"], htmx=True)
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    secret = re.search(r'<textarea id="new-secret"[^>]*>(whsec_[^<]+)</textarea>', html).group(1)
    assert "only time the bank shows it" in html and "verifies every delivery" in html
    assert "webhooks-changed" in response.headers["HX-Trigger"]
    (hook,) = hooks(web)
    assert web.services.webhooks.secrets.revealed(hook) == secret  # stored encrypted, the one shown
    assert hook.events == ["transfer.posted", "account.frozen"]
    listed = client.get("/admin/webhooks").get_data(as_text=True)
    assert receiver.url in listed and "Transfer, Account frozen" in listed and "ERP sync" in listed
    assert secret not in listed  # shown once: never again
    assert "transfer.posted, account.frozen" not in listed  # words, not codes


def test_every_event_is_one_checkbox(web, client, receiver):
    web.staff("admin")
    assert register(web, receiver.url, ["*", "transfer.posted"]).status_code == 201
    assert "Every event" in client.get("/admin/webhooks").get_data(as_text=True)
    assert hooks(web)[0].events == ["*"]


def test_refusals_show_on_their_fields_in_words(web, client):
    web.staff("admin")
    response = web.post("/admin/webhooks", {"url": "", "description": "x"}, htmx=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="webhook-url-error">Enter the receiver' in html
    assert 'id="webhook-events-error">Choose at least one event, or every event.' in html
    assert 'value="x"' in html  # what was typed stays
    assert hooks(web) == []


def test_an_address_inside_the_bank_is_refused_on_the_url_field(web, client, monkeypatch):
    webhooks = web.services.webhooks
    monkeypatch.setattr(webhooks, "settings", dataclasses.replace(webhooks.settings, webhook_allow_private=False))
    web.staff("admin")
    response = register(web, "http://127.0.0.1:9/hooks", ["deposit.posted"])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="webhook-url-error">Must not point at a loopback address[^<]*\.</p>', html)
    assert 'value="deposit.posted" checked' in html


def test_deleting_asks_for_a_reason_and_the_audit_keeps_it(web, client, receiver):
    web.staff("admin")
    register(web, receiver.url)
    (hook,) = hooks(web)
    page = client.get("/admin/webhooks").get_data(as_text=True)
    assert "Delete…" in page and "Reason for deleting" in page  # a confirmation step
    refused = web.post(f"/admin/webhooks/{hook.id}/delete", {"reason": " "}, htmx=True)
    assert refused.status_code == 422
    assert f'id="delete-{hook.id}-reason-error"' in refused.get_data(as_text=True)
    assert len(hooks(web)) == 1
    deleted = web.post(f"/admin/webhooks/{hook.id}/delete", {"reason": "Partner left"}, htmx=True)
    assert deleted.status_code == 200 and "is deleted" in deleted.headers["HX-Trigger"]
    assert hooks(web) == []
    (details,) = web.sql("SELECT details FROM audit_log WHERE action = 'webhook.delete'")[0]
    assert "Partner left" in details
    assert receiver.url not in client.get("/admin/webhooks").get_data(as_text=True)


def test_deliveries_show_and_an_event_is_sent_again(web, client, receiver):
    customer = web.user("Grace Hopper")
    account = web.account(customer)
    web.staff("admin")
    register(web, receiver.url, ["deposit.posted"])
    (hook,) = hooks(web)
    web.services.ledger.deposit(web.actor(customer), account.id, 12_50)
    assert deliver(web.services) == 1
    first = receiver.wait_for(1)[0]
    html = client.get(f"/admin/webhooks/{hook.id}/deliveries", headers={"HX-Request": "true"}).get_data(as_text=True)
    event_id = first.headers["webhook-id"]
    assert f'Cash deposit <span class="muted small">event #{event_id}</span>' in html
    assert "Delivered" in html and "HTTP 200" in html and "None needed" in html
    assert " UTC</time>" in html
    (delivery_id,) = set(re.findall(r"/deliveries/(\d+)/redeliver", html))
    again = web.post(f"/admin/webhooks/{hook.id}/deliveries/{delivery_id}/redeliver", htmx=True)
    assert again.status_code == 200
    assert f"deliveries-changed-{hook.id}" in again.headers["HX-Trigger"]
    assert f"Event #{event_id} will be sent again" in again.headers["HX-Trigger"]
    assert deliver(web.services) == 1
    second = receiver.wait_for(2)[1]
    assert second.headers["webhook-id"] == event_id and second.body == first.body
    html = client.get("/admin/webhooks").get_data(as_text=True)
    assert len(set(re.findall(r"/deliveries/(\d+)/redeliver", html))) == 2  # attempts 1 and 2, newest first
    assert re.search(r'data-label="Attempt">2</td>.*data-label="Attempt">1</td>', html, re.S)


def test_failed_deliveries_say_why_and_when_the_next_attempt_is(web, client):
    customer = web.user("Grace Hopper")
    account = web.account(customer)
    web.staff("admin")
    with Receiver([500]) as failing:
        register(web, failing.url, ["deposit.posted"])
        web.services.ledger.deposit(web.actor(customer), account.id, 1_00)
        assert deliver(web.services) == 1
        failing.wait_for(1)
    html = client.get("/admin/webhooks").get_data(as_text=True)
    assert "Failed" in html and "answered 500" in html
    assert re.search(r'data-label="Next attempt" class="small"><time datetime=', html)


@pytest.mark.parametrize("role", ["teller", "customer"])
def test_tellers_and_customers_are_refused(web, client, receiver, role):
    if role == "customer":
        web.customer()
    else:
        web.staff("teller")
    assert client.get("/admin/webhooks").status_code == 403
    assert register(web, receiver.url).status_code == 403
    assert web.sql("SELECT COUNT(*) FROM webhooks")[0][0] == 0
    assert "/admin/webhooks" not in client.get("/").get_data(as_text=True)
