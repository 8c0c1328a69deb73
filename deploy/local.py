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
import contextlib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import psycopg2.errors

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
PG_BIN = Path("/usr/lib/postgresql/15/bin")
# The one place that says which app server runs the portal (issue 15 item 2 measures the choice).
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
            if not _which(tool):
                raise SystemExit(f"{tool} is not installed: run `bash .ci/prod-packages.sh` (make prod-local does).")
        if self.running():
            raise SystemExit(f"prod-local already runs under {self.root} (pid files in {self.run_dir}); stop it first.")
        for folder in (self.root, self.run_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
        _chown_to("postgres", self.run_dir, self.log_dir)
        try:
            self._database()
            _run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env=self.direct_env())
            if self.replica_port:
                self._replica()
            self._pgbouncer()
            for port in self.app_ports:
                self._app_server(port)
            if self.celery:
                self._celery()
            for port in self.app_ports:
                _wait_http(f"http://127.0.0.1:{port}/healthz", f"app server on {port}", self.log_dir)
            self._nginx()
            _wait_http(f"{self.url}/healthz", "nginx", self.log_dir)
        except BaseException:
            self.stop(quiet=True)
            raise
        _log(f"prod-local up: {self.url}/ ({self.describe()})")

    def describe(self) -> str:
        replica = f", replica :{self.replica_port}" if self.replica_port else ""
        return (
            f"nginx :{self.nginx_port} → {len(self.app_ports)} × {self.app_server} "
            f"({self.workers} worker × {self.threads} threads, max_conns {self.max_conns}) on "
            f"{','.join(map(str, self.app_ports))} → PgBouncer :{self.pgbouncer_port} (transaction, pool "
            f"{self.pool_size}) → PostgreSQL :{self.pg_port}/{self.database}{replica}"
        )

    def _admin(self):
        connection = psycopg2.connect(dbname="postgres", user="postgres", host=self.pg_host, port=self.pg_port)
        connection.autocommit = True
        return connection

    def _database(self) -> None:
        connection = self._admin()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.database])
                fresh = cursor.fetchone() is None
                if fresh and self.template:
                    try:
                        cursor.execute(f'CREATE DATABASE "{self.database}" TEMPLATE "{self.template}"')
                    except (psycopg2.errors.ObjectInUse, psycopg2.errors.InvalidCatalogName):
                        # No such template, or someone is connected to it: migrate an empty database.
                        cursor.execute(f'CREATE DATABASE "{self.database}"')
                elif fresh:
                    cursor.execute(f'CREATE DATABASE "{self.database}"')
                # Settings the app cannot send through PgBouncer as startup options (indigo/settings.py).
                cursor.execute(f'ALTER DATABASE "{self.database}" SET jit = off')
                cursor.execute(f"ALTER DATABASE \"{self.database}\" SET timezone = 'UTC'")
        finally:
            connection.close()
        env = self.direct_env()
        _run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env=env)
        check = psycopg2.connect(dbname=self.database, user="postgres", host=self.pg_host, port=self.pg_port)
        try:
            with check.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM vacancies_city")
                seeded = cursor.fetchone()[0] > 0
        finally:
            check.close()
        if not seeded:
            _run([PYTHON, "manage.py", "seed_demo", "-v", "0", *self.seed_args], env=env)

    @property
    def slot(self) -> str:
        return f"indigo_replica_{self.replica_port}"

    def _drop_slot(self, slot: str | None = None) -> None:
        connection = self._admin()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s",
                    [slot or self.slot],
                )
        finally:
            connection.close()

    def drop_database(self) -> None:
        """The smoke test's own database, dropped before and after it (connections ended)."""
        connection = self._admin()
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        finally:
            connection.close()

    def _replica(self) -> None:
        data = self.root / "replica"
        run_dir = self.root / "replica-run"
        connection = self._admin()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database)")
                if cursor.fetchone()[0] == 0:
                    cursor.execute("SHOW hba_file")
                    hba = Path(cursor.fetchone()[0])
                    _log(f"allowing replication connections from 127.0.0.1 in {hba}")
                    with hba.open("a") as handle:
                        handle.write("\n# Added by Indigo's make prod-local REPLICA=1 (pg_basebackup, streaming)\n")
                        handle.write("host replication all 127.0.0.1/32 trust\n")
                    cursor.execute("SELECT pg_reload_conf()")
        finally:
            connection.close()
        # A fresh copy every start, with a replication slot of its own so the primary keeps the WAL
        # the replica has not streamed yet; stop drops both (a slot left behind would keep WAL forever).
        shutil.rmtree(data, ignore_errors=True)
        self._drop_slot()
        data.mkdir(parents=True)
        _chown_to("postgres", data)
        data.chmod(0o700)
        _log(f"pg_basebackup of {self.pg_host}:{self.pg_port} into {data} …")
        _run(
            [
                str(PG_BIN / "pg_basebackup"),
                *("-h", self.pg_host, "-p", str(self.pg_port), "-U", "postgres", "-D", str(data)),
                *("-R", "-X", "stream", "-c", "fast", "-C", "-S", self.slot),
            ],
            user="postgres",
        )
        run_dir.mkdir(exist_ok=True)
        _chown_to("postgres", run_dir)
        # Debian keeps the primary's configuration in /etc, so the copy has none: a minimal one.
        # max_connections must be at least the primary's for a hot standby to start.
        (data / "postgresql.conf").write_text(
            f"port = {self.replica_port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{run_dir}'\nmax_connections = 100\nshared_buffers = 64MB\n"
            "hot_standby = on\njit = off\ntimezone = 'UTC'\n"
            f"hba_file = '{data / 'pg_hba.conf'}'\nident_file = '{data / 'pg_ident.conf'}'\n"
        )
        (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        (data / "pg_ident.conf").write_text("")
        _chown_to("postgres", data)
        _run(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(self.log_dir / "replica.log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
            user="postgres",
        )
        # Not a pid: pg_ctl keeps the cluster's own; this names the slot for stop.
        self.pid_file("replica").write_text(f"{self.slot}\n")

    def _pgbouncer(self) -> None:
        folder = self.root / "pgbouncer"
        log_dir = self.log_dir
        if os.geteuid() == 0 and not _user_can_reach("postgres", self.root):
            # A checkout under a private home: PgBouncer runs as postgres and must reach its files.
            folder = Path(tempfile.gettempdir()) / f"indigo-pgbouncer-{self.pgbouncer_port}"
            log_dir = folder
        folder.mkdir(exist_ok=True)
        auth_file = folder / "userlist.txt"
        auth_file.write_text('"postgres" ""\n')
        replica_line = ""
        if self.replica_port:
            replica_line = f"{self.database}_replica = host=127.0.0.1 port={self.replica_port} dbname={self.database}"
        ini = _render(
            "pgbouncer.ini",
            DATABASE=self.database,
            PG_HOST=self.pg_host,
            PG_PORT=self.pg_port,
            REPLICA_DATABASE_LINE=replica_line,
            LISTEN_ADDR="127.0.0.1",
            LISTEN_PORT=self.pgbouncer_port,
            RUN_DIR=folder,
            LOG_DIR=log_dir,
            AUTH_TYPE="trust",
            AUTH_FILE=auth_file,
            POOL_SIZE=self.pool_size,
            MAX_DB_CONNECTIONS=self.pool_size + 6,
            ADMIN_USER="postgres",
        )
        path = folder / "pgbouncer.ini"
        path.write_text(ini)
        _chown_to("postgres", folder, *folder.iterdir())
        args = ["pgbouncer", "-d", str(path)]
        if os.geteuid() == 0:
            args[1:1] = ["-u", "postgres"]
        _run(args)
        _wait_port(self.pgbouncer_port, "PgBouncer", self.log_dir)
        # Its own pid file lives with its config (owned by postgres); ours points at it.
        # Wait for a whole pid: the file exists a moment before pgbouncer has written its number, and an
        # empty copy would leave nothing to stop.
        deadline = time.monotonic() + 10
        while _pid(folder / "pgbouncer.pid") is None and time.monotonic() < deadline:
            time.sleep(0.1)
        pid = _pid(folder / "pgbouncer.pid")
        if pid is None:
            raise SystemExit(f"PgBouncer wrote no pid to {folder / 'pgbouncer.pid'}; see {self.log_dir}")
        self.pid_file("pgbouncer").write_text(f"{pid}\n")

    def app_server_args(self, port: int) -> list[str]:
        if self.app_server == "gunicorn":
            return [
                PYTHON,
                *("-m", "gunicorn", "indigo.wsgi:application", "--bind", f"127.0.0.1:{port}"),
                *("--workers", str(self.workers), "--worker-class", "gthread", "--threads", str(self.threads)),
                *("--backlog", "2048", "--timeout", "30", "--graceful-timeout", "10"),
                # Longer than nginx keeps an idle upstream connection, so nginx never sends on a closing one.
                *("--keep-alive", "75", "--forwarded-allow-ips", "127.0.0.1", "--log-level", "warning"),
            ]
        if self.app_server == "granian":
            return [
                *(PYTHON, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)),
                *("--workers", str(self.workers), "--blocking-threads", str(self.threads), "--backlog", "2048"),
                *("--workers-kill-timeout", "10", "--no-access-log", "--log-level", "warning"),
                "indigo.wsgi:application",
            ]
        raise SystemExit(f"APP_SERVER={self.app_server!r}: use gunicorn or granian.")

    def _app_server(self, port: int) -> None:
        _spawn(f"app-{port}", self.app_server_args(port), self.app_env(), self)

    def _celery(self) -> None:
        celery = str(VENV_BIN / "celery")
        env = self.app_env()
        _spawn(
            "celery-worker",
            [celery, "-A", "indigo", "worker", "--concurrency", "2", "--loglevel", "WARNING"],
            env,
            self,
        )
        # Exactly one beat for the whole deployment (docs/deploy.md): its schedule file is ours.
        schedule = str(self.root / "celerybeat-schedule")
        _spawn(
            "celery-beat", [celery, "-A", "indigo", "beat", "--schedule", schedule, "--loglevel", "WARNING"], env, self
        )

    def _nginx(self) -> None:
        temp = self.root / "nginx-temp"
        temp.mkdir(exist_ok=True)
        user_line = ""
        if os.geteuid() == 0:
            user_line = "user www-data;"
            _chown_to("www-data", temp)
            if not _user_can_reach("www-data", ROOT / "staticfiles", temp):
                # A checkout under a private home (/root is 0700): the workers could not read the
                # static files. Production installs under /srv, readable by www-data.
                _log("www-data cannot reach this checkout: nginx's workers run as root here")
                user_line = "user root;"
        servers = "\n".join(
            f"        server 127.0.0.1:{port} max_conns={self.max_conns} max_fails=1 fail_timeout=2s;"
            for port in self.app_ports
        )
        conf = _render(
            "nginx.conf",
            USER_LINE=user_line,
            NGINX_WORKERS=1,
            RUN_DIR=self.run_dir,
            LOG_DIR=self.log_dir,
            NGINX_TEMP=temp,
            REAL_IP_FROM="127.0.0.1",
            CLIENT_RATE=self.client_rate,
            CLIENT_BURST=self.client_burst,
            CLAIM_RATE=self.claim_rate,
            CLAIM_BURST=self.claim_burst,
            CLIENT_CONNECTIONS=self.client_connections,
            UPSTREAM_SERVERS=servers,
            LISTEN=f"127.0.0.1:{self.nginx_port}",
            SERVER_NAME="127.0.0.1 localhost",
            STATIC_ROOT=ROOT / "staticfiles",
            PROXY_PARAMS=self.root / "proxy_params",
            RETRY_AFTER=2,
        )
        shutil.copy(DEPLOY / "proxy_params", self.root / "proxy_params")
        path = self.root / "nginx.conf"
        path.write_text(conf)
        _run(["nginx", "-q", "-t", "-c", str(path), "-p", str(self.root)])
        _run(["nginx", "-c", str(path), "-p", str(self.root)])

    # --- stop --------------------------------------------------------------------------------------
    def running(self) -> list[str]:
        if not self.run_dir.exists():
            return []
        return sorted(path.stem for path in self.run_dir.glob("*.pid") if path.stem == "replica" or _alive(path))

    def stop(self, *, quiet: bool = False) -> None:
        if not self.run_dir.exists():
            return
        names = sorted(path.stem for path in self.run_dir.glob("*.pid"))
        for prefix in STOP_ORDER:
            for name in [n for n in names if n.startswith(prefix)]:
                _terminate(self.pid_file(name), name)
        if self.pid_file("replica").exists():
            data = self.root / "replica"
            slot = self.pid_file("replica").read_text().strip()
            with contextlib.suppress(SystemExit):
                _run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], user="postgres")
            self.pid_file("replica").unlink(missing_ok=True)
            with contextlib.suppress(psycopg2.Error):
                self._drop_slot(slot)
            shutil.rmtree(data, ignore_errors=True)
        if not quiet:
            _log(f"prod-local under {self.root} stopped")


# --- helpers ---------------------------------------------------------------------------------------
def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _which(tool: str) -> str | None:
    return shutil.which(tool) or (f"/usr/sbin/{tool}" if Path(f"/usr/sbin/{tool}").exists() else None)


def _render(name: str, **values) -> str:
    text = (DEPLOY / name).read_text()

    def value(match: re.Match) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"deploy/{name}: no value for {{{{{key}}}}}")
        return str(values[key])

    return re.sub(r"\{\{([A-Z_]+)\}\}", value, text)


def _as_user(user: str | None, args: list[str]) -> list[str]:
    if user and os.geteuid() == 0:
        return ["runuser", "-u", user, "--", *args]
    return args


def _run(args: list[str], *, env: dict[str, str] | None = None, user: str | None = None) -> None:
    args = _as_user(user, args)
    if args[0] in ("nginx", "pgbouncer"):
        args[0] = _which(args[0]) or args[0]
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
    if result.returncode != 0:
        raise SystemExit(
            f"failed ({result.returncode}): {' '.join(args)}\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )


def _user_can_reach(user: str, *folders: Path) -> bool:
    check = ["runuser", "-u", user, "--", "test", "-x"]
    return all(
        subprocess.run([*check, str(folder)], capture_output=True, check=False).returncode == 0  # noqa: S603
        for folder in folders
    )


def _chown_to(user: str, *paths: Path) -> None:
    if os.geteuid() != 0:
        return
    try:
        record = pwd.getpwnam(user)
    except KeyError:
        return
    for path in paths:
        os.chown(path, record.pw_uid, record.pw_gid)


def _spawn(name: str, args: list[str], env: dict[str, str], topology: Topology) -> None:
    log = open(topology.log_dir / f"{name}.log", "a")  # noqa: SIM115 - the child keeps it
    # A session of its own: the process outlives `make prod-local` and ignores its terminal's Ctrl-C.
    process = subprocess.Popen(  # noqa: S603 - our own fixed commands
        args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    log.close()
    topology.pid_file(name).write_text(f"{process.pid}\n")


def _pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _alive(path: Path) -> bool:
    pid = _pid(path)
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own child not yet reaped) is gone for every purpose here.
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            return False
    return True


def _terminate(path: Path, name: str, timeout: float = 20.0) -> None:
    pid = _pid(path)
    if pid is not None and _alive(path):
        # nginx: QUIT finishes the requests in flight; the others stop gracefully on TERM.
        sig = signal.SIGQUIT if name == "nginx" else signal.SIGTERM
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while _alive(path) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(path):
            _log(f"{name} (pid {pid}) did not stop in {timeout:.0f} s: killed")
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if name.startswith(("app-", "celery-")):
                    os.killpg(pid, signal.SIGKILL)  # their own session: the workers go too
                else:
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)
    path.unlink(missing_ok=True)


def _wait_port(port: int, what: str, log_dir: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s (logs in {log_dir})")


def _wait_http(url: str, what: str, log_dir: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=3) as answer:  # noqa: S310 - 127.0.0.1 only
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} did not answer {url} within {timeout:.0f} s (logs in {log_dir})")


def free_port() -> int:
    """A port nobody listens on now (the smoke test's, so suites side by side never collide)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
