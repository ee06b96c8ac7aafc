"""Serve create_app() with gunicorn (never the Flask debug server)."""

from __future__ import annotations

import os
import sys

from gunicorn.app.base import BaseApplication

from app import create_app
from app.config import ConfigError


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
    options = {
        "bind": f"{app.config['HOST']}:{app.config['PORT']}",
        "workers": workers,
        "threads": int(app.config["THREADS"]),
        "worker_class": "gthread",
        "accesslog": None,
        "errorlog": "-",
        "timeout": 30,
        "graceful_timeout": 10,
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        # Each server process starts a webhook deliverer after the fork (a thread never survives one);
        # one of them, across every instance, holds the worker lock and delivers (SPEC section 16).
        "post_worker_init": lambda worker: app.extensions["corebank"].start_delivery_worker(),
    }
    CorebankServer(app, options).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
