"""SPEC section 11: production fails fast on missing or weak secrets; development generates them once (0600)."""

from __future__ import annotations

import stat
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from app.config import ConfigError, load_config
from repository.db import PROJECT_ROOT

STRONG = "x" * 40


@pytest.fixture
def env(monkeypatch):
    for name in ("SECRET_KEY", "JWT_SECRET", "PIN_PEPPER", "CARD_KEYS", "AUDIT_KEY", "COREBANK_ENV"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def production(env, **values):
    env.setenv("COREBANK_ENV", "production")
    for name, value in values.items():
        env.setenv(name, value)


def test_production_without_secrets_refuses_to_start(env, tmp_path):
    production(env)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(tmp_path)
    assert not (tmp_path / "secrets.json").exists()


def test_production_with_a_weak_jwt_secret_refuses_to_start(env, tmp_path):
    production(env, SECRET_KEY=STRONG, JWT_SECRET="short", PIN_PEPPER=STRONG, CARD_KEYS=Fernet.generate_key().decode())
    with pytest.raises(ConfigError, match="JWT_SECRET"):
        load_config(tmp_path)


def test_production_with_an_invalid_card_key_refuses_to_start(env, tmp_path):
    production(
        env, SECRET_KEY=STRONG, JWT_SECRET=STRONG, PIN_PEPPER=STRONG, AUDIT_KEY=STRONG, CARD_KEYS="not-a-fernet-key"
    )
    with pytest.raises(ConfigError, match="CARD_KEYS"):
        load_config(tmp_path)


def test_production_with_strong_secrets_starts(env, tmp_path):
    key = Fernet.generate_key().decode()
    production(env, SECRET_KEY=STRONG, JWT_SECRET=STRONG, PIN_PEPPER=STRONG, CARD_KEYS=key, AUDIT_KEY=STRONG)
    config = load_config(tmp_path)
    assert config["JWT_SECRET"] == STRONG
    assert config["CARD_KEYS"] == key


def test_development_generates_secrets_once_with_mode_0600(env, tmp_path):
    env.setenv("COREBANK_ENV", "development")
    first = load_config(tmp_path)
    path = tmp_path / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first["SECRET_KEY"]) >= 32
    Fernet(first["CARD_KEYS"])
    assert load_config(tmp_path)["JWT_SECRET"] == first["JWT_SECRET"]


def test_run_py_refuses_production_without_secrets_with_a_message(tmp_path):
    env = {"COREBANK_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "run.py"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "refusing to start: SECRET_KEY is missing or weak" in result.stderr
    assert "Traceback" not in result.stderr
