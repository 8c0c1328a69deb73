"""The benchmarks through the production front (`--front`, or BENCH_TARGET=front): nginx → app servers
→ PgBouncer, as `make prod-local` runs them (deploy/local.py), on the bench's own database and ports.

The load generator then names a client address per parent (X-Forwarded-For, believed from 127.0.0.1
as from a load balancer before nginx), so nginx's per-client limits see 20,000 families, not one.
The Celery worker and beat are left out, as in the single-server runs (nothing consumes the bench's
notifications), so both targets spend the same cores on the portal.
"""

import argparse
import os

from bench.common import BROKER_URL, CACHE_URL, ROOT, SECRET_KEY, log
from bench.server import Server, ServerConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--front",
        action="store_true",
        default=os.environ.get("BENCH_TARGET", "server") == "front",
        help="through nginx → app servers → PgBouncer (make prod-local's topology) instead of one gunicorn",
    )
    parser.add_argument("--front-app-ports", help="the app servers' ports behind nginx (default: --port + 1, + 2)")
    parser.add_argument("--pgbouncer-port", type=int, help="PgBouncer's port (default: --port + 3)")


def serve(database: str, config: ServerConfig, args: argparse.Namespace):
    """The single server, or the whole front on --port; either is a context manager."""
    if not args.front:
        return Server(database, config)
    return Front(database, config, args)


def describe(config: ServerConfig, args: argparse.Namespace) -> str:
    return Front.describe_args(config, args) if args.front else config.describe()


class Front:
    def __init__(self, database: str, config: ServerConfig, args: argparse.Namespace):
        from deploy.local import Topology

        app_ports = [int(p) for p in (args.front_app_ports or f"{args.port + 1},{args.port + 2}").split(",")]
        self.topology = Topology(
            root=ROOT / "var" / "bench" / f"front-{args.port}",
            database=database,
            nginx_port=args.port,
            app_ports=app_ports,
            pgbouncer_port=args.pgbouncer_port or args.port + 3,
            cache_url=CACHE_URL,
            broker_url=BROKER_URL,
            # The same processes and threads as the single server: 2 × 16 threads, here one per app server.
            workers=max(1, config.workers // len(app_ports)),
            threads=config.threads,
            celery=False,
            # The bench's key: its sessions, written straight into the database, are signed with it.
            extra_env={**config.env, "SECRET_KEY": SECRET_KEY, "LOG_LEVEL": "ERROR"},
        )
        for name in ("BENCH_MAX_CONNS", "BENCH_POOL_SIZE"):
            if os.environ.get(name):
                setattr(self.topology, name.removeprefix("BENCH_").lower(), int(os.environ[name]))

    @staticmethod
    def describe_args(config: ServerConfig, args: argparse.Namespace) -> str:
        return f"front: {Front(args.database, config, args).topology.describe()}"

    def __enter__(self) -> "Front":
        self.topology.stop(quiet=True)
        self.topology.start()
        log(f"front up: {self.topology.describe()}")
        return self

    def __exit__(self, *exc) -> None:
        self.topology.stop(quiet=True)

    def cpu_seconds(self) -> float:
        """CPU used so far by every app server behind nginx (nginx and PgBouncer left out, as for one server)."""
        from bench.server import _tree_cpu_seconds

        total = 0.0
        for port in self.topology.app_ports:
            pid_text = self.topology.pid_file(f"app-{port}").read_text().strip()
            total += _tree_cpu_seconds(int(pid_text)) if pid_text else 0.0
        return total
