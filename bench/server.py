"""Gunicorn serving the portal for a benchmark: started on 127.0.0.1, ready when /healthz answers, stopped by pid.

The defaults are what docs/performance.md found best on this 2-core machine; each can be changed
from the environment (BENCH_WORKERS, BENCH_THREADS, BENCH_WORKER_CLASS …) to try another setup.
"""

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from bench.common import PYTHON, ROOT, bench_env, log

LOG_DIR = ROOT / "var" / "bench"


@dataclass
class ServerConfig:
    port: int = 8701
    workers: int = int(os.environ.get("BENCH_WORKERS", "2"))
    worker_class: str = os.environ.get("BENCH_WORKER_CLASS", "gthread")
    threads: int = int(os.environ.get("BENCH_THREADS", "16"))
    backlog: int = int(os.environ.get("BENCH_BACKLOG", "2048"))
    timeout: int = 30
    # Persistent database connections: a new PostgreSQL backend per request costs more than a claim.
    conn_max_age: int = int(os.environ.get("BENCH_CONN_MAX_AGE", "60"))
    env: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        threads = f" × {self.threads} threads" if self.worker_class == "gthread" else ""
        extra = " ".join(f"{k}={v}" for k, v in sorted(self.env.items()))
        return (
            f"gunicorn {self.workers} {self.worker_class} workers{threads}, backlog {self.backlog}, "
            f"DB_CONN_MAX_AGE={self.conn_max_age} {extra}".strip()
        )


class Server:
    def __init__(self, database: str, config: ServerConfig):
        self.database, self.config = database, config
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        c = self.config
        args = [
            PYTHON,
            "-m",
            "gunicorn",
            "indigo.wsgi:application",
            "--bind",
            f"127.0.0.1:{c.port}",
            "--workers",
            str(c.workers),
            "--worker-class",
            c.worker_class,
            "--threads",
            str(c.threads),
            "--backlog",
            str(c.backlog),
            "--timeout",
            str(c.timeout),
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
        ]
        env = bench_env(self.database, DB_CONN_MAX_AGE=str(c.conn_max_age), **c.env)
        # Django logs every 4xx; thousands of refusals would bury the results, so they go to a file.
        LOG_DIR.mkdir(exist_ok=True)
        self.log = open(LOG_DIR / f"server-{c.port}.log", "w")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode} on start")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{c.port}/healthz", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        log(f"server up: {c.describe()}")
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        self.__exit__(None, None, None)
        raise SystemExit("gunicorn did not answer /healthz within 60 s")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if getattr(self, "log", None) is not None:
            self.log.close()
