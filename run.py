"""Serve create_app() with a production WSGI server (never the Flask debug server): gunicorn's gthread
workers (the default) or granian (SERVER=granian: measured faster on Corebank's transfer path, kept
opt-in until an unexplained loss seen twice in its shutdown test is understood: see README). Both
stop gracefully on SIGTERM (in-flight requests finish, at most 10 s), replace a worker that dies, and
kill one silent for WORKER_TIMEOUT seconds (gunicorn's own timeout; for granian, ``Heartbeats``
below)."""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from app import create_app
from app.config import ConfigError


def start_delivery(app) -> None:
    """Start this process's webhook deliverer; an app without Corebank's services (the bench's trivial
    floor app, served by this same program) has none to start."""
    services = app.extensions.get("corebank")
    if services is not None:
        services.start_delivery_worker()


def serve_gunicorn(app, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    class CorebankServer(BaseApplication):
        def __init__(self, application, options):
            self.application = application
            self.options = options
            super().__init__()

        def load_config(self):
            for key, value in self.options.items():
                self.cfg.set(key, value)

        def load(self):
            return self.application

    options = {
        "bind": f"{app.config['HOST']}:{app.config['PORT']}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "accesslog": None,
        "errorlog": "-",
        "timeout": int(app.config["WORKER_TIMEOUT"]),
        "graceful_timeout": 10,
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        # Each server process starts a webhook deliverer after the fork (a thread never survives one);
        # one of them, across every instance, holds the worker lock and delivers (SPEC section 16).
        "post_worker_init": lambda worker: start_delivery(app),
    }
    CorebankServer(app, options).run()


HEARTBEAT_DIR = "COREBANK_HEARTBEAT_DIR"


class Heartbeats:
    """gunicorn's worker timeout for granian, which has none: every worker touches a file of its own
    once a second from a daemon thread (``worker_app``); the master kills (SIGKILL) a worker whose file
    is older than ``timeout`` seconds, and granian starts a new one. Like gunicorn's gthread heartbeat,
    it catches a worker that is stopped or whose interpreter is wedged (the GIL never released), not one
    slow request."""

    def __init__(self, timeout: int):
        self.timeout = timeout
        self.folder = Path(tempfile.mkdtemp(prefix="corebank-heartbeats-"))
        os.environ[HEARTBEAT_DIR] = str(self.folder)  # the workers inherit it
        atexit.register(shutil.rmtree, self.folder, True)
        self.first_seen: dict[int, float] = {}

    @staticmethod
    def workers() -> set[int]:
        found = set()
        for task in Path("/proc/self/task").iterdir():
            try:
                found.update(int(pid) for pid in (task / "children").read_text().split())
            except OSError:
                continue
        return found

    def check(self) -> None:
        now = time.time()
        alive = self.workers()
        for pid in list(self.first_seen):
            if pid not in alive:
                del self.first_seen[pid]
                (self.folder / str(pid)).unlink(missing_ok=True)
        for pid in alive:
            try:
                beat = (self.folder / str(pid)).stat().st_mtime
            except FileNotFoundError:
                beat = self.first_seen.setdefault(pid, now)  # still starting: its clock starts now
            if now - beat > self.timeout:
                print(f"[corebank] worker {pid} silent for {now - beat:.0f} s: killing it", file=sys.stderr)
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.first_seen[pid] = now + 3600  # killed once; granian reaps and replaces it

    def watch(self) -> None:
        def loop():
            while True:
                time.sleep(1)
                self.check()

        threading.Thread(target=loop, name="corebank-heartbeats", daemon=True).start()


def worker_app():
    """granian's factory in each worker: the app, plus the heartbeat thread ``Heartbeats`` watches."""
    application = create_app()
    start_delivery(application)  # as gunicorn's post_worker_init does
    folder = os.environ.get(HEARTBEAT_DIR)
    if folder:
        beat = Path(folder) / str(os.getpid())

        def loop():
            while True:
                beat.touch()
                time.sleep(1)

        threading.Thread(target=loop, name="corebank-heartbeat", daemon=True).start()
    return application


def serve_granian(app, workers: int, threads: int) -> None:
    from granian.constants import Interfaces
    from granian.server import Server

    Heartbeats(int(app.config["WORKER_TIMEOUT"])).watch()
    Server(
        "run:worker_app",
        factory=True,
        address=app.config["HOST"],
        port=int(app.config["PORT"]),
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        respawn_failed_workers=True,
        respawn_interval=0.5,
        workers_kill_timeout=10,
        log_access=False,
        websockets=False,
    ).serve()


def main() -> int:
    try:
        app = create_app()
    except ConfigError as error:
        print(f"refusing to start: {error}", file=sys.stderr)
        return 2
    workers = int(app.config["WORKERS"])
    if workers > 1 and app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        print(
            "refusing to start: WORKERS > 1 needs a shared rate-limit store; set RATELIMIT_STORAGE_URI=redis://…",
            file=sys.stderr,
        )
        return 2
    if app.config["SERVER"] == "granian" and importlib.util.find_spec("granian") is None:
        print(
            "refusing to start: SERVER=granian but granian is not installed (pip install -r requirements.txt)",
            file=sys.stderr,
        )
        return 2
    serve = {"gunicorn": serve_gunicorn, "granian": serve_granian}[app.config["SERVER"]]
    serve(app, workers, int(app.config["THREADS"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
