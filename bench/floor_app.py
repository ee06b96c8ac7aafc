"""The server's floor (SPEC section 12): a tiny Flask app answering ``GET /ping`` with a small JSON
body, no hooks (no limiter, no auth, no logging, no security headers), served by run.py's own
``main()`` so the server program and its settings are exactly Corebank's (see bench/server.py).

    HOST=127.0.0.1 PORT=8001 python -m bench.floor_app"""

from __future__ import annotations

import sys

from flask import Flask, jsonify

import run
from app.config import PROJECT_ROOT, load_config


def create_floor_app() -> Flask:
    app = Flask(__name__)
    # The server settings run.py reads (HOST, PORT, WORKERS, THREADS, ...) with Corebank's defaults.
    app.config.update(load_config(PROJECT_ROOT / "instance"))

    @app.get("/ping")
    def ping():
        return jsonify(status="ok")

    return app


def main() -> int:
    run.create_app = create_floor_app  # run.main() serves whatever create_app() returns
    return run.main()


if __name__ == "__main__":
    sys.exit(main())
