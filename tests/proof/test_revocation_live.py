"""Issue 10, on real servers: every worker remembers the access tokens it has verified (PyJWT's decode
is skipped on a repeat), yet a revocation made anywhere refuses the token's very next request on every
worker and instance: logout, a password change (other sessions) and an admin lock.

- two instances (one worker each) on one PostgreSQL database and one Redis: the token is used (and
  remembered) on instance A, revoked through instance B, and A's next request is 401 token_revoked;
- one server with two workers on SQLite and Redis: the token is used on many keep-alive connections
  (spread over both workers), revoked on one, and the next request on every connection is refused.

The PostgreSQL part is skipped when PostgreSQL is not reachable, the Redis parts without Redis
(COREBANK_REQUIRE_POSTGRES=1 / COREBANK_REQUIRE_SERVICES=1 turn those skips into failures)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from bench.live import Http, LiveServer
from tests.proof.pair import Pair, flush_redis
from tests.support.services import require_redis

API = "/api/v1"
PASSWORD = "revocation live password 1"
REDIS_URI = f"redis://127.0.0.1:6379/{os.environ.get('PROOF_REVOCATION_REDIS_DB', '12')}"


def _register_and_login(http: Http, label: str) -> tuple[str, dict]:
    email = f"{label}-{uuid.uuid4().hex[:10]}@example.com"
    reply = http.call("POST", f"{API}/auth/register", {"email": email, "password": PASSWORD, "full_name": label})
    assert reply.status == 201, reply.body
    login = http.call("POST", f"{API}/auth/login", {"email": email, "password": PASSWORD})
    assert login.status == 200, login.body
    return email, login.body


def _code(reply) -> tuple[int, str | None]:
    return reply.status, reply.body.get("code") if isinstance(reply.body, dict) else None


@pytest.fixture(scope="module")
def instances(tmp_path_factory, postgres):
    """Instances A and B on one fresh PostgreSQL database and one Redis database."""
    pair = Pair(tmp_path_factory.mktemp("revocation"), postgres(), REDIS_URI)
    yield pair.http_a, pair.http_b, pair.database_url
    pair.stop()


def test_logout_on_b_refuses_the_next_request_on_a(instances):
    on_a, on_b, _ = instances
    _, tokens = _register_and_login(on_a, "logout")
    access = tokens["access_token"]
    assert on_a.call("GET", f"{API}/me", token=access).status == 200  # A has verified it now
    assert on_b.call("POST", f"{API}/auth/logout", {"refresh_token": tokens["refresh_token"]}, access).status == 204
    assert _code(on_a.call("GET", f"{API}/me", token=access)) == (401, "token_revoked")


def test_a_password_change_on_b_refuses_the_other_sessions_next_request_on_a(instances):
    on_a, on_b, _ = instances
    email, first = _register_and_login(on_a, "password")
    second = on_a.call("POST", f"{API}/auth/login", {"email": email, "password": PASSWORD}).body
    for tokens in (first, second):
        assert on_a.call("GET", f"{API}/me", token=tokens["access_token"]).status == 200
    change = {"current_password": PASSWORD, "new_password": "a completely new password"}
    assert on_b.call("POST", f"{API}/me/password", change, second["access_token"]).status == 204
    assert _code(on_a.call("GET", f"{API}/me", token=first["access_token"])) == (401, "token_revoked")
    assert on_a.call("GET", f"{API}/me", token=second["access_token"]).status == 200  # the one that changed it


def test_an_admin_lock_on_b_refuses_the_users_next_request_on_a(instances):
    import psycopg

    on_a, on_b, url = instances
    admin_email, _ = _register_and_login(on_b, "admin")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE users SET role = 'admin' WHERE email = %s", (admin_email,))
    admin = on_b.call("POST", f"{API}/auth/login", {"email": admin_email, "password": PASSWORD}).body
    _, victim = _register_and_login(on_a, "locked")
    assert on_a.call("GET", f"{API}/accounts", token=victim["access_token"]).status == 200
    locked = on_b.call("POST", f"{API}/admin/users/{victim['user']['id']}/lock", token=admin["access_token"])
    assert locked.status == 200, locked.body
    assert _code(on_a.call("GET", f"{API}/accounts", token=victim["access_token"])) == (401, "token_revoked")


def _connection_owners(server: LiveServer) -> set[int]:
    """The worker processes holding established connections on the server's port (from /proc)."""
    inodes = {}
    for pid in server.worker_pids():
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes[target[8:-1]] = pid
    owners = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port, state, inode = int(fields[1].split(":")[1], 16), fields[3], fields[9]
        if local_port == server.port and state == "01" and inode in inodes:
            owners.add(inodes[inode])
    return owners


def test_logout_refuses_the_next_request_on_every_worker(tmp_path):
    """Two workers: keep-alive connections held by both workers have all used the token."""
    require_redis()
    flush_redis(REDIS_URI)
    with LiveServer(tmp_path, workers=2, redis_uri=REDIS_URI) as server:
        connections = [Http(server.port)]
        _, tokens = _register_and_login(connections[0], "workers")
        access = tokens["access_token"]
        while len(connections) < 64:
            connections.append(Http(server.port))
            for http in connections:
                assert http.call("GET", f"{API}/me", token=access).status == 200
            if len(connections) >= 8 and _connection_owners(server) == set(server.worker_pids()):
                break
        assert len(_connection_owners(server)) == 2, "the connections did not reach both workers"
        assert connections[0].call("POST", f"{API}/auth/logout", None, access).status == 204
        answers = [_code(http.call("GET", f"{API}/me", token=access)) for http in connections]
        for http in connections:
            http.close()
    assert answers == [(401, "token_revoked")] * len(connections)
