"""Plumbing shared by the benchmarks: their own databases, the environment of their processes, results.

Every benchmark works on databases whose names start with "indigo_bench" and on ports 8701–8709,
so it never touches the demo's, the tests' or another engineer's data. A city is generated once
per scale into a template database and every run works on a fresh copy of it
(CREATE DATABASE … TEMPLATE …, seconds instead of minutes), so runs do not disturb each other.
"""

import hashlib
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
PG = {"host": os.environ.get("BENCH_PGHOST", "127.0.0.1"), "port": int(os.environ.get("BENCH_PGPORT", "5432"))}
PG_USER = os.environ.get("BENCH_PGUSER", "postgres")
# Celery tasks queued by claims (notifications) go to a Redis database of our own; nothing consumes them.
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13")
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/12")
SECRET_KEY = "indigo-bench-secret-not-for-production-0123456789"  # noqa: S105 - a local benchmark's key
PREFIX = "indigo_bench"
# The generated templates' names (…_schema, …_city_1000): BENCH_DB_PREFIX=indigo_bench_<you> keeps
# engineers benchmarking side by side on one PostgreSQL from rebuilding each other's.
TEMPLATE_PREFIX = os.environ.get("BENCH_DB_PREFIX", PREFIX)
if not TEMPLATE_PREFIX.startswith(PREFIX):
    raise SystemExit(f"BENCH_DB_PREFIX={TEMPLATE_PREFIX!r} must start with {PREFIX!r}")
# Bump when citygen's output changes, so cached city templates are rebuilt.
GENERATOR_VERSION = "4"


def database_url(name: str) -> str:
    return f"postgres://{PG_USER}@{PG['host']}:{PG['port']}/{name}"


def bench_env(database: str, **extra: str) -> dict[str, str]:
    """The environment of a benchmark process: production-like settings on a bench database."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "indigo.settings",
            "DATABASE_URL": database_url(database),
            "CELERY_BROKER_URL": BROKER_URL,
            # As in production: sessions and rate limits in Redis, shared by every server process.
            "CACHE_URL": CACHE_URL,
            # DEBUG off: with it on Django keeps every query of every request in memory.
            "DEBUG": "0",
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "LOG_LEVEL": "ERROR",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return env


def django_setup(database: str, **extra: str) -> None:
    """Point this process at a bench database and start Django (call before importing models)."""
    os.environ.update(bench_env(database, **extra))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _admin():
    connection = psycopg2.connect(dbname="postgres", user=PG_USER, **PG)
    connection.autocommit = True
    return connection


def _own(name: str) -> None:
    if not name.startswith(PREFIX):
        raise ValueError(f"refusing to touch {name!r}: bench databases start with {PREFIX!r}")


def database_exists(name: str) -> bool:
    with _admin() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _admin_execute(sql: str) -> None:
    connection = _admin()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def drop_database(name: str) -> None:
    _own(name)
    # FORCE ends the connections to this (our own) database left by a killed run.
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def clone_database(source: str, target: str) -> None:
    _own(target)
    drop_database(target)
    _admin_execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


def create_database(name: str) -> None:
    _own(name)
    drop_database(name)
    _admin_execute(f'CREATE DATABASE "{name}"')


def read_meta(name: str) -> dict[str, str]:
    if not database_exists(name):
        return {}
    try:
        connection = psycopg2.connect(dbname=name, user=PG_USER, **PG)
    except psycopg2.OperationalError:
        return {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('bench_meta')")
            if cursor.fetchone()[0] is None:
                return {}
            cursor.execute("SELECT key, value FROM bench_meta")
            return dict(cursor.fetchall())
    finally:
        connection.close()


def write_meta(cursor, values: dict[str, str]) -> None:
    cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text NOT NULL)")
    for key, value in values.items():
        cursor.execute(
            "INSERT INTO bench_meta (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [key, str(value)],
        )


def schema_fingerprint() -> str:
    """Changes whenever a migration or a database function's text changes, so the empty-schema template is
    rebuilt."""
    digest = hashlib.sha256()
    functions = [ROOT / "placement/services/claim_reads.py", ROOT / "placement/window/bid_write.py"]
    for path in sorted([*ROOT.glob("*/migrations/*.py"), *functions]):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def run(args: list[str], *, env: dict[str, str] | None = None, timeout: float = 1800, quiet: bool = False) -> None:
    result = subprocess.run(  # noqa: PLW1510 - checked below with the output shown
        args, cwd=ROOT, env=env, timeout=timeout, capture_output=quiet, text=True
    )
    if result.returncode != 0:
        if quiet:
            sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"command failed ({result.returncode}): {' '.join(args)}")


def schema_template() -> str:
    """An empty, migrated database to copy from; migrating once saves ~20 s per city."""
    name = f"{TEMPLATE_PREFIX}_schema"
    fingerprint = schema_fingerprint()
    if read_meta(name).get("schema") == fingerprint:
        return name
    log(f"migrating the empty schema template {name} …")
    create_database(name)
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env=bench_env(name), quiet=True)
    connection = psycopg2.connect(dbname=name, user=PG_USER, **PG)
    with connection, connection.cursor() as cursor:
        write_meta(cursor, {"schema": fingerprint})
    connection.close()
    return name


def scale_tag(scale: float) -> str:
    return f"{round(scale * 1000):04d}"


def city_template(scale: float, seed: int = 2024) -> str:
    """A generated city of this scale, built once and reused while the schema and generator are unchanged."""
    name = f"{TEMPLATE_PREFIX}_city_{scale_tag(scale)}"
    want = {"schema": schema_fingerprint(), "generator": GENERATOR_VERSION, "scale": str(scale), "seed": str(seed)}
    meta = read_meta(name)
    if all(meta.get(key) == value for key, value in want.items()):
        return name
    schema = schema_template()
    clone_database(schema, name)
    log(f"generating the city at scale {scale} into {name} …")
    run(
        [PYTHON, "-m", "bench.citygen", "--database", name, "--scale", str(scale), "--seed", str(seed)],
        env=bench_env(name),
    )
    return name


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


class Verdicts:
    """Targets checked by a run, printed as PASS/FAIL lines; the exit status says whether all passed."""

    def __init__(self):
        self.rows: list[tuple[str, bool, str]] = []

    def check(self, name: str, ok: bool, detail: str) -> bool:
        self.rows.append((name, bool(ok), detail))
        return ok

    def print(self, title: str) -> None:
        print(f"\n== {title}: targets ==")
        for name, ok, detail in self.rows:
            print(f"{'PASS' if ok else 'FAIL'}  {name:<44} {detail}")

    @property
    def passed(self) -> bool:
        return all(ok for _, ok, _ in self.rows)
