"""Card secrets at rest: the database file alone never reveals a PAN (the CVV is not stored at all:
see test_cvv_is_never_stored.py), and key rotation re-encrypts every card under the newest key."""

import sqlite3

import pytest
from cryptography.fernet import Fernet, InvalidToken

from app import create_app
from repository import db
from tests.conftest import ApiHelper

OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def card_config(app_config):
    # Fixed secrets: several apps over one database must agree on everything but CARD_KEYS.
    names = ("SECRET_KEY", "JWT_SECRET", "PIN_PEPPER", "AUDIT_KEY")
    secrets = {name: f"test-{name.lower()}-" + "x" * 32 for name in names}
    return {**app_config, **secrets, "CARD_KEYS": OLD_KEY}


def _issue_cards(app, count=3):
    """Issue ``count`` cards through the API; returns the issue answers (with PAN and CVV)."""
    api = ApiHelper(app.test_client(), app.extensions["corebank"])
    _, headers = api.customer()
    issued = []
    for _ in range(count):
        account = api.funded_account(headers, 5_000)
        response = api.client.post(f"/api/v1/accounts/{account['id']}/card", headers=headers)
        assert response.status_code == 201
        issued.append(response.json)
    # A purchase too: merchant names, audit records and idempotency rows must not carry card secrets either.
    purchase = {"amount_cents": 100, "merchant": "Corner Coffee", "pin": "1234"}
    response = api.client.post(
        f"/api/v1/cards/{issued[0]['id']}/purchases", json=purchase, headers={**headers, "Idempotency-Key": "k"}
    )
    assert response.status_code == 201
    return api, headers, issued


def _every_value(conn):
    """Every text and blob value of every table (sqlite_master included)."""
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in [*tables, "sqlite_master"]:
        for row in conn.execute(f'SELECT * FROM "{table}"'):
            for value in row:
                if isinstance(value, bytes):
                    yield table, value.decode("latin-1")
                elif isinstance(value, str):
                    yield table, value
                elif isinstance(value, int) and value > 10**12:
                    yield table, str(value)


def _stored_tokens(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT id, pan_encrypted FROM cards ORDER BY id").fetchall()
    finally:
        conn.close()


def test_the_database_file_holds_no_pan_or_cvv_in_clear(card_config):
    app = create_app(card_config)
    path = db.sqlite_path(card_config["DATABASE_URL"])
    # Hold a connection open so the write-ahead log is not checkpointed away while we look at it.
    watcher = sqlite3.connect(path)
    watcher.execute("SELECT 1 FROM cards").fetchall()
    try:
        _, _, issued = _issue_cards(app)
        with open(path + "-wal", "rb") as handle:
            wal = handle.read()
        # The log really holds the new card rows: their ciphertext is there, their PAN is not.
        assert all(token.encode() in wal for _, token in _stored_tokens(path))
        for card in issued:
            assert card["pan"].encode() not in wal and card["pan"][:12].encode() not in wal
    finally:
        watcher.close()
    with open(path, "rb") as handle:
        main_file = handle.read()
    conn = sqlite3.connect(path)
    try:
        values = list(_every_value(conn))
        assert any(table == "cards" for table, _ in values)
        for card in issued:
            assert card["pan"].encode() not in main_file and card["pan"][:12].encode() not in main_file
            for table, value in values:
                assert card["pan"] not in value and card["pan"][:12] not in value, table
                assert value != card["cvv"], table
                assert f'"cvv": "{card["cvv"]}"' not in value and f'"pan": "{card["pan"]}"' not in value, table
    finally:
        conn.close()
    # The stored tokens are what hold the secrets: they open only with the key from the environment.
    for (_, pan_token), card in zip(_stored_tokens(path), issued, strict=True):
        assert Fernet(OLD_KEY).decrypt(pan_token.encode()).decode() == card["pan"]


def test_the_database_refuses_a_plaintext_pan(card_config, api):
    _, headers = api.customer()
    account = api.account(headers)
    conn = sqlite3.connect(db.sqlite_path(card_config["DATABASE_URL"]))
    try:
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            conn.execute(
                "INSERT INTO cards (account_id, pan_last4, pan_encrypted, expiry_month, expiry_year, created_at)"
                " VALUES (?, '1111', '4111111111111111', 1, 2030, 'now')",
                (account["id"],),
            )
    finally:
        conn.close()


def test_key_rotation_leaves_every_card_readable_under_the_new_key_only(card_config):
    old_app = create_app(card_config)
    api, headers, issued = _issue_cards(old_app)
    path = db.sqlite_path(card_config["DATABASE_URL"])
    before = _stored_tokens(path)

    rotating = create_app({**card_config, "CARD_KEYS": f"{NEW_KEY},{OLD_KEY}"})
    result = rotating.test_cli_runner().invoke(args=["rotate-card-keys"])
    assert (result.exit_code, result.output) == (
        0,
        "re-encrypted 3 card(s), 0 second-factor secret(s) and 0 webhook signing secret(s) under the newest key\n",
    )

    after = _stored_tokens(path)
    assert [row[0] for row in after] == [row[0] for row in before]
    for (_, pan_token), (_, old_pan), card in zip(after, before, issued, strict=True):
        assert pan_token != old_pan
        assert Fernet(NEW_KEY).decrypt(pan_token.encode()).decode() == card["pan"]
        with pytest.raises(InvalidToken):
            Fernet(OLD_KEY).decrypt(pan_token.encode())

    # With the old key gone from the configuration the cards still work and still rotate.
    new_only = create_app({**card_config, "CARD_KEYS": NEW_KEY})
    services = new_only.extensions["corebank"]
    assert [services.cards.cipher.decrypt(row[1]) for row in after] == [card["pan"] for card in issued]
    client = new_only.test_client()
    shown = client.get(f"/api/v1/accounts/{issued[1]['account_id']}/card", headers=headers)
    assert (shown.status_code, shown.json["pan_last4"]) == (200, issued[1]["pan_last4"])
    again = new_only.test_cli_runner().invoke(args=["rotate-card-keys"])
    assert again.exit_code == 0
    with services.uow(write=False) as uow:
        [audit, *_] = uow.audit.list(limit=1, action="card.keys_rotate")
    assert (audit.outcome, audit.details) == ("success", {"cards": 3})


def test_rotation_without_the_key_a_card_needs_fails_and_changes_nothing(card_config):
    _issue_cards(create_app(card_config), count=1)
    path = db.sqlite_path(card_config["DATABASE_URL"])
    before = _stored_tokens(path)
    wrong = create_app({**card_config, "CARD_KEYS": NEW_KEY})
    result = wrong.test_cli_runner().invoke(args=["rotate-card-keys"])
    assert result.exit_code == 1
    assert "not readable under any key" in result.output
    assert _stored_tokens(path) == before


def test_key_rotation_re_encrypts_second_factor_secrets_too(card_config, totp):
    """SPEC 15: the TOTP secret is encrypted at rest like the PAN, and rotates with it."""
    from tests.support.totp import enrol, login_with_code

    old_app = create_app(card_config)
    api = ApiHelper(old_app.test_client(), old_app.extensions["corebank"])
    user, headers = api.customer()
    secret, _ = enrol(api.client, headers, totp)
    path = db.sqlite_path(card_config["DATABASE_URL"])
    conn = sqlite3.connect(path)
    try:
        (before,) = conn.execute("SELECT secret_enc FROM mfa_factors").fetchone()
    finally:
        conn.close()
    assert Fernet(OLD_KEY).decrypt(before.encode()).decode() == secret

    rotating = create_app({**card_config, "CARD_KEYS": f"{NEW_KEY},{OLD_KEY}"})
    result = rotating.test_cli_runner().invoke(args=["rotate-card-keys"])
    assert (result.exit_code, result.output) == (
        0,
        "re-encrypted 0 card(s), 1 second-factor secret(s) and 0 webhook signing secret(s) under the newest key\n",
    )

    conn = sqlite3.connect(path)
    try:
        (after,) = conn.execute("SELECT secret_enc FROM mfa_factors").fetchone()
    finally:
        conn.close()
    assert Fernet(NEW_KEY).decrypt(after.encode()).decode() == secret
    with pytest.raises(InvalidToken):
        Fernet(OLD_KEY).decrypt(after.encode())
    # The new key alone still signs the user in with a code.
    new_only = create_app({**card_config, "CARD_KEYS": NEW_KEY})
    login_with_code(new_only.test_client(), user["email"], secret, totp)
