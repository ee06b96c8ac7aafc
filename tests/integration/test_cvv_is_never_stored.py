"""The CVV is shown once, at issue, and never stored, not even encrypted (SPEC section 5, PCI DSS v4
3.3.1.2); migration 0005 erases the CVVs that cards issued before this rule kept."""

import re
import sqlite3
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken

from app import create_app
from entities.clock import now_iso
from entities.users import User
from repository import db, migrations
from repository.users import UserRepository
from tests.conftest import ApiHelper
from tests.support.scratch import scratch_dir

CARD_KEY = Fernet.generate_key().decode()
CARD_COLUMNS = {"id", "account_id", "pan_last4", "pan_encrypted", "expiry_month", "expiry_year", "status", "created_at"}
# A Fernet token as it sits in a page of the file: version byte 0x80, base64url, 100+ characters.
FERNET_TOKEN = re.compile(rb"gAAAAA[A-Za-z0-9_\-]{90,}={0,2}")
ERASED_VERSION = 5


@pytest.fixture
def db_dir(tmp_path):
    yield from scratch_dir(tmp_path)


def _raw_bytes(path: str) -> bytes:
    """The database file and its write-ahead log, as they lie on disk."""
    data = Path(path).read_bytes()
    wal = Path(path + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def _plaintexts_of_every_token(raw: bytes) -> set[str]:
    """What each Fernet token in the raw bytes decrypts to under the card key (a token that the key
    does not open, or a fragment of one, is no card secret of ours)."""
    opened = set()
    for token in set(FERNET_TOKEN.findall(raw)):
        try:
            opened.add(Fernet(CARD_KEY).decrypt(token).decode())
        except InvalidToken:
            continue
    return opened


def _card_columns(conn) -> set[str]:
    return {row[1] for row in conn.execute("PRAGMA table_info(cards)")}


def test_an_issued_cards_cvv_is_nowhere_in_the_database_file_or_its_wal(app_config):
    config = {**app_config, "CARD_KEYS": CARD_KEY}
    app = create_app(config)
    path = db.sqlite_path(config["DATABASE_URL"])
    watcher = sqlite3.connect(path)  # an open reader keeps the new rows in the WAL, not yet checkpointed
    watcher.execute("SELECT 1 FROM cards").fetchall()
    try:
        api = ApiHelper(app.test_client(), app.extensions["corebank"])
        _, headers = api.customer()
        issued = []
        for _ in range(3):
            account = api.account(headers)
            response = api.client.post(f"/api/v1/accounts/{account['id']}/card", headers=headers)
            assert response.status_code == 201, response.json
            assert re.fullmatch(r"[0-9]{3}", response.json["cvv"])
            issued.append(response.json)
        raw = _raw_bytes(path)
    finally:
        watcher.close()
    # Every token in the file and the log is a PAN: no CVV was ever encrypted and written.
    assert _plaintexts_of_every_token(raw) == {card["pan"] for card in issued}
    # No plaintext either: nothing names a CVV but the record of the migration that erased them.
    assert [m for m in re.findall(rb".{0,12}cvv.{0,12}", raw, re.IGNORECASE) if b"erase_cvv" not in m] == []
    conn = sqlite3.connect(path)
    try:
        assert _card_columns(conn) == CARD_COLUMNS
    finally:
        conn.close()


def _legacy_database(database_url: str, monkeypatch) -> sqlite3.Connection:
    """A database migrated up to the version before 0005, as cards were stored before the rule."""
    every = migrations.available()
    monkeypatch.setattr(migrations, "available", lambda backend="sqlite": [m for m in every if m[0] < ERASED_VERSION])
    conn = db.connect(database_url)
    migrations.upgrade(conn)
    monkeypatch.setattr(migrations, "available", lambda backend="sqlite": every)
    return conn


def _legacy_card(conn) -> tuple[str, str]:
    """Insert a card the old way, PAN and CVV both as Fernet tokens; returns (pan token, cvv token)."""
    pan_token = Fernet(CARD_KEY).encrypt(b"4111111111111111").decode()
    cvv_token = Fernet(CARD_KEY).encrypt(b"042").decode()
    conn.execute("BEGIN IMMEDIATE")
    user = UserRepository(conn).add(User(None, "legacy@example.com", "Legacy Holder", "hash", created_at=now_iso()))
    # The schema of that release: today's AccountRepository writes columns added later (0007).
    account_id = conn.execute(
        "INSERT INTO accounts (number, owner_id, type, currency, created_at)"
        " VALUES ('4000000001', ?, 'checking', 'USD', ?) RETURNING id",
        (user.id, now_iso()),
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO cards (account_id, pan_last4, pan_encrypted, cvv_encrypted, expiry_month, expiry_year,"
        " status, created_at) VALUES (?, '1111', ?, ?, 3, 2029, 'frozen', '2025-03-01T00:00:00.000000Z')",
        (account_id, pan_token, cvv_token),
    )
    conn.execute("COMMIT")
    # Checkpointed into the main file, where a plain DROP would leave it in a free page.
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return pan_token, cvv_token


def test_the_migration_erases_a_legacy_stored_cvv_and_keeps_the_card(db_dir, monkeypatch):
    database_url = f"sqlite:///{db_dir / 'legacy.db'}"
    path = db.sqlite_path(database_url)
    conn = _legacy_database(database_url, monkeypatch)
    try:
        assert "cvv_encrypted" in _card_columns(conn)
        pan_token, cvv_token = _legacy_card(conn)
        assert cvv_token.encode() in _raw_bytes(path)  # the search below looks at the right bytes

        applied = migrations.upgrade(conn, audit_key=b"k" * 32)
        assert applied[0] == "0005_erase_cvv.sql"

        assert _card_columns(conn) == CARD_COLUMNS
        card = conn.execute("SELECT account_id, pan_last4, pan_encrypted, status FROM cards").fetchone()
        assert tuple(card)[1:] == ("1111", pan_token, "frozen")
        indexes = {row[1] for row in conn.execute("PRAGMA index_list(cards)")}
        assert {"cards_one_per_account", "cards_account"} <= indexes
    finally:
        db.close(database_url, conn)
    raw = _raw_bytes(path)
    assert cvv_token.encode() not in raw and cvv_token[:40].encode() not in raw
    assert _plaintexts_of_every_token(raw) == {"4111111111111111"}


def test_after_the_migration_a_card_cannot_be_given_a_cvv(db_dir):
    database_url = f"sqlite:///{db_dir / 'fresh.db'}"
    conn = db.connect(database_url)
    try:
        migrations.upgrade(conn)
        with pytest.raises(sqlite3.OperationalError, match="cvv_encrypted"):
            conn.execute("SELECT cvv_encrypted FROM cards")
    finally:
        db.close(database_url, conn)
