"""prod-local's daemons in front of PostgreSQL: PgBouncer, the app servers, Celery and nginx."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from deploy.processes import (
    DEPLOY,
    PYTHON,
    ROOT,
    VENV_BIN,
    chown_to,
    log,
    pid_in,
    render,
    run,
    spawn,
    user_can_reach,
    wait_port,
)

if TYPE_CHECKING:
    from deploy.local import Topology


def _spawn(topology: Topology, name: str, args: list[str], env: dict[str, str]) -> None:
    spawn(args, env, log_file=topology.log_dir / f"{name}.log", pid_file=topology.pid_file(name))


def pgbouncer_start(topology: Topology) -> None:
    folder = topology.root / "pgbouncer"
    log_dir = topology.log_dir
    if os.geteuid() == 0 and not user_can_reach("postgres", topology.root):
        # A checkout under a private home: PgBouncer runs as postgres and must reach its files.
        folder = Path(tempfile.gettempdir()) / f"indigo-pgbouncer-{topology.pgbouncer_port}"
        log_dir = folder
    folder.mkdir(exist_ok=True)
    auth_file = folder / "userlist.txt"
    auth_file.write_text('"postgres" ""\n')
    replica_line = ""
    if topology.replica_port:
        replica_line = (
            f"{topology.database}_replica = host=127.0.0.1 port={topology.replica_port} dbname={topology.database}"
        )
    ini = render(
        "pgbouncer.ini",
        DATABASE=topology.database,
        PG_HOST=topology.pg_host,
        PG_PORT=topology.pg_port,
        REPLICA_DATABASE_LINE=replica_line,
        LISTEN_ADDR="127.0.0.1",
        LISTEN_PORT=topology.pgbouncer_port,
        RUN_DIR=folder,
        LOG_DIR=log_dir,
        AUTH_TYPE="trust",
        AUTH_FILE=auth_file,
        POOL_SIZE=topology.pool_size,
        MAX_DB_CONNECTIONS=topology.pool_size + 6,
        ADMIN_USER="postgres",
    )
    path = folder / "pgbouncer.ini"
    path.write_text(ini)
    chown_to("postgres", folder, *folder.iterdir())
    args = ["pgbouncer", "-d", str(path)]
    if os.geteuid() == 0:
        args[1:1] = ["-u", "postgres"]
    run(args)
    wait_port(topology.pgbouncer_port, "PgBouncer", topology.log_dir)
    # Its own pid file lives with its config (owned by postgres); ours points at it.
    # Wait for a whole pid: the file exists a moment before pgbouncer has written its number, and an
    # empty copy would leave nothing to stop.
    deadline = time.monotonic() + 10
    while pid_in(folder / "pgbouncer.pid") is None and time.monotonic() < deadline:
        time.sleep(0.1)
    pid = pid_in(folder / "pgbouncer.pid")
    if pid is None:
        raise SystemExit(f"PgBouncer wrote no pid to {folder / 'pgbouncer.pid'}; see {topology.log_dir}")
    topology.pid_file("pgbouncer").write_text(f"{pid}\n")


def app_server_args(topology: Topology, port: int) -> list[str]:
    workers, threads = str(topology.workers), str(topology.threads)
    if topology.app_server == "gunicorn":
        return [
            PYTHON,
            *("-m", "gunicorn", "indigo.wsgi:application", "--bind", f"127.0.0.1:{port}"),
            *("--workers", workers, "--worker-class", "gthread", "--threads", threads),
            *("--backlog", "2048", "--timeout", "30", "--graceful-timeout", "10"),
            # Longer than nginx keeps an idle upstream connection, so nginx never sends on a closing one.
            *("--keep-alive", "75", "--forwarded-allow-ips", "127.0.0.1", "--log-level", "warning"),
        ]
    if topology.app_server == "granian":
        return [
            *(PYTHON, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)),
            *("--workers", workers, "--blocking-threads", threads, "--backlog", "2048"),
            *("--workers-kill-timeout", "10", "--no-access-log", "--log-level", "warning"),
            "indigo.wsgi:application",
        ]
    raise SystemExit(f"APP_SERVER={topology.app_server!r}: use gunicorn or granian.")


def app_server_start(topology: Topology, port: int) -> None:
    _spawn(topology, f"app-{port}", app_server_args(topology, port), topology.app_env())


def celery_start(topology: Topology) -> None:
    celery = str(VENV_BIN / "celery")
    env = topology.app_env()
    _spawn(
        topology,
        "celery-worker",
        [celery, "-A", "indigo", "worker", "--concurrency", "2", "--loglevel", "WARNING"],
        env,
    )
    # Exactly one beat for the whole deployment (docs/deploy.md): its schedule file is ours.
    schedule = str(topology.root / "celerybeat-schedule")
    _spawn(
        topology, "celery-beat", [celery, "-A", "indigo", "beat", "--schedule", schedule, "--loglevel", "WARNING"], env
    )


def nginx_start(topology: Topology) -> None:
    temp = topology.root / "nginx-temp"
    temp.mkdir(exist_ok=True)
    user_line = ""
    if os.geteuid() == 0:
        user_line = "user www-data;"
        chown_to("www-data", temp)
        if not user_can_reach("www-data", ROOT / "staticfiles", temp):
            # A checkout under a private home (/root is 0700): the workers could not read the
            # static files. Production installs under /srv, readable by www-data.
            log("www-data cannot reach this checkout: nginx's workers run as root here")
            user_line = "user root;"
    servers = "\n".join(
        f"        server 127.0.0.1:{port} max_conns={topology.max_conns} max_fails=1 fail_timeout=2s;"
        for port in topology.app_ports
    )
    conf = render(
        "nginx.conf",
        USER_LINE=user_line,
        NGINX_WORKERS=1,
        RUN_DIR=topology.run_dir,
        LOG_DIR=topology.log_dir,
        NGINX_TEMP=temp,
        REAL_IP_FROM="127.0.0.1",
        CLIENT_RATE=topology.client_rate,
        CLIENT_BURST=topology.client_burst,
        CLAIM_RATE=topology.claim_rate,
        CLAIM_BURST=topology.claim_burst,
        CLIENT_CONNECTIONS=topology.client_connections,
        UPSTREAM_SERVERS=servers,
        LISTEN=f"127.0.0.1:{topology.nginx_port}",
        SERVER_NAME="127.0.0.1 localhost",
        STATIC_ROOT=ROOT / "staticfiles",
        PROXY_PARAMS=topology.root / "proxy_params",
        RETRY_AFTER=2,
    )
    shutil.copy(DEPLOY / "proxy_params", topology.root / "proxy_params")
    path = topology.root / "nginx.conf"
    path.write_text(conf)
    run(["nginx", "-q", "-t", "-c", str(path), "-p", str(topology.root)])
    run(["nginx", "-c", str(path), "-p", str(topology.root)])
