"""SPEC section 17, stateless instances: two real servers (run.py -> gunicorn, one worker each, the
same secrets) on one fresh PostgreSQL database and one Redis database behave as one bank. Requests
alternate between instance A and instance B: tokens, logout, refresh-token reuse, the login lockout
and the login rate limit are shared; SIGKILL of A during concurrent money traffic to both loses
nothing acknowledged, half-applies nothing, and `flask verify` passes.

Skipped when PostgreSQL (COREBANK_TEST_POSTGRES_URL) or Redis (127.0.0.1:6379) is not reachable;
COREBANK_REQUIRE_POSTGRES=1 and COREBANK_REQUIRE_SERVICES=1 turn those skips into failures."""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from dataclasses import dataclass

import pytest

from bench.live import Http, NoAnswer
from tests.proof.pair import Pair

API = "/api/v1"
PASSWORD = "two instances password 1"
PIN = "2468"
REDIS_DB = int(os.environ.get("PROOF_TWO_INSTANCES_REDIS_DB", "11"))
REDIS_URI = f"redis://127.0.0.1:6379/{REDIS_DB}"


@pytest.fixture(scope="module")
def pair(tmp_path_factory, postgres):
    """Limits raised (live.RAISED_LIMITS): every request is counted in Redis, none is answered 429."""
    pair = Pair(tmp_path_factory.mktemp("pair"), postgres(), REDIS_URI)
    yield pair
    pair.stop()


def _register(http: Http, label: str) -> str:
    email = f"{label}-{uuid.uuid4().hex[:10]}@example.com"
    reply = http.call("POST", f"{API}/auth/register", {"email": email, "password": PASSWORD, "full_name": label})
    assert reply.status == 201, reply.body
    return email


def _login(http: Http, email: str, password: str = PASSWORD):
    return http.call("POST", f"{API}/auth/login", {"email": email, "password": password})


def _code(reply) -> tuple[int, str | None]:
    return reply.status, reply.body.get("code") if isinstance(reply.body, dict) else None


def test_a_token_issued_by_one_instance_works_on_the_other(pair):
    email = _register(pair.http_a, "issued-on-a")
    tokens = _login(pair.http_a, email).body
    on_b = pair.http_b.call("GET", f"{API}/accounts", token=tokens["access_token"])
    assert on_b.status == 200, on_b.body
    opened = pair.http_b.call("POST", f"{API}/accounts", {"type": "checking", "pin": PIN}, tokens["access_token"])
    assert opened.status == 201, opened.body
    seen_on_a = pair.http_a.call("GET", f"{API}/accounts/{opened.body['id']}", token=tokens["access_token"])
    assert seen_on_a.status == 200 and seen_on_a.body["number"] == opened.body["number"]


def test_logout_on_one_instance_revokes_the_token_on_the_other(pair):
    email = _register(pair.http_b, "logout")
    tokens = _login(pair.http_b, email).body
    access, refresh = tokens["access_token"], tokens["refresh_token"]
    assert pair.http_b.call("GET", f"{API}/accounts", token=access).status == 200
    out = pair.http_a.call("POST", f"{API}/auth/logout", {"refresh_token": refresh}, access)
    assert out.status == 204, out.body
    assert _code(pair.http_b.call("GET", f"{API}/accounts", token=access)) == (401, "token_revoked")
    assert _code(pair.http_a.call("GET", f"{API}/accounts", token=access)) == (401, "token_revoked")
    refreshed = pair.http_b.call("POST", f"{API}/auth/refresh", {"refresh_token": refresh})
    assert refreshed.status == 401, refreshed.body


def test_a_refresh_token_used_on_one_instance_is_reuse_on_the_other(pair):
    email = _register(pair.http_a, "refresh")
    first = _login(pair.http_b, email).body
    rotated = pair.http_a.call("POST", f"{API}/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert rotated.status == 200, rotated.body
    reused = pair.http_b.call("POST", f"{API}/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert _code(reused) == (401, "token_revoked"), reused.body
    assert "reuse" in reused.body.get("detail", "").lower(), reused.body
    # the whole family is revoked: the token A handed out in the rotation is refused too, on either
    again = pair.http_a.call("POST", f"{API}/auth/refresh", {"refresh_token": rotated.body["refresh_token"]})
    assert _code(again) == (401, "token_revoked"), again.body
    user_id = str(first["user"]["id"])
    reuse_records = pair.sql(
        "SELECT count(*) FROM audit_log WHERE action = 'token.reuse' AND (actor_id = %s OR details LIKE %s)",
        (first["user"]["id"], f'%"user_id": {user_id}%'),
    )
    assert reuse_records[0][0] >= 1, "the reuse was not audited"


def test_failed_logins_spread_over_both_instances_lock_after_exactly_five(pair):
    email = _register(pair.http_a, "lockout")
    answers = [_code(_login(pair.pick(i), email, "not the password at all")) for i in range(5)]
    assert answers == [(401, "invalid_credentials")] * 5, answers
    # the 6th attempt, with the right password, on either instance: locked
    assert _code(_login(pair.http_b, email)) == (423, "user_locked")
    assert _code(_login(pair.http_a, email)) == (423, "user_locked")


def test_the_login_rate_limit_is_one_budget_across_instances(tmp_path, postgres):
    limited = Pair(tmp_path, postgres(), REDIS_URI, env={"RATELIMIT_LOGIN": "6/minute"})
    try:
        email = _register(limited.http_a, "limited")
        replies = [_login(limited.pick(i), email) for i in range(9)]
    finally:
        limited.stop()
    statuses = [reply.status for reply in replies]
    assert statuses == [200] * 6 + [429] * 3, statuses
    assert all(reply.headers.get("retry-after") for reply in replies[6:]), [r.headers for r in replies[6:]]


# --- SIGKILL of one instance under concurrent money traffic to both ----------------------------------


@dataclass
class Op:
    key: str
    kind: str
    path: str
    body: dict
    token: str
    account_id: int
    target_id: int | None
    amount: int
    instance: str = ""
    sent_at: float = 0.0
    status: int | None = None  # None: no answer (unknown)
    answer: object = None


OPENING = 1_000_000
THREADS = 6


def _open_accounts(http: Http, customers: int = 4):
    """Customers with two accounts each, funded; returns [(account id, number, token)]."""
    accounts = []
    for index in range(customers):
        email = _register(http, f"kill-{index}")
        token = _login(http, email).body["access_token"]
        for kind in ("checking", "savings"):
            account = http.call("POST", f"{API}/accounts", {"type": kind, "pin": PIN}, token).body
            funded = http.call(
                "POST",
                f"{API}/accounts/{account['id']}/deposits",
                {"amount_cents": OPENING},
                token,
                {"Idempotency-Key": uuid.uuid4().hex},
            )
            assert funded.status == 201, funded.body
            accounts.append((account["id"], account["number"], token))
    return accounts


def _make_op(rng: random.Random, accounts) -> Op:
    account_id, _, token = rng.choice(accounts)
    if rng.random() < 0.5:
        amount = rng.randint(1, 500)
        path, body, target = f"{API}/accounts/{account_id}/deposits", {"amount_cents": amount}, None
        return Op(uuid.uuid4().hex, "deposit", path, body, token, account_id, target, amount)
    target_id, number, _ = rng.choice([a for a in accounts if a[0] != account_id])
    amount = rng.randint(1, 300)
    body = {"from_account_id": account_id, "to_account_number": number, "amount_cents": amount, "pin": PIN}
    return Op(uuid.uuid4().hex, "transfer", f"{API}/transfers", body, token, account_id, target_id, amount)


def _send(http: Http, op: Op):
    return http.call("POST", op.path, op.body, op.token, {"Idempotency-Key": op.key})


def test_sigkill_of_one_instance_loses_nothing_acknowledged(tmp_path, postgres):
    bank = Pair(tmp_path, postgres(), REDIS_URI)
    try:
        _kill_under_load(bank)
    finally:
        bank.stop()


def _kill_under_load(bank: Pair) -> None:
    accounts = _open_accounts(bank.http_b)
    ops: list[Op] = []
    lock = threading.Lock()
    killed_at: list[float] = []
    stop = threading.Event()
    sending_to_a = [0]  # requests sent to A and not answered yet: the kill waits for one

    def client(seed: int) -> None:
        rng = random.Random(seed)
        to = {"a": Http(bank.a.port, timeout=10), "b": Http(bank.b.port, timeout=10)}
        turn = seed
        while not stop.is_set():
            op = _make_op(rng, accounts)
            turn += 1
            op.instance = "b" if killed_at or turn % 2 else "a"  # alternate; B alone once A is gone
            op.sent_at = time.monotonic()
            on_a = op.instance == "a"
            if on_a:
                with lock:
                    sending_to_a[0] += 1
            try:
                reply = _send(to[op.instance], op)
                op.status, op.answer = reply.status, reply.body
            except NoAnswer:
                pass
            finally:
                if on_a:
                    with lock:
                        sending_to_a[0] -= 1
            with lock:
                ops.append(op)
        for http in to.values():
            http.close()

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(THREADS)]
    for thread in threads:
        thread.start()
    time.sleep(2.0)
    deadline = time.monotonic() + 5
    # Kill A mid-request, not between two: with several of A's requests out at once, at least one is in
    # the server (a lone counted one may already be answered, its client not yet back from reading it).
    while sending_to_a[0] < 3 and time.monotonic() < deadline:
        time.sleep(0.0005)
    killed_at.append(time.monotonic())
    bank.a.kill()  # SIGKILL master and worker of A, mid-request
    time.sleep(1.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)

    unexpected = [(o.instance, o.status, o.answer) for o in ops if o.status is not None and o.status != 201]
    assert not unexpected, unexpected[:5]
    acked = [o for o in ops if o.status == 201]
    acked_on_a = [o for o in acked if o.instance == "a"]
    unknown = [o for o in ops if o.status is None]
    in_flight = [o for o in unknown if o.instance == "a" and o.sent_at < killed_at[0]]
    assert acked_on_a and [o for o in acked if o.instance == "b" and o.sent_at > killed_at[0]], "no load"
    assert unknown, "the kill interrupted nothing"
    print(f"\n{len(acked)} acknowledged ({len(acked_on_a)} by A), {len(in_flight)} in flight at the kill")

    # 1. every operation acknowledged (by A before its death, or by B) is in the ledger, whole
    ids = sorted(o.answer["id"] for o in acked)
    stored = dict(
        bank.sql(
            "SELECT e.id, count(p.id) FROM journal_entries e JOIN postings p ON p.entry_id = e.id"
            " WHERE e.id = ANY(%s) AND e.status = 'posted' GROUP BY e.id HAVING sum(p.amount_cents) = 0",
            (ids,),
        )
    )
    assert sorted(stored) == ids, f"{len(set(ids) - set(stored))} acknowledged entries missing or unbalanced"
    assert set(stored.values()) == {2}
    # nothing half-applied anywhere: every entry balanced with its two postings and its audit record
    assert (
        bank.sql(
            "SELECT e.id FROM journal_entries e LEFT JOIN postings p ON p.entry_id = e.id GROUP BY e.id"
            " HAVING count(p.id) <> 2 OR sum(p.amount_cents) <> 0"
        )
        == []
    )
    assert (
        bank.sql(
            "SELECT e.id FROM journal_entries e WHERE NOT EXISTS (SELECT 1 FROM audit_log a"
            " WHERE a.resource_type = 'journal_entry' AND a.resource_id = e.id::text)"
        )
        == []
    )

    # 2. the unknown ones, sent again to B with the same key: executed now or replayed, exactly once
    replayed = 0
    for op in unknown:
        reply = None
        for _ in range(50):
            try:
                reply = _send(bank.http_b, op)
            except NoAnswer:  # B closed the idle keep-alive connection: send again on a new one
                continue
            if reply.status != 409:  # a duplicate still being worked on (A's dead backend) settles soon
                break
            time.sleep(0.1)
        assert reply is not None and reply.status == 201, (op.kind, reply)
        op.status, op.answer = reply.status, reply.body
        replayed += reply.replayed
    print(f"{len(unknown)} unanswered sent again to B: {replayed} had been applied (replayed), the rest ran now")
    done = acked + unknown
    counted = bank.sql(
        "SELECT count(*) FROM journal_entries WHERE id = ANY(%s)", (sorted({o.answer["id"] for o in done}),)
    )
    assert counted[0][0] == len(done) == len({o.answer["id"] for o in done}), "an operation applied twice or lost"

    # 3. balances read from B are exactly what the answered operations add up to
    expected = {account_id: OPENING for account_id, _, _ in accounts}
    for op in done:
        if op.kind == "deposit":
            expected[op.account_id] += op.amount
        else:
            expected[op.account_id] -= op.amount
            expected[op.target_id] += op.amount
    seen = {}
    for account_id, _, token in accounts:
        reply = bank.http_b.call("GET", f"{API}/accounts/{account_id}", token=token)
        seen[account_id] = reply.body["balance_cents"]
    assert seen == expected

    # 4. B's sealer chains what A committed and left; then `flask verify` passes on the database
    deadline = time.monotonic() + 15
    while bank.sql("SELECT count(*) FROM audit_log WHERE hash IS NULL")[0][0] and time.monotonic() < deadline:
        time.sleep(0.2)
    verify = bank.b.flask("verify", timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr
