"""Open-loop load at a fixed rate (SPEC section 12: "requests sent at a fixed rate whatever the
answers, so queueing shows"). wrk2 is not packaged in Debian, so this is a small generator of its
own: asyncio, raw HTTP/1.1 on keep-alive connections.

Request ``i`` is *intended* at ``start + i / rate``, whether or not earlier ones were answered; it
goes out on an idle connection (a new one is opened while fewer than ``max_connections`` exist, else
it waits for one). Its latency is measured from the intended time, not from when it was actually
written, so a stalled server cannot hide its stall by slowing the generator down (no coordinated
omission). The latency from the actual send is kept too, to show the difference."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field


def schedule(rate: float, seconds: float) -> list[float]:
    """Intended send offsets (seconds from the start): ``i / rate`` for every request in the window."""
    if rate <= 0 or seconds <= 0:
        return []
    return [i / rate for i in range(int(rate * seconds))]


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100) of ``values``; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(n * p / 100), at least the first
    return ordered[min(len(ordered), int(rank)) - 1]


@dataclass
class Sample:
    index: int
    intended: float  # loop clock, seconds
    sent: float | None = None
    done: float | None = None
    status: int = 0  # 0: no answer

    @property
    def latency_ms(self) -> float | None:
        """From the intended send time to the end of the answer."""
        return None if self.done is None else (self.done - self.intended) * 1000

    @property
    def service_ms(self) -> float | None:
        """From the actual send to the end of the answer (what a closed-loop client would report)."""
        return None if self.done is None or self.sent is None else (self.done - self.sent) * 1000


@dataclass
class OpenLoopResult:
    rate: float
    seconds: float
    samples: list[Sample] = field(default_factory=list)
    connections: int = 0

    def ok(self, expect: int) -> list[Sample]:
        return [s for s in self.samples if s.status == expect]

    def summary(self, expect: int) -> dict:
        good = self.ok(expect)
        latencies = [s.latency_ms for s in good]
        service = [s.service_ms for s in good]
        lags = [(s.sent - s.intended) * 1000 for s in self.samples if s.sent is not None]
        done = [s.done for s in self.samples if s.done is not None]
        span = (max(done) - self.samples[0].intended) if done else 0.0
        return {
            "target_rate": round(self.rate, 1),
            "seconds": self.seconds,
            "sent": sum(s.sent is not None for s in self.samples),
            "answered_as_expected": len(good),
            "errors": len(self.samples) - len(good),
            "achieved_rate": round(len(good) / span, 1) if span else 0.0,
            "p50_ms": _round(percentile(latencies, 50)),
            "p90_ms": _round(percentile(latencies, 90)),
            "p99_ms": _round(percentile(latencies, 99)),
            "max_ms": _round(max(latencies) if latencies else None),
            "p99_from_send_ms": _round(percentile(service, 99)),
            "send_lag_p99_ms": _round(percentile(lags, 99)),
            "connections": self.connections,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        self.used = False

    async def exchange(self, payload: bytes) -> int:
        self.writer.write(payload)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            await self.reader.readexactly(int(headers.get("content-length", "0")))
        self.used = True
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status

    @property
    def closed(self) -> bool:
        return self.writer.is_closing() or self.reader.at_eof()

    def close(self) -> None:
        self.writer.close()


class _Pool:
    """Idle connections, most recently used first (so idle ones age out on the server's keep-alive)."""

    def __init__(self, host: str, port: int, limit: int):
        self.host, self.port, self.limit = host, port, limit
        self.idle: list[_Connection] = []
        self.opened = 0
        self.live = 0
        self.freed = asyncio.Condition()

    async def _open(self) -> _Connection:
        self.opened += 1
        self.live += 1
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except BaseException:
            self.live -= 1
            raise
        return _Connection(reader, writer)

    async def get(self) -> _Connection:
        while True:
            while self.idle:
                conn = self.idle.pop()
                if not conn.closed:
                    return conn
                self.live -= 1
            if self.live < self.limit:
                return await self._open()
            async with self.freed:
                await self.freed.wait()

    async def put(self, conn: _Connection | None) -> None:
        if conn is None or conn.closed:
            self.live -= 1
        else:
            self.idle.append(conn)
        async with self.freed:
            self.freed.notify()

    async def fresh(self) -> _Connection:
        return await self._open()

    def close(self) -> None:
        for conn in self.idle:
            conn.close()
        self.idle.clear()


async def _one(pool: _Pool, sample: Sample, payload: bytes, clock, timeout: float) -> None:
    conn = await pool.get()
    sample.sent = clock()
    try:
        try:
            sample.status = await asyncio.wait_for(conn.exchange(payload), timeout)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            # A kept-alive connection the server closed meanwhile: send again on a new one (the
            # requests carry their Idempotency-Key, so a repeat could only replay, never repeat money).
            if not conn.used or (isinstance(exc, asyncio.IncompleteReadError) and exc.partial):
                raise
            conn.close()
            await pool.put(None)
            conn = await pool.fresh()
            sample.status = await asyncio.wait_for(conn.exchange(payload), timeout)
        sample.done = clock()
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
        conn.close()
        await pool.put(None)
        return
    await pool.put(conn)


async def run_async(
    host: str,
    port: int,
    make_request: Callable[[int], bytes],
    rate: float,
    seconds: float,
    *,
    max_connections: int = 256,
    warm_connections: int = 8,
    timeout: float = 30.0,
) -> OpenLoopResult:
    """Send ``make_request(i)`` (the whole HTTP/1.1 request) at ``rate`` per second for ``seconds``."""
    loop = asyncio.get_running_loop()
    clock = loop.time
    pool = _Pool(host, port, max_connections)
    for conn in await asyncio.gather(*(pool.fresh() for _ in range(min(warm_connections, max_connections)))):
        pool.idle.append(conn)
    result = OpenLoopResult(rate=rate, seconds=seconds)
    tasks = []
    start = clock() + 0.01
    for index, offset in enumerate(schedule(rate, seconds)):
        intended = start + offset
        delay = intended - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        sample = Sample(index, intended)
        result.samples.append(sample)
        tasks.append(asyncio.create_task(_one(pool, sample, make_request(index), clock, timeout)))
    if tasks:
        await asyncio.wait(tasks, timeout=timeout + 5)
    result.connections = pool.opened
    pool.close()
    return result


def run(host: str, port: int, make_request: Callable[[int], bytes], rate: float, seconds: float, **options):
    """Run the generator on an event loop of its own, in a thread of its own, so that a caller that
    already runs a loop in this thread (Playwright's sync API in the same test process) is no obstacle."""
    outcome: dict = {}

    def main() -> None:
        try:
            outcome["result"] = asyncio.run(run_async(host, port, make_request, rate, seconds, **options))
        except BaseException as error:  # re-raised in the caller's thread
            outcome["error"] = error

    thread = threading.Thread(target=main, name="openloop")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def http_request(
    method: str, path: str, host: str, *, body: bytes = b"", headers: dict[str, str] | None = None
) -> bytes:
    """One HTTP/1.1 keep-alive request as bytes."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
