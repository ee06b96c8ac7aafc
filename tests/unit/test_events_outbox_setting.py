"""EVENTS_OUTBOX (issue 13): the bench turns the events outbox off to measure what writing events costs
on the transfer path. Production refuses to start with it off; on (the default) every change writes
its event (tests/api/test_events.py covers each kind)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from app import create_app
from app.config import ConfigError, load_config
from entities.users import Actor, Role
from tests.conftest import PASSWORD, PIN

STRONG = "x" * 40


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("COREBANK_ENV", "production")
    for name in ("SECRET_KEY", "JWT_SECRET", "PIN_PEPPER", "AUDIT_KEY"):
        monkeypatch.setenv(name, STRONG)
    monkeypatch.setenv("CARD_KEYS", Fernet.generate_key().decode())
    return monkeypatch


def test_production_refuses_to_start_without_the_events_outbox(production, tmp_path):
    production.setenv("EVENTS_OUTBOX", "false")
    with pytest.raises(ConfigError, match="EVENTS_OUTBOX=false is for the bench only"):
        load_config(tmp_path)


def test_production_refuses_it_from_a_callers_config_too(tmp_path):
    config = {
        "COREBANK_ENV": "production",
        "EVENTS_OUTBOX": False,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'corebank.db'}",
        "LOG_DIR": str(tmp_path / "logs"),
    }
    with pytest.raises(ConfigError, match="EVENTS_OUTBOX"):
        create_app(config)


def test_production_starts_with_the_default(production, tmp_path):
    production.delenv("EVENTS_OUTBOX", raising=False)
    assert load_config(tmp_path)["EVENTS_OUTBOX"] is True


def _deposit_events(tmp_path, **config) -> list[str]:
    app = create_app(
        {
            "COREBANK_ENV": "test",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'corebank.db'}",
            "BCRYPT_COST": 4,
            "LOG_DIR": str(tmp_path / "logs"),
            **config,
        }
    )
    services = app.extensions["corebank"]
    user = services.identity.register(Actor(), "outbox@example.com", PASSWORD, "Out Box", role=Role.CUSTOMER)
    actor = Actor(user_id=user.id, role=user.role)
    account = services.accounts.open(actor, "checking", PIN)
    services.ledger.deposit(actor, account.id, 1_00)
    staff = Actor(user_id=None, role=Role.ADMIN)
    events, _ = services.events.list(staff, after=0, limit=50)
    return [event.type for event in events]


def test_with_the_outbox_on_every_change_writes_its_event(tmp_path):
    assert _deposit_events(tmp_path) == ["account.opened", "deposit.posted"]


def test_with_the_outbox_off_changes_write_no_event(tmp_path):
    assert _deposit_events(tmp_path, EVENTS_OUTBOX=False) == []
