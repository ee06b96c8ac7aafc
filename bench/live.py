"""A real Corebank server in a subprocess, started as `make run` starts it (bench/server.py says how),
plus a small keep-alive HTTP client. Used by the proof tests, `make soak` and `make bench`.

Only loopback addresses are ever contacted."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bench import server as server_program

ROOT = server_program.ROOT
PYTHON = server_program.PYTHON
HOST = "127.0.0.1"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379

# Fixed secrets so that a restarted server accepts the tokens the previous one issued.
SECRETS = {
    "SECRET_KEY": "proof-secret-key-0123456789abcdef0123456789abcdef",
    "JWT_SECRET": "proof-jwt-secret-0123456789abcdef0123456789abcdef",
    "PIN_PEPPER": "proof-pin-pepper-0123456789abcdef0123456789abcdef",
    "CARD_KEYS": "cHJvb2YtY2FyZC1rZXktMDEyMzQ1Njc4OWFiY2RlZjA=",
    "AUDIT_KEY": "proof-audit-key-0123456789abcdef0123456789abcdef",
}
# Limits raised so the limiter counts every request but never answers 429.
RAISED_LIMITS = {
    "RATELIMIT_MONEY": "100000/minute",
    "RATELIMIT_DEFAULT": "100000/minute",
    "RATELIMIT_LOGIN": "1000/minute",
    "RATELIMIT_LOGIN_EMAIL": "1000/minute",
    "RATELIMIT_REGISTER": "1000/minute",
    "RATELIMIT_REFRESH": "1000/minute",
    "RATELIMIT_LOOKUP": "100000/minute",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def redis_available(timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class NoAnswer(Exception):
    """The request may or may not have been executed: the client got no response."""


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: object

    @property
    def replayed(self) -> bool:
        return self.headers.get("idempotent-replayed") == "true"


class Http:
    """One keep-alive connection (one per client thread)."""

    def __init__(self, port: int, host: str = HOST, timeout: float = 30.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body=None, token: str | None = None, headers=None) -> Reply:
        payload = None if body is None else json.dumps(body).encode()
        sent = {"Content-Type": "application/json"} if payload is not None else {}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        sent.update(headers or {})
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.conn.request(method, path, body=payload, headers=sent)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise NoAnswer(f"{type(exc).__name__}: {exc}") from exc
        if response.will_close:
            self.close()
        headers = {name.lower(): value for name, value in response.getheaders()}
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        return Reply(response.status, headers, parsed)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class LiveServer:
    """Corebank (``bench.server.corebank_command()``) in its own process group, on a fresh SQLite file
    in ``workdir``, or on ``database_url`` when given (a migrated PostgreSQL database shared by several
    instances). ``command`` and ``ready_path`` serve another program the same way (the bench's floor)."""

    def __init__(
        self,
        workdir: Path,
        *,
        workers: int = 1,
        redis_uri: str | None = None,
        env: dict | None = None,
        database_url: str | None = None,
        command: list[str] | None = None,
        ready_path: str = "/readyz",
    ):
        self.command = command or server_program.corebank_command()
        self.ready_path = ready_path
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url or f"sqlite:///{self.workdir / 'corebank.db'}"
        self.port = free_port()
        self.env = {
            **os.environ,
            "COREBANK_ENV": "development",
            "HOST": HOST,
            "PORT": str(self.port),
            "WORKERS": str(workers),
            "DATABASE_URL": self.database_url,
            "BCRYPT_COST": "4",
            "ACCESS_TOKEN_MINUTES": "240",
            "LOG_DIR": str(self.workdir / "logs"),
            **SECRETS,
            **RAISED_LIMITS,
        }
        self.env.pop("RATELIMIT_STORAGE_URI", None)
        if redis_uri:
            self.env["RATELIMIT_STORAGE_URI"] = redis_uri
        self.env.update(env or {})
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    def start(self, timeout: float = 60.0) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603 (our own interpreter and script)
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        self.starts += 1
        deadline = time.monotonic() + timeout
        probe = Http(self.port, timeout=2.0)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if probe.call("GET", self.ready_path).status == 200 and len(self.worker_pids()) >= self.workers:
                    probe.close()
                    return
            except NoAnswer:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"server not ready after {timeout:.0f} s:\n{self.log_tail()}")

    @property
    def workers(self) -> int:
        return int(self.env["WORKERS"])

    def worker_pids(self) -> list[int]:
        """The server's worker processes: the children of the master (run.py itself)."""
        if self.proc is None or self.proc.poll() is not None:
            return []
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def kill(self) -> None:
        """SIGKILL the whole process group: master and workers die mid-request, as in a crash."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)

    def kill_worker(self) -> bool:
        """SIGKILL one worker; the gunicorn master starts a new one."""
        pids = self.worker_pids()
        if not pids:
            return False
        try:
            os.kill(pids[0], signal.SIGKILL)
        except ProcessLookupError:
            return False
        return True

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def flask(self, *args: str, timeout: float = 300.0) -> subprocess.CompletedProcess:
        """A `flask` CLI command against this server's database (`flask verify`, ...)."""
        env = {**self.env, "FLASK_APP": "app:create_app"}
        flask = str(Path(PYTHON).parent / "flask")
        return subprocess.run(  # noqa: S603 (our own CLI)
            [flask, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def __enter__(self) -> LiveServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
