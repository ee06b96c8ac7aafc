"""Jepsen-style "bank" workload over HTTP against a live server.

Customers register and log in through the API, open accounts and fund them; then many client
threads, each on its own keep-alive connection, make random transfers (also to other
customers' account numbers), withdrawals and deposits, every one with an Idempotency-Key,
some sent again with the same key (later, or at the same moment from a second connection),
and read balances, for a bounded time. A request that gets no answer (the server was killed)
is *unknown*: the client sends it again with the same key until it is answered.

Run from the command line (``make soak`` does, through pytest) or from tests/proof.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.live import Http, LiveServer, NoAnswer, Reply

PIN = "4321"
PASSWORD = "bank workload password 1"
OPENING_CENTS = 50_000
API = "/api/v1"


@dataclass
class Customer:
    index: int
    email: str
    token: str
    accounts: list[int] = field(default_factory=list)


@dataclass
class Bank:
    customers: list[Customer]
    numbers: dict[int, str]  # account id -> account number
    owners: dict[int, int]  # account id -> customer index

    def token_for(self, account_id: int) -> str:
        return self.customers[self.owners[account_id]].token

    @property
    def account_ids(self) -> list[int]:
        return sorted(self.numbers)


@dataclass
class Op:
    """One money-moving request and what the server finally answered to it."""

    key: str
    kind: str  # deposit | withdrawal | transfer
    account_id: int  # the account the operation is made on (debited for withdrawals and transfers)
    amount: int
    path: str
    body: dict
    target_id: int | None = None
    status: int | None = None  # None while unknown
    answer: object = None
    first_answer_replayed: bool = False  # answered only after an unanswered attempt had gone through
    sends: int = 0
    unanswered: int = 0
    replays_checked: int = 0

    @property
    def entry_id(self) -> int | None:
        if self.status == 201:
            return self.answer["id"]
        return self.answer.get("entry_id") if isinstance(self.answer, dict) else None

    @property
    def declined(self) -> bool:
        return self.status == 422 and isinstance(self.answer, dict) and self.answer.get("code") == "insufficient_funds"


def open_bank(http: Http, customers: int = 4, accounts_each: int = 2) -> tuple[Bank, list[Op]]:
    """Register, log in and open accounts through the API; fund each with a keyed deposit."""
    run = uuid.uuid4().hex[:8]
    bank = Bank([], {}, {})
    for index in range(customers):
        email = f"bank-{run}-{index}@example.com"
        _expect(
            http.call(
                "POST",
                f"{API}/auth/register",
                {"email": email, "password": PASSWORD, "full_name": f"Bank Customer{index}"},
            ),
            201,
        )
        token = _expect(http.call("POST", f"{API}/auth/login", {"email": email, "password": PASSWORD}), 200)[
            "access_token"
        ]
        customer = Customer(index, email, token)
        for n in range(accounts_each):
            kind = "checking" if n % 2 == 0 else "savings"
            account = _expect(http.call("POST", f"{API}/accounts", {"type": kind, "pin": PIN}, token), 201)
            customer.accounts.append(account["id"])
            bank.numbers[account["id"]] = account["number"]
            bank.owners[account["id"]] = index
        bank.customers.append(customer)
    openings = []
    for account_id in bank.account_ids:
        op = deposit_op(account_id, OPENING_CENTS)
        reply = http.call("POST", op.path, op.body, bank.token_for(account_id), {"Idempotency-Key": op.key})
        op.sends, op.status, op.answer = 1, reply.status, _expect(reply, 201)
        openings.append(op)
    return bank, openings


def _expect(reply: Reply, status: int):
    if reply.status != status:
        raise AssertionError(f"expected {status}, got {reply.status}: {reply.body}")
    return reply.body


def _key() -> str:
    return uuid.uuid4().hex


def deposit_op(account_id: int, amount: int) -> Op:
    return Op(_key(), "deposit", account_id, amount, f"{API}/accounts/{account_id}/deposits", {"amount_cents": amount})


def withdrawal_op(account_id: int, amount: int) -> Op:
    body = {"amount_cents": amount, "pin": PIN}
    return Op(_key(), "withdrawal", account_id, amount, f"{API}/accounts/{account_id}/withdrawals", body)


def transfer_op(bank: Bank, source_id: int, target_id: int, amount: int) -> Op:
    body = {
        "from_account_id": source_id,
        "to_account_number": bank.numbers[target_id],
        "amount_cents": amount,
        "pin": PIN,
    }
    return Op(_key(), "transfer", source_id, amount, f"{API}/transfers", body, target_id=target_id)


class Workload:
    """Client threads against one server for ``seconds`` (or ``max_ops`` each), then stop."""

    def __init__(
        self,
        server: LiveServer,
        bank: Bank,
        *,
        clients: int = 8,
        seconds: float = 5.0,
        seed: int = 1,
        max_ops: int = 1_000_000,
        retry_rate: float = 0.10,
        duplicate_rate: float = 0.03,
    ):
        self.server, self.bank = server, bank
        self.clients, self.seconds, self.seed, self.max_ops = clients, seconds, seed, max_ops
        self.retry_rate, self.duplicate_rate = retry_rate, duplicate_rate
        self.ops: list[Op] = []
        self.anomalies: list[str] = []
        self.negatives: list[str] = []
        self.reads = 0
        self.duplicates = 0
        self._lock = threading.Lock()
        self.deadline = 0.0

    def run(self, chaos: Callable[[threading.Event], None] | None = None) -> None:
        self.deadline = time.monotonic() + self.seconds
        stop = threading.Event()
        threads = [threading.Thread(target=self._client, args=(i,), daemon=True) for i in range(self.clients)]
        chaos_thread = threading.Thread(target=chaos, args=(stop,), daemon=True) if chaos else None
        for thread in threads + ([chaos_thread] if chaos_thread else []):
            thread.start()
        for thread in threads:
            thread.join(timeout=self.seconds + 300)
        stop.set()
        if chaos_thread:
            chaos_thread.join(timeout=120)

    def resolve(self, timeout: float = 60.0) -> None:
        """After the run: send every still-unknown operation again (same key) until it is answered."""
        http = Http(self.server.port)
        give_up = time.monotonic() + timeout
        for op in self.ops:
            while op.status is None and time.monotonic() < give_up:
                self._send(http, op, give_up)
        http.close()

    # one client thread
    def _client(self, index: int) -> None:
        try:
            self._client_loop(index)
        except Exception as exc:  # a crashed client would silently stop testing: make it a finding
            self._anomaly(f"client {index} crashed: {type(exc).__name__}: {exc}")

    def _client_loop(self, index: int) -> None:
        rng = random.Random(self.seed * 1000 + index)  # noqa: S311 (a workload, not a secret)
        http = Http(self.server.port)
        mine: list[Op] = []
        for _ in range(self.max_ops):
            if time.monotonic() >= self.deadline:
                break
            roll = rng.random()
            if roll < 0.15:
                self._read(http, rng)
            elif roll < 0.15 + self.retry_rate and mine:
                self._send(http, rng.choice(mine), self.deadline)
            else:
                op = self._new_op(rng)
                with self._lock:
                    self.ops.append(op)
                mine.append(op)
                if rng.random() < self.duplicate_rate:
                    self._duplicate(op)
                else:
                    self._send(http, op, self.deadline)
        http.close()

    def _new_op(self, rng: random.Random) -> Op:
        ids = self.bank.account_ids
        account_id = rng.choice(ids)
        roll = rng.random()
        amount = rng.choice(
            [rng.randint(1, 2_000), rng.randint(1, 2_000), rng.randint(1, 30_000), rng.randint(1, 10**7)]
        )
        if roll < 0.2:
            return deposit_op(account_id, rng.randint(1, 12_000))
        if roll < 0.4:
            return withdrawal_op(account_id, amount)
        target_id = rng.choice([i for i in ids if i != account_id])
        return transfer_op(self.bank, account_id, target_id, amount)

    def _send(self, http: Http, op: Op, until: float) -> None:
        """Send (again) with the same key; on no answer keep trying until ``until`` (then leave it unknown)."""
        while True:
            op.sends += 1
            try:
                reply = http.call(
                    "POST", op.path, op.body, self.bank.token_for(op.account_id), {"Idempotency-Key": op.key}
                )
            except NoAnswer:
                op.unanswered += 1
                if time.monotonic() >= until:
                    return
                time.sleep(0.05)
                continue
            if _in_progress(reply) and time.monotonic() < until:
                time.sleep(0.02)
                continue
            self._settle(op, reply)
            return

    def _duplicate(self, op: Op) -> None:
        """The same request on two connections at once: both must get the same answer; money moves once."""
        replies: list[Reply | None] = [None, None]

        def send(slot: int) -> None:
            http = Http(self.server.port)
            try:
                replies[slot] = http.call(
                    "POST", op.path, op.body, self.bank.token_for(op.account_id), {"Idempotency-Key": op.key}
                )
            except NoAnswer:
                op.unanswered += 1
            finally:
                http.close()

        pair = [threading.Thread(target=send, args=(slot,)) for slot in (0, 1)]
        for thread in pair:
            thread.start()
        for thread in pair:
            thread.join(timeout=60)
        op.sends += 2
        with self._lock:
            self.duplicates += 1
        answered = [r for r in replies if r is not None and not _in_progress(r)]
        if len(answered) == 2 and not (answered[0].replayed or answered[1].replayed):
            self._anomaly(f"{op.key}: both concurrent duplicates were executed (neither is a replay)")
        for reply in sorted(answered, key=lambda r: r.replayed):
            self._settle(op, reply)
        if op.status is None:  # both unanswered or in progress: an ordinary retry settles it
            http = Http(self.server.port)
            self._send(http, op, self.deadline)
            http.close()

    def _settle(self, op: Op, reply: Reply) -> None:
        if reply.status >= 500 or not (reply.status == 201 or _is_decline(reply)):
            self._anomaly(f"{op.kind} {op.key}: unexpected {reply.status} {reply.body}")
            return
        self._observe_balances(reply.body)
        if op.status is None:
            op.status, op.answer, op.first_answer_replayed = reply.status, reply.body, reply.replayed
            return
        op.replays_checked += 1
        if (reply.status, reply.body) != (op.status, op.answer):
            self._anomaly(f"{op.key}: replay differs: {reply.status} {reply.body} != {op.status} {op.answer}")
        elif not reply.replayed:
            self._anomaly(f"{op.key}: same answer again but without Idempotent-Replayed: true")

    def _read(self, http: Http, rng: random.Random) -> None:
        account_id = rng.choice(self.bank.account_ids)
        token = self.bank.token_for(account_id)
        try:
            if rng.random() < 0.8:
                reply = http.call("GET", f"{API}/accounts/{account_id}", token=token)
                balances = [reply.body.get("balance_cents")] if reply.status == 200 else []
            else:
                reply = http.call("GET", f"{API}/accounts/{account_id}/transactions?limit=20", token=token)
                items = reply.body.get("items", []) if reply.status == 200 else []
                balances = [i["balance_after_cents"] for i in items if i["balance_after_cents"] is not None]
        except NoAnswer:
            return
        if reply.status != 200:
            self._anomaly(f"read of account {account_id}: unexpected {reply.status} {reply.body}")
        with self._lock:
            self.reads += 1
        for balance in balances:
            if balance < 0:
                self._negative(f"account {account_id} read as {balance}")

    def _observe_balances(self, body) -> None:
        if not isinstance(body, dict):
            return
        for posting in body.get("postings", []):
            balance = posting["balance_after_cents"]  # None on the other customer's side of a transfer
            if posting["account_id"] in self.bank.numbers and balance is not None and balance < 0:
                self._negative(f"posting {posting}")

    def _anomaly(self, text: str) -> None:
        with self._lock:
            self.anomalies.append(text)

    def _negative(self, text: str) -> None:
        with self._lock:
            self.negatives.append(text)


def _in_progress(reply: Reply) -> bool:
    return reply.status == 409 and isinstance(reply.body, dict) and reply.body.get("code") == "request_in_progress"


def _is_decline(reply: Reply) -> bool:
    return reply.status == 422 and isinstance(reply.body, dict) and reply.body.get("code") == "insufficient_funds"


def crash_loop(server: LiveServer, kills: int, interval: float, events: list[str]):
    """Chaos for Workload.run: every ``interval`` s SIGKILL the server (master and workers) and start it
    again on the same database and port; every third kill takes out only one worker instead."""

    def chaos(stop: threading.Event) -> None:
        for n in range(kills):
            if stop.wait(interval):
                return
            if n % 3 == 2 and server.kill_worker():
                events.append("worker")
                continue
            server.kill()
            events.append("server")
            time.sleep(0.1)
            server.start()

    return chaos
