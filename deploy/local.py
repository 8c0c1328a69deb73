"""`make prod-local`: the production topology of docs/deploy.md on this machine, from Debian's packages.

    .venv/bin/python -m deploy.local start [--replica] [--nginx-port 8380] [--app-ports 8331,8332] …
    .venv/bin/python -m deploy.local stop
    .venv/bin/python -m deploy.local status

nginx (deploy/nginx.conf) → APP_SERVER instances (granian by default, as bench/appservers.py measured)
→ PgBouncer
(deploy/pgbouncer.ini, transaction pooling) → the local PostgreSQL on 127.0.0.1:5432, with Redis for
the cache and the broker, one Celery worker and exactly one beat, and on request a streaming replica
(a second PostgreSQL 15 cluster made with pg_basebackup -R) for the public pages. Every file it writes
(rendered configs, pid files, logs, the replica's data) is under var/prod/ (--root); the system-wide
nginx and PgBouncer services are never touched. When run as root, PgBouncer and the replica run as
the postgres user (neither runs as root) and nginx's workers as www-data.
"""

import argparse
import os
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

from deploy import postgres, services
from deploy.processes import PYTHON, ROOT, alive, chown_to, log, run, terminate, wait_http, which

APP_SERVER = os.environ.get("APP_SERVER", "granian")
# Stop order: the front first, so no request reaches a process that is going away.
STOP_ORDER = ("nginx", "app-", "celery-beat", "celery-worker", "pgbouncer")


def _ports(text: str) -> list[int]:
    return [int(item) for item in text.split(",") if item.strip()]


@dataclass
class Topology:
    root: Path = ROOT / "var" / "prod"
    database: str = "indigo_prod"
    nginx_port: int = 8380
    app_ports: list[int] = field(default_factory=lambda: [8331, 8332])
    pgbouncer_port: int = 6433
    replica_port: int | None = None
    pg_host: str = "127.0.0.1"
    pg_port: int = 5432
    cache_url: str = "redis://127.0.0.1:6379/10"
    broker_url: str = "redis://127.0.0.1:6379/11"
    app_server: str = APP_SERVER
    workers: int = 1
    threads: int = 16
    # Requests in flight per app server before nginx answers 503 itself (deploy/nginx.conf).
    max_conns: int = 8
    client_rate: str = "20r/s"
    client_burst: int = 40
    claim_rate: str = "2r/s"
    claim_burst: int = 4
    client_connections: int = 32
    pool_size: int = 10
    seed_args: list[str] = field(default_factory=list)
    # Clone a migrated database instead of migrating an empty one (the smoke test's shortcut).
    template: str | None = None
    celery: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)

    # --- paths -------------------------------------------------------------------------------------
    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def log_dir(self) -> Path:
        return self.root / "log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    def pid_file(self, name: str) -> Path:
        return self.run_dir / f"{name}.pid"

    # --- environment -------------------------------------------------------------------------------
    def secret_key(self) -> str:
        path = self.root / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(50))
            path.chmod(0o600)
        return path.read_text().strip()

    def app_env(self) -> dict[str, str]:
        """What every app server, the worker and beat run with: production settings, DEBUG off."""
        env = dict(os.environ)
        origins = [f"http://127.0.0.1:{self.nginx_port}", f"http://localhost:{self.nginx_port}"]
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "indigo.settings",
                "DEBUG": "0",
                "SECRET_KEY": self.secret_key(),
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "CSRF_TRUSTED_ORIGINS": ",".join(origins),
                "DATABASE_URL": f"postgres://postgres@127.0.0.1:{self.pgbouncer_port}/{self.database}",
                "DATABASE_POOLING": "transaction",
                "DB_CONN_MAX_AGE": "60",
                "CACHE_URL": self.cache_url,
                "CELERY_BROKER_URL": self.broker_url,
                "TRUSTED_PROXIES": "127.0.0.1",
                # Plain HTTP on 127.0.0.1: no TLS to redirect to (production terminates TLS in nginx).
                "ALLOW_PLAIN_HTTP": "1",
                "SECURE_SSL_REDIRECT": "0",
                "SECURE_HSTS_SECONDS": "0",
                "OVERLOAD_MAX_IN_FLIGHT": os.environ.get("OVERLOAD_MAX_IN_FLIGHT", "4"),
                "OVERLOAD_MAX_WAITING": os.environ.get("OVERLOAD_MAX_WAITING", "10"),
                "OVERLOAD_WAIT_MS": os.environ.get("OVERLOAD_WAIT_MS", "600"),
                "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
                "PYTHONPATH": str(ROOT),
            }
        )
        env.pop("DATABASE_REPLICA_URL", None)
        if self.replica_port:
            env["DATABASE_REPLICA_URL"] = f"postgres://postgres@127.0.0.1:{self.pgbouncer_port}/{self.database}_replica"
        env.update(self.extra_env)
        return env

    def direct_env(self) -> dict[str, str]:
        """For migrate and seed: straight to PostgreSQL, no pooler in between."""
        env = self.app_env()
        env.update({"DATABASE_URL": f"postgres://postgres@{self.pg_host}:{self.pg_port}/{self.database}"})
        env.update({"DATABASE_POOLING": "session", "LOG_LEVEL": "WARNING"})
        env.pop("DATABASE_REPLICA_URL", None)
        return env

    # --- start -------------------------------------------------------------------------------------
    def start(self) -> None:
        for tool in ("nginx", "pgbouncer"):
            if not which(tool):
                raise SystemExit(f"{tool} is not installed: run `bash .ci/prod-packages.sh` (make prod-local does).")
        if self.running():
            raise SystemExit(f"prod-local already runs under {self.root} (pid files in {self.run_dir}); stop it first.")
        for folder in (self.root, self.run_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
        chown_to("postgres", self.run_dir, self.log_dir)
        try:
            postgres.database_prepare(self)
            run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env=self.direct_env())
            if self.replica_port:
                postgres.replica_start(self)
            services.pgbouncer_start(self)
            for port in self.app_ports:
                self.app_server_start(port)
            if self.celery:
                services.celery_start(self)
            for port in self.app_ports:
                wait_http(f"http://127.0.0.1:{port}/healthz", f"app server on {port}", self.log_dir)
            services.nginx_start(self)
            wait_http(f"{self.url}/healthz", "nginx", self.log_dir)
        except BaseException:
            self.stop(quiet=True)
            raise
        log(f"prod-local up: {self.url}/ ({self.describe()})")

    def describe(self) -> str:
        replica = f", replica :{self.replica_port}" if self.replica_port else ""
        return (
            f"nginx :{self.nginx_port} → {len(self.app_ports)} × {self.app_server} "
            f"({self.workers} worker × {self.threads} threads, max_conns {self.max_conns}) on "
            f"{','.join(map(str, self.app_ports))} → PgBouncer :{self.pgbouncer_port} (transaction, pool "
            f"{self.pool_size}) → PostgreSQL :{self.pg_port}/{self.database}{replica}"
        )

    @property
    def slot(self) -> str:
        return f"indigo_replica_{self.replica_port}"

    def app_server_start(self, port: int) -> None:
        """One app server on `port` (the drills start a killed one again with it)."""
        services.app_server_start(self, port)

    def drop_database(self) -> None:
        """The smoke test's own database, dropped before and after it (connections ended)."""
        postgres.database_drop(self)

    # --- stop --------------------------------------------------------------------------------------
    def running(self) -> list[str]:
        if not self.run_dir.exists():
            return []
        return sorted(path.stem for path in self.run_dir.glob("*.pid") if path.stem == "replica" or alive(path))

    def stop(self, *, quiet: bool = False) -> None:
        if not self.run_dir.exists():
            return
        names = sorted(path.stem for path in self.run_dir.glob("*.pid"))
        for prefix in STOP_ORDER:
            for name in [n for n in names if n.startswith(prefix)]:
                terminate(self.pid_file(name), name)
        postgres.replica_stop(self)
        if not quiet:
            log(f"prod-local under {self.root} stopped")


def topology_from_args(args: argparse.Namespace) -> Topology:
    return Topology(
        root=Path(args.root),
        database=args.database,
        nginx_port=args.nginx_port,
        app_ports=_ports(args.app_ports),
        pgbouncer_port=args.pgbouncer_port,
        replica_port=args.replica_port if args.replica else None,
        cache_url=args.cache_url,
        broker_url=args.broker_url,
        threads=args.threads,
        max_conns=args.max_conns,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start", "stop", "status"])
    defaults = Topology()
    parser.add_argument("--root", default=str(defaults.root))
    parser.add_argument("--database", default=defaults.database)
    parser.add_argument("--nginx-port", type=int, default=defaults.nginx_port)
    parser.add_argument("--app-ports", default=",".join(map(str, defaults.app_ports)))
    parser.add_argument("--pgbouncer-port", type=int, default=defaults.pgbouncer_port)
    parser.add_argument("--replica", action="store_true", help="also a streaming replica for the public pages")
    parser.add_argument("--replica-port", type=int, default=5434)
    parser.add_argument("--cache-url", default=defaults.cache_url)
    parser.add_argument("--broker-url", default=defaults.broker_url)
    parser.add_argument("--threads", type=int, default=defaults.threads)
    parser.add_argument("--max-conns", type=int, default=defaults.max_conns)
    args = parser.parse_args(argv)
    topology = topology_from_args(args)
    if args.command == "start":
        topology.start()
    elif args.command == "stop":
        topology.stop()
    else:
        running = topology.running()
        print("\n".join(running) if running else "prod-local is not running")
    return 0


if __name__ == "__main__":
    sys.exit(main())
