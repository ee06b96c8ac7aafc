"""The servers run.py starts (gunicorn by default and in production, granian with SERVER=granian), for real:

- graceful shutdown (gunicorn): SIGTERM under concurrent transfers, every answered transfer committed;
- worker timeout: a worker that stops answering its heartbeat (SIGSTOP) is killed and replaced
  within WORKER_TIMEOUT, and the server answers again;
- a worker that dies is replaced;
- TRUSTED_PROXIES: X-Forwarded-For is ignored by default and trusted for exactly one hop with 1."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
import uuid

import pytest

from bench.live import Http, LiveServer, NoAnswer

API = "/api/v1"
PASSWORD = "server proof password 1"
PIN = "2580"


@pytest.fixture(params=["granian", "gunicorn"])
def server_name(request):
    return request.param


def _customer(http: Http) -> tuple[str, dict]:
    email = f"server-{uuid.uuid4().hex[:10]}@example.com"
    assert (
        http.call("POST", f"{API}/auth/register", {"email": email, "password": PASSWORD, "full_name": "S"}).status
        == 201
    )
    token = http.call("POST", f"{API}/auth/login", {"email": email, "password": PASSWORD}).body["access_token"]
    accounts = []
    for kind in ("checking", "savings"):
        account = http.call("POST", f"{API}/accounts", {"type": kind, "pin": PIN}, token).body
        assert (
            http.call("POST", f"{API}/accounts/{account['id']}/deposits", {"amount_cents": 10**8}, token).status == 201
        )
        accounts.append(account)
    return token, accounts


def _entries(server: LiveServer) -> int:
    with sqlite3.connect(server.workdir / "corebank.db") as conn:
        return conn.execute("SELECT count(*) FROM journal_entries").fetchone()[0]


def test_sigterm_under_load_answers_every_committed_transfer(tmp_path):
    """On gunicorn, the server production runs. granian failed this (one answered transfer missing
    after SIGTERM, three times in about 40 runs); production refuses SERVER=granian until the cause
    is found (test_production_refuses_granian), so it is not a server this promise is made for."""
    server = LiveServer(tmp_path, env={"SERVER": "gunicorn"})
    server.start()
    token, (source, target) = _customer(Http(server.port))
    before = _entries(server)
    acknowledged, lock, stop = [], threading.Lock(), threading.Event()
    body = {"from_account_id": source["id"], "to_account_number": target["number"], "amount_cents": 1, "pin": PIN}

    def client():
        http = Http(server.port)
        while not stop.is_set():
            key = uuid.uuid4().hex
            try:
                reply = http.call("POST", f"{API}/transfers", body, token, {"Idempotency-Key": key})
            except NoAnswer:
                time.sleep(0.05)
                continue
            if reply.status == 201:
                with lock:
                    acknowledged.append(key)

    clients = [threading.Thread(target=client) for _ in range(8)]
    for thread in clients:
        thread.start()
    time.sleep(2)
    os.killpg(server.proc.pid, signal.SIGTERM)
    server.proc.wait(timeout=30)
    stop.set()
    for thread in clients:
        thread.join()
    assert server.proc.returncode == 0, server.log_tail()
    committed = _entries(server) - before
    with sqlite3.connect(server.workdir / "corebank.db") as conn:
        keys = {key for (key,) in conn.execute("SELECT key FROM idempotency_keys")}
    assert committed > 0
    lost = [key for key in acknowledged if key not in keys]
    assert lost == [], f"{len(lost)} answered transfers are not in the database\n{server.log_tail()}"
    assert committed == len(acknowledged), f"{committed} committed, {len(acknowledged)} answered"


def test_production_refuses_granian(tmp_path, monkeypatch):
    from app.config import ConfigError, load_config

    monkeypatch.setenv("COREBANK_ENV", "production")
    monkeypatch.setenv("SERVER", "granian")
    with pytest.raises(ConfigError, match="SERVER=granian is refused in production"):
        load_config(tmp_path)


def test_a_silent_worker_is_killed_and_replaced(tmp_path, server_name):
    with LiveServer(tmp_path, env={"SERVER": server_name, "WORKER_TIMEOUT": "2"}) as server:
        [stuck] = server.worker_pids()
        os.kill(stuck, signal.SIGSTOP)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and server.worker_pids() in ([stuck], []):
            time.sleep(0.2)
        replaced = server.worker_pids()
        assert replaced and stuck not in replaced, server.log_tail()
        answer = None
        while time.monotonic() < deadline:
            try:
                answer = Http(server.port, timeout=5).call("GET", "/healthz").status
                break
            except NoAnswer:
                time.sleep(0.2)
        assert answer == 200


def test_a_dead_worker_is_replaced(tmp_path, server_name):
    with LiveServer(tmp_path, env={"SERVER": server_name}) as server:
        [first] = server.worker_pids()
        assert server.kill_worker()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and server.worker_pids() in ([first], []):
            time.sleep(0.1)
        assert server.worker_pids() and first not in server.worker_pids()
        answer = None
        while time.monotonic() < deadline and answer is None:
            try:
                answer = Http(server.port, timeout=5).call("GET", "/healthz").status
            except NoAnswer:  # the new worker is still starting
                time.sleep(0.1)
        assert answer == 200


@pytest.mark.parametrize(("hops", "recorded"), [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_trusted_proxies_decide_which_address_is_the_client(tmp_path, server_name, hops, recorded):
    with LiveServer(tmp_path, env={"SERVER": server_name, "TRUSTED_PROXIES": str(hops)}) as server:
        http = Http(server.port)
        email = f"proxy-{uuid.uuid4().hex[:8]}@example.com"
        forwarded = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
        register = {"email": email, "password": PASSWORD, "full_name": "P"}
        assert http.call("POST", f"{API}/auth/register", register, headers=forwarded).status == 201
        with sqlite3.connect(server.workdir / "corebank.db") as conn:
            [(ip,)] = conn.execute("SELECT ip FROM audit_log WHERE action = 'register' ORDER BY id DESC LIMIT 1")
    assert ip == recorded
