"""The server program, in one place: how the bench (and the proof tests, through bench/live.py)
start Corebank, and how they start the server's floor with the very same program and settings.

Today both go through run.py: Corebank is ``python run.py``; the floor is ``python -m bench.floor_app``,
which hands run.py's ``main()`` the tiny Flask app in place of ``create_app()``, so whatever server
run.py starts (gunicorn gthread today, with its workers, threads and timeouts) also serves the floor.
If run.py ever stops taking its application from ``run.create_app`` (a server that imports the app by
name in fresh processes, e.g. granian with an import string), change ``floor_command`` here."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(Path(sys.executable))
NAME = "gunicorn gthread (run.py)"  # printed with the results


def corebank_command() -> list[str]:
    """Corebank as `make run` serves it (HOST, PORT, WORKERS, THREADS from the environment)."""
    return [PYTHON, "run.py"]


def floor_command() -> list[str]:
    """The trivial JSON endpoint (bench/floor_app.py) under the same server program and settings."""
    return [PYTHON, "-m", "bench.floor_app"]
