"""Closed-loop load from `wrk` (Debian's package) with bench/requests.lua: a plan of requests, each
POST with a unique Idempotency-Key, each with its bearer token. Installs wrk with apt-get when it is
missing (as root only; otherwise says how)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "requests.lua"
CONNECTIONS = 32
THREADS = 2


class WrkMissing(RuntimeError):
    pass


def ensure_installed() -> str:
    """The path of wrk, installing Debian's package first when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise WrkMissing("wrk is not installed: apt-get install wrk (Debian's package), then run the bench again")
    print("installing wrk (Debian's package)...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)  # noqa: S607
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)  # noqa: S607
    found = shutil.which("wrk")
    if not found:
        raise WrkMissing("apt-get did not install wrk")
    return found


@dataclass
class WrkResult:
    requests: int
    seconds: float
    status_errors: int  # answers with status >= 400
    socket_errors: int  # connect, read, write, timeout
    p50_ms: float | None
    p90_ms: float | None
    p99_ms: float | None
    max_ms: float | None

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.status_errors + self.socket_errors

    def as_dict(self) -> dict:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "rate": round(self.rate, 1),
            "status_errors": self.status_errors,
            "socket_errors": self.socket_errors,
            "p50_ms": self.p50_ms,
            "p90_ms": self.p90_ms,
            "p99_ms": self.p99_ms,
            "max_ms": self.max_ms,
        }


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_DURATION = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()
    return float(number) * _UNITS[unit]


def parse(output: str) -> WrkResult:
    """wrk's summary: the WRK_JSON line of requests.lua's done() when present, else the text report."""
    for line in output.splitlines():
        if line.startswith("WRK_JSON "):
            data = json.loads(line.removeprefix("WRK_JSON "))
            return WrkResult(
                requests=data["requests"],
                seconds=data["duration_us"] / 1e6,
                status_errors=data["status"],
                socket_errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
                p50_ms=round(data["p50_us"] / 1000, 3),
                p90_ms=round(data["p90_us"] / 1000, 3),
                p99_ms=round(data["p99_us"] / 1000, 3),
                max_ms=round(data["max_us"] / 1000, 3),
            )
    total = re.search(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h)", output, re.MULTILINE)
    if total is None:
        raise ValueError(f"not a wrk report:\n{output}")
    requests, seconds = int(total.group(1)), float(total.group(2)) * _DURATION[total.group(3)]
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    status = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    latency = re.search(r"^\s*Latency\s+(\S+)\s+\S+\s+(\S+)", output, re.MULTILINE)
    percentiles = dict(re.findall(r"^\s*(50|90|99)(?:\.0+)?%\s+(\S+)", output, re.MULTILINE))
    return WrkResult(
        requests=requests,
        seconds=seconds,
        status_errors=int(status.group(1)) if status else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
        p50_ms=_ms(percentiles["50"]) if "50" in percentiles else None,
        p90_ms=_ms(percentiles["90"]) if "90" in percentiles else None,
        p99_ms=_ms(percentiles["99"]) if "99" in percentiles else None,
        max_ms=_ms(latency.group(2)) if latency else None,
    )


def plan_lines(requests: list[tuple[str, str, str | None, dict | None]]) -> str:
    """The plan file requests.lua reads: (method, path, token, body) per line."""
    lines = []
    for method, path, token, body in requests:
        text = "" if body is None else json.dumps(body, separators=(",", ":"))
        if any(c in field for field in (method, path, token or "", text) for c in "\t\n"):
            raise ValueError("plan fields cannot hold tabs or newlines")
        lines.append(f"{method}\t{path}\t{token or '-'}\t{text}")
    return "\n".join(lines) + "\n"


def run(
    url: str,
    plan: Path,
    seconds: float,
    *,
    connections: int = CONNECTIONS,
    threads: int = THREADS,
    timeout_s: int = 10,
) -> WrkResult:
    """wrk against ``url`` (the base; paths come from the plan) for ``seconds``."""
    wrk = ensure_installed()
    args = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={timeout_s}s",
        "-s",
        str(SCRIPT),
        url,
        "--",
        str(plan),
        uuid.uuid4().hex[:12],
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 120, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return parse(done.stdout)
