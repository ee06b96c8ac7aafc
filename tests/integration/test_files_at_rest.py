"""Files at rest (SPEC section 2): the database, its WAL and shared-memory files are 0600 and the
instance folder 0700 with secrets.json 0600, whatever the umask and whatever an older version left."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

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


def _in_another_process(path, statement) -> list:
    """Run one statement in a separate process (its own SQLite, its own POSIX locks), then close."""
    code = (
        "import sqlite3, sys, json\n"
        "c = sqlite3.connect(sys.argv[1])\n"
        "print(json.dumps(c.execute(sys.argv[2]).fetchall()))\n"
        "c.close()\n"
    )
    command = [sys.executable, "-c", code, str(path), statement]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_opening_one_more_connection_never_hides_a_live_connection_s_writes(tmp_path):
    """SQLite's POSIX locks belong to the process: closing any descriptor of the database file drops
    them all. A connection opened beside a live one must not do that, or another process's close
    thinks itself the last, checkpoints and deletes the WAL under the live connection, whose later
    commits go to an unlinked file: unseen by every other process, and lost if the server is killed."""
    path = tmp_path / "bank.db"
    url = f"sqlite:///{path}"
    live = db.connect(url)
    try:
        live.execute("CREATE TABLE t (x)")
        live.execute("INSERT INTO t VALUES (1)")
        beside = db.connect(url)  # a new thread's connection in the same process
        assert _in_another_process(path, "SELECT x FROM t") == [[1]]  # and that reader closes
        live.execute("INSERT INTO t VALUES (2)")
        assert _in_another_process(path, "SELECT x FROM t ORDER BY x") == [[1], [2]]
        db.close(url, beside)
    finally:
        db.close(url, live)
