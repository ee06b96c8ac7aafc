"""Closed-loop HTTP load: ``clients`` keep-alive connections, each sending its next request as soon as
the previous one is answered, spread over a few processes so the load generator is not one GIL."""

from __future__ import annotations

import multiprocessing
import threading
import time
import uuid
from dataclasses import dataclass

from bench.live import Http, NoAnswer

PROCESSES = 4


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def healthz(_slot: int):
    """Requests for /healthz."""
    return lambda: ("GET", "/healthz", None, None, {})


def deposits(plan: list[dict]):
    """Slot i deposits 1 cent into its own account: every one also posts against the currency's cash
    vault, the system account all deposits share (the hot row of SPEC section 17)."""

    def make(slot: int):
        mine = plan[slot % len(plan)]
        path, body = f"/api/v1/accounts/{mine['account_id']}/deposits", {"amount_cents": 1}
        return lambda: ("POST", path, body, mine["token"], {"Idempotency-Key": uuid.uuid4().hex})

    return make


def transfers(plan: list[dict]):
    """Slot i transfers 1 cent from its own account to the next slot's, with an Idempotency-Key each time."""

    def make(slot: int):
        mine, other = plan[slot % len(plan)], plan[(slot + 1) % len(plan)]
        body = {"from_account_id": mine["account_id"], "to_account_number": other["number"], "amount_cents": 1}
        body["pin"] = mine["pin"]
        return lambda: ("POST", "/api/v1/transfers", body, mine["token"], {"Idempotency-Key": uuid.uuid4().hex})

    return make


def _client(port: int, request, start_at: float, stop_at: float, out: list, expect: int) -> None:
    http = Http(port, timeout=30)
    count = errors = 0
    latencies = []
    while True:
        now = time.perf_counter()
        if now >= stop_at:
            break
        method, path, body, token, headers = request()
        try:
            reply = http.call(method, path, body, token, headers)
            ok = reply.status == expect
        except NoAnswer:
            ok = False
        done = time.perf_counter()
        if now >= start_at:  # requests begun during the warm-up are not counted
            count += 1
            errors += not ok
            latencies.append((done - now) * 1000)
    http.close()
    out.append((count, errors, latencies))


def _process(ports, factory, slots, warmup, seconds, expect, queue) -> None:
    start_at = time.perf_counter() + warmup
    stop_at = start_at + seconds
    out: list = []
    threads = [
        threading.Thread(target=_client, args=(ports[slot % len(ports)], factory(slot), start_at, stop_at, out, expect))
        for slot in slots
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=warmup + seconds + 60)
    queue.put(out)


def run(
    port: int | list[int], factory, *, clients: int = 32, seconds: float = 20.0, warmup: float = 2.0, expect: int = 200
):
    """``clients`` closed-loop clients for ``seconds`` (after ``warmup``); ``factory(slot)`` gives a request maker.
    With a list of ports (several instances on one database) slot i talks to ``port[i % len(port)]``."""
    ports = [port] if isinstance(port, int) else list(port)
    queue = multiprocessing.Queue()
    groups = [list(range(i, clients, PROCESSES)) for i in range(min(PROCESSES, clients))]
    procs = [
        multiprocessing.Process(target=_process, args=(ports, factory, group, warmup, seconds, expect, queue))
        for group in groups
    ]
    for proc in procs:
        proc.start()
    parts = [queue.get(timeout=warmup + seconds + 120) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
    rows = [row for part in parts for row in part]
    latencies = [ms for _, _, lat in rows for ms in lat]
    return Result(sum(r[0] for r in rows), sum(r[1] for r in rows), seconds, latencies)
