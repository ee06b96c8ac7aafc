"""Files at rest (SPEC section 2): the database, its WAL and shared-memory files are 0600 and the
instance folder 0700 with secrets.json 0600, whatever the umask and whatever an older version left."""

from __future__ import annotations

import os
import stat

import pytest

from app.config import load_config, private_folder
from repository import db


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    previous = os.umask(0o022)  # the usual default: files 0644, folders 0755
    yield
    os.umask(previous)


def test_a_new_database_and_its_wal_and_shm_are_0600(tmp_path, open_umask):
    path = tmp_path / "bank.db"
    url = f"sqlite:///{path}"
    conn = db.connect(url)
    try:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (1)")
        assert os.path.exists(f"{path}-wal") and os.path.exists(f"{path}-shm")
        assert {suffix: _mode(f"{path}{suffix}") for suffix in ("", "-wal", "-shm")} == {
            "": 0o600,
            "-wal": 0o600,
            "-shm": 0o600,
        }
    finally:
        db.close(url, conn)


def test_a_database_left_world_readable_is_tightened_on_open(tmp_path, open_umask):
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    first = db.connect(url)
    first.execute("CREATE TABLE t (x)")
    for suffix in ("", "-wal", "-shm"):
        os.chmod(f"{path}{suffix}", 0o644)
    second = db.connect(url)
    try:
        assert [_mode(f"{path}{suffix}") for suffix in ("", "-wal", "-shm")] == [0o600, 0o600, 0o600]
    finally:
        db.close(url, second)
        db.close(url, first)


def test_a_new_database_folder_is_0700(tmp_path, open_umask):
    path = tmp_path / "fresh" / "bank.db"
    url = f"sqlite:///{path}"
    db.close(url, db.connect(url))
    assert _mode(path.parent) == 0o700


def test_the_instance_folder_is_0700_and_its_secrets_0600(tmp_path, open_umask, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    for name in ("SECRET_KEY", "JWT_SECRET", "PIN_PEPPER", "CARD_KEYS", "AUDIT_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COREBANK_ENV", "development")
    load_config(instance)  # development: generates instance/secrets.json
    assert _mode(instance) == 0o700
    assert _mode(instance / "secrets.json") == 0o600


def test_an_instance_folder_left_open_is_tightened(tmp_path, open_umask):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    (instance / "secrets.json").write_text("{}")
    os.chmod(instance / "secrets.json", 0o644)
    private_folder(instance)
    assert (_mode(instance), _mode(instance / "secrets.json")) == (0o700, 0o600)
