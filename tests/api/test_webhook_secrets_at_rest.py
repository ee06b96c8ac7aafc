"""Webhook signing secrets at rest (SPEC 16, like the PAN in SPEC 5): the database holds a Fernet
token under CARD_KEYS, never the secret; deliveries are still signed with the secret shown once;
`flask rotate-card-keys` re-encrypts them (and encrypts one kept in clear before this rule); a
secret no configured key reads is never used to send anything."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from app import create_app
from tests.api.helpers import raw_connection
from tests.api.test_webhooks import expected_signature
from tests.support.receiver import Receiver

OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def app_config(app_config):
    # Fixed secrets: several apps over one database must agree on everything but CARD_KEYS.
    names = ("SECRET_KEY", "JWT_SECRET", "PIN_PEPPER", "AUDIT_KEY")
    fixed = {name: f"test-{name.lower()}-" + "x" * 32 for name in names}
    return {**app_config, **fixed, "CARD_KEYS": OLD_KEY, "WEBHOOK_ALLOW_PRIVATE": True}


def _stored(app) -> list[tuple[int, str]]:
    db = raw_connection(app)
    try:
        return [tuple(row) for row in db.execute("SELECT id, secret FROM webhooks ORDER BY id").fetchall()]
    finally:
        db.close()


def _register(client, admin, url) -> dict:
    response = client.post("/api/v1/webhooks", json={"url": url, "events": ["*"]}, headers=admin[1])
    assert response.status_code == 201, response.json
    return response.json


def _keep_in_clear(app, hook: dict) -> None:
    """As a hook registered before secrets were encrypted held its secret."""
    db = raw_connection(app)
    try:
        db.execute("UPDATE webhooks SET secret = ? WHERE id = ?", (hook["secret"], hook["id"]))
    finally:
        db.close()


def _start_server(app) -> None:
    """What run.py does in a server process: start the webhook deliverer (here stopped at once)."""
    services = app.extensions["corebank"]
    services.start_delivery_worker()
    services.stop_delivery_worker()


def _delivered_signed(app, api, hook: dict, receiver) -> None:
    """A new event reaches the receiver signed with the secret shown at registration."""
    _, headers = api.customer()
    api.account(headers)
    services = app.extensions["corebank"]
    services.uow.seal()
    assert services.deliver_webhooks() >= 1
    request = receiver.wait_for(1)[-1]
    assert request.headers["webhook-signature"] == expected_signature(hook["secret"], request.headers, request.body)


def test_the_database_holds_a_token_not_the_secret_and_deliveries_still_verify(app, api, client, admin):
    with Receiver() as receiver:
        hook = _register(client, admin, receiver.url)
        [(hook_id, stored)] = _stored(app)
        assert hook_id == hook["id"]
        assert hook["secret"] not in stored and not stored.startswith("whsec_")
        assert Fernet(OLD_KEY.encode()).decrypt(stored.encode()).decode() == hook["secret"]
        _delivered_signed(app, api, hook, receiver)


def test_rotation_moves_secrets_to_the_new_key_and_encrypts_one_kept_in_clear(app, app_config, api, client, admin):
    with Receiver() as receiver:
        encrypted = _register(client, admin, receiver.url)
        legacy = _register(client, admin, receiver.url)
        _keep_in_clear(app, legacy)

        rotating = create_app({**app_config, "CARD_KEYS": f"{NEW_KEY},{OLD_KEY}"})
        result = rotating.test_cli_runner().invoke(args=["rotate-card-keys"])
        assert (result.exit_code, result.output) == (
            0,
            "re-encrypted 0 card(s), 0 second-factor secret(s) and 2 webhook signing secret(s) under the newest key\n",
        )
        stored = dict(_stored(app))
        for hook in (encrypted, legacy):
            assert Fernet(NEW_KEY.encode()).decrypt(stored[hook["id"]].encode()).decode() == hook["secret"]

        # The old key can go: an app with the new key only still signs both hooks' deliveries.
        new_only = create_app({**app_config, "CARD_KEYS": NEW_KEY})
        _, headers = api.customer()
        api.account(headers)
        services = new_only.extensions["corebank"]
        services.uow.seal()
        assert services.deliver_webhooks() == 2
        first, second = receiver.wait_for(2)

        def signed_by(request, hook):
            return request.headers["webhook-signature"] == expected_signature(
                hook["secret"], request.headers, request.body
            )

        # one delivery per hook, each signed with its own hook's secret
        assert (signed_by(first, encrypted) and signed_by(second, legacy)) or (
            signed_by(first, legacy) and signed_by(second, encrypted)
        )


def test_a_secret_no_key_reads_sends_nothing_and_says_why(app, app_config, api, client, admin):
    with Receiver() as receiver:
        hook = _register(client, admin, receiver.url)
        wrong_keys = create_app({**app_config, "CARD_KEYS": NEW_KEY})  # OLD_KEY dropped too early
        _, headers = api.customer()
        api.account(headers)
        services = wrong_keys.extensions["corebank"]
        services.uow.seal()
        assert services.deliver_webhooks() == 1
        assert receiver.requests == []  # nothing was sent, signed or not
    items = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=admin[1]).json["items"]
    assert [(d["attempt"], d["status_code"], d["error"]) for d in items] == [
        (1, None, "not sent: the signing secret is unreadable under the configured keys")
    ]
    assert items[0]["next_attempt_at"] is not None  # retried: the key may come back


def test_a_secret_an_older_version_kept_in_clear_is_encrypted_at_the_next_start(app, app_config, api, client, admin):
    with Receiver() as receiver:
        legacy = _register(client, admin, receiver.url)
        _keep_in_clear(app, legacy)
        restarted = create_app(app_config)  # the next start of the server, after an upgrade
        _start_server(restarted)
        [(hook_id, stored)] = _stored(app)
        assert hook_id == legacy["id"] and not stored.startswith("whsec_")
        assert Fernet(OLD_KEY.encode()).decrypt(stored.encode()).decode() == legacy["secret"]
        records = client.get("/api/v1/admin/audit?action=webhook.secret_encrypted", headers=admin[1]).json["items"]
        assert [(r["resource_id"], r["outcome"]) for r in records] == [(str(legacy["id"]), "success")]
        _start_server(create_app(app_config))  # a second start finds nothing left to encrypt
        assert (
            len(client.get("/api/v1/admin/audit?action=webhook.secret_encrypted", headers=admin[1]).json["items"]) == 1
        )
        _delivered_signed(restarted, api, legacy, receiver)
