"""The app server serving the portal for a benchmark: started on 127.0.0.1, ready when /healthz answers,
stopped by pid.

Three app servers can serve it (`BENCH_APP_SERVER`): gunicorn with threads (`gunicorn-gthread`),
gunicorn with one request per process (`gunicorn-sync`) and granian's WSGI interface (`granian`,
Rust HTTP with Python threads per worker). `python -m bench.appservers` measures them side by side;
the default is the one it found fastest (docs/performance.md). The rest of the set-up can be changed
from the environment (BENCH_WORKERS, BENCH_THREADS, BENCH_BACKLOG …) to try another.
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


APP_SERVERS = ("gunicorn-gthread", "gunicorn-sync", "granian")
DEFAULT_APP_SERVER = "gunicorn-gthread"
# Sync workers serve one request each: as many processes as gunicorn's rule (2 × cores + 1).
SYNC_WORKERS = 2 * (os.cpu_count() or 2) + 1


def _app_server() -> str:
    name = os.environ.get("BENCH_APP_SERVER", "")
    if not name and os.environ.get("BENCH_WORKER_CLASS"):  # the older switch still works
        name = f"gunicorn-{os.environ['BENCH_WORKER_CLASS']}"
    name = name or DEFAULT_APP_SERVER
    if name not in APP_SERVERS:
        raise SystemExit(f"BENCH_APP_SERVER={name!r}: one of {', '.join(APP_SERVERS)}")
    return name


@dataclass
class ServerConfig:
    port: int = 8701
    app_server: str = field(default_factory=_app_server)
    workers: int = int(os.environ.get("BENCH_WORKERS", "2"))
    threads: int = int(os.environ.get("BENCH_THREADS", "16"))
    backlog: int = int(os.environ.get("BENCH_BACKLOG", "2048"))
    timeout: int = 30
    # Persistent database connections: a new PostgreSQL backend per request costs more than a claim.
    conn_max_age: int = int(os.environ.get("BENCH_CONN_MAX_AGE", "60"))
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        if self.app_server == "gunicorn-sync" and "BENCH_WORKERS" not in os.environ:
            self.workers = SYNC_WORKERS

    @property
    def threaded(self) -> bool:
        """Several requests at once per process, as the admission control needs (indigo/overload.py)."""
        return self.app_server != "gunicorn-sync"

    @property
    def worker_class(self) -> str:
        return self.app_server.removeprefix("gunicorn-")

    def describe(self) -> str:
        threads = f" × {self.threads} threads" if self.threaded else ""
        extra = " ".join(f"{k}={v}" for k, v in sorted(self.env.items()))
        return (
            f"{self.app_server} {self.workers} workers{threads}, backlog {self.backlog}, "
            f"DB_CONN_MAX_AGE={self.conn_max_age} {extra}".strip()
        )

    def command(self) -> list[str]:
        if self.app_server == "granian":
            return [
                PYTHON,
                "-m",
                "granian",
                "--interface",
                "wsgi",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                # WSGI runs in granian's blocking threads: one Python thread per request in flight.
                "--blocking-threads",
                str(self.threads),
                "--backlog",
                str(self.backlog),
                "--workers-kill-timeout",
                "5",
                "--no-access-log",
                "--log-level",
                "warning",
                "indigo.wsgi:application",
            ]
        return [
            PYTHON,
            "-m",
            "gunicorn",
            "indigo.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            # More than one thread would make gunicorn switch a sync worker to gthread.
            "--threads",
            str(self.threads if self.threaded else 1),
            "--backlog",
            str(self.backlog),
            "--timeout",
            str(self.timeout),
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
        ]


def _tree_cpu_seconds(root: int) -> float:
    """User + system CPU of a process and all its live descendants, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents, cpu = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        parents[pid] = int(fields[1])
        cpu[pid] = (int(fields[11]) + int(fields[12])) / ticks
    total, tree = 0.0, {root}
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                changed = True
    for pid in tree:
        total += cpu.get(pid, 0.0)
    return total


class Server:
    def cpu_seconds(self) -> float:
        """CPU used so far by the server's processes (its workers' Python and, for granian, its Rust)."""
        return _tree_cpu_seconds(self.process.pid) if self.process is not None else 0.0

    def __init__(self, database: str, config: ServerConfig):
        self.database, self.config = database, config
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        c = self.config
        args = c.command()
        env = bench_env(self.database, DB_CONN_MAX_AGE=str(c.conn_max_age), **c.env)
        # Django logs every 4xx; thousands of refusals would bury the results, so they go to a file.
        LOG_DIR.mkdir(exist_ok=True)
        self.log = open(LOG_DIR / f"server-{c.port}.log", "w")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{c.app_server} exited with {self.process.returncode} on start")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{c.port}/healthz", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        log(f"server up: {c.describe()}")
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        self.__exit__(None, None, None)
        raise SystemExit(f"{self.config.app_server} did not answer /healthz within 60 s")

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
