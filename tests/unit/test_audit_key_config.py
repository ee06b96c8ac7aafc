"""AUDIT_KEY (SPEC sections 7 and 11): production refuses to start without a strong one; development
generates it once into instance/secrets.json (0600), also into a file an earlier version wrote."""

from __future__ import annotations

import json
import os
import stat

import pytest
from cryptography.fernet import Fernet

from app.config import ConfigError, load_config

STRONG = "x" * 40
EARLIER_SECRETS = {
    "SECRET_KEY": "s" * 64,
    "JWT_SECRET": "j" * 64,
    "PIN_PEPPER": "p" * 64,
    "CARD_KEYS": Fernet.generate_key().decode(),
}


@pytest.fixture
def env(monkeypatch):
    for name in ("SECRET_KEY", "JWT_SECRET", "PIN_PEPPER", "CARD_KEYS", "AUDIT_KEY", "COREBANK_ENV"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _production(env, **values):
    env.setenv("COREBANK_ENV", "production")
    secrets = {
        "SECRET_KEY": STRONG,
        "JWT_SECRET": STRONG,
        "PIN_PEPPER": STRONG,
        "CARD_KEYS": EARLIER_SECRETS["CARD_KEYS"],
    }
    for name, value in {**secrets, **values}.items():
        env.setenv(name, value)


def test_production_without_an_audit_key_refuses_to_start(env, tmp_path):
    _production(env)
    with pytest.raises(ConfigError, match="AUDIT_KEY is missing or weak"):
        load_config(tmp_path)
    assert not (tmp_path / "secrets.json").exists()


def test_production_with_a_weak_audit_key_refuses_to_start(env, tmp_path):
    _production(env, AUDIT_KEY="y" * 31)
    with pytest.raises(ConfigError, match="AUDIT_KEY is missing or weak: production needs at least 32 characters"):
        load_config(tmp_path)


def test_production_with_a_strong_audit_key_starts(env, tmp_path):
    _production(env, AUDIT_KEY="k" * 32)
    assert load_config(tmp_path)["AUDIT_KEY"] == "k" * 32


def test_development_generates_the_audit_key_once(env, tmp_path):
    env.setenv("COREBANK_ENV", "development")
    first = load_config(tmp_path)["AUDIT_KEY"]
    path = tmp_path / "secrets.json"
    assert len(first) >= 32
    assert json.loads(path.read_text())["AUDIT_KEY"] == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_config(tmp_path)["AUDIT_KEY"] == first


def test_development_adds_the_audit_key_to_an_earlier_secrets_file(env, tmp_path):
    env.setenv("COREBANK_ENV", "development")
    path = tmp_path / "secrets.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(EARLIER_SECRETS, handle)

    config = load_config(tmp_path)

    stored = json.loads(path.read_text())
    assert stored == {**EARLIER_SECRETS, "AUDIT_KEY": config["AUDIT_KEY"]}
    assert {name: config[name] for name in EARLIER_SECRETS} == EARLIER_SECRETS
    assert len(config["AUDIT_KEY"]) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secrets.json", "secrets.json.lock"]
    assert load_config(tmp_path)["AUDIT_KEY"] == config["AUDIT_KEY"]


def test_an_audit_key_from_the_environment_wins_in_development(env, tmp_path):
    env.setenv("COREBANK_ENV", "development")
    env.setenv("AUDIT_KEY", STRONG)
    assert load_config(tmp_path)["AUDIT_KEY"] == STRONG


def test_tests_get_a_throwaway_audit_key(env, tmp_path):
    env.setenv("COREBANK_ENV", "test")
    first, second = load_config(tmp_path)["AUDIT_KEY"], load_config(tmp_path)["AUDIT_KEY"]
    assert len(first) >= 32
    assert first != second
    assert not (tmp_path / "secrets.json").exists()
