"""Two Corebank instances behind nginx, started by the project's own deploy/cluster.sh (SPEC
section 17), on a database and Redis the bench provides; the bench's load goes through nginx."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from bench import proc
from bench.live import HOST, PYTHON, RAISED_LIMITS, ROOT, SECRETS, Http, NoAnswer, free_port

SCRIPT = ROOT / "deploy" / "cluster.sh"


class Cluster:
    def __init__(self, workdir: Path, *, database_url: str, redis_uri: str, env: dict | None = None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.run_dir = self.workdir / "cluster"
        self.port = free_port()
        self.database_url = database_url
        self.env = {
            **os.environ,
            "COREBANK_ENV": "development",
            "HOST": HOST,
            "PORT": str(self.port),
            "WORKERS": "1",
            "DATABASE_URL": database_url,
            "RATELIMIT_STORAGE_URI": redis_uri,
            "CLUSTER_RUN_DIR": str(self.run_dir),
            "PY": PYTHON,
            "FLASK": str(Path(PYTHON).parent / "flask"),
            "BCRYPT_COST": "4",
            "ACCESS_TOKEN_MINUTES": "240",
            **SECRETS,
            **RAISED_LIMITS,
            **(env or {}),
        }
        self.proc: subprocess.Popen | None = None

    @property
    def log_path(self) -> Path:
        return self.workdir / "cluster.log"

    def start(self, timeout: float = 90.0) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603 (the project's own script)
                ["/bin/bash", str(SCRIPT)], cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        probe = Http(self.port, timeout=2.0)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"deploy/cluster.sh exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if probe.call("GET", "/readyz").status == 200 and len(self.worker_pids()) >= 2:
                    probe.close()
                    return
            except NoAnswer:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"cluster not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        """The instances' workers: children of a run.py process that are run.py themselves."""
        if self.proc is None or self.proc.poll() is not None:
            return []
        masters = [pid for pid in proc.descendants(self.proc.pid) if "run.py" in proc.cmdline(pid)]
        return [child for pid in masters for child in proc.children(pid) if "run.py" in proc.cmdline(child)]

    def stop(self) -> None:
        """SIGTERM: the script stops nginx, then both instances, gracefully."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
