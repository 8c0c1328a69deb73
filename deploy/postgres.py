"""prod-local's PostgreSQL side: the database (cloned, migrated and seeded once) and the streaming replica."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg2
import psycopg2.errors

from deploy.processes import PG_BIN, PYTHON, chown_to, log, run

if TYPE_CHECKING:
    from deploy.local import Topology


def _admin(topology: Topology):
    connection = psycopg2.connect(dbname="postgres", user="postgres", host=topology.pg_host, port=topology.pg_port)
    connection.autocommit = True
    return connection


def database_prepare(topology: Topology) -> None:
    database = topology.database
    connection = _admin(topology)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
            fresh = cursor.fetchone() is None
            if fresh and topology.template:
                try:
                    cursor.execute(f'CREATE DATABASE "{database}" TEMPLATE "{topology.template}"')
                except (psycopg2.errors.ObjectInUse, psycopg2.errors.InvalidCatalogName):
                    # No such template, or someone is connected to it: migrate an empty database.
                    cursor.execute(f'CREATE DATABASE "{database}"')
            elif fresh:
                cursor.execute(f'CREATE DATABASE "{database}"')
            # Settings the app cannot send through PgBouncer as startup options (indigo/settings.py).
            cursor.execute(f'ALTER DATABASE "{database}" SET jit = off')
            cursor.execute(f"ALTER DATABASE \"{database}\" SET timezone = 'UTC'")
    finally:
        connection.close()
    env = topology.direct_env()
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env=env)
    check = psycopg2.connect(dbname=database, user="postgres", host=topology.pg_host, port=topology.pg_port)
    try:
        with check.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM vacancies_city")
            seeded = cursor.fetchone()[0] > 0
    finally:
        check.close()
    if not seeded:
        run([PYTHON, "manage.py", "seed_demo", "-v", "0", *topology.seed_args], env=env)


def database_drop(topology: Topology) -> None:
    connection = _admin(topology)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{topology.database}" WITH (FORCE)')
    finally:
        connection.close()


def _slot_drop(topology: Topology, slot: str) -> None:
    connection = _admin(topology)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s", [slot]
            )
    finally:
        connection.close()


def _allow_replication(topology: Topology) -> None:
    connection = _admin(topology)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database)")
            if cursor.fetchone()[0] == 0:
                cursor.execute("SHOW hba_file")
                hba = Path(cursor.fetchone()[0])
                log(f"allowing replication connections from 127.0.0.1 in {hba}")
                with hba.open("a") as handle:
                    handle.write("\n# Added by Indigo's make prod-local REPLICA=1 (pg_basebackup, streaming)\n")
                    handle.write("host replication all 127.0.0.1/32 trust\n")
                cursor.execute("SELECT pg_reload_conf()")
    finally:
        connection.close()


def replica_start(topology: Topology) -> None:
    data = topology.root / "replica"
    run_dir = topology.root / "replica-run"
    _allow_replication(topology)
    # A fresh copy every start, with a replication slot of its own so the primary keeps the WAL
    # the replica has not streamed yet; stop drops both (a slot left behind would keep WAL forever).
    shutil.rmtree(data, ignore_errors=True)
    _slot_drop(topology, topology.slot)
    data.mkdir(parents=True)
    chown_to("postgres", data)
    data.chmod(0o700)
    log(f"pg_basebackup of {topology.pg_host}:{topology.pg_port} into {data} …")
    run(
        [
            str(PG_BIN / "pg_basebackup"),
            *("-h", topology.pg_host, "-p", str(topology.pg_port), "-U", "postgres", "-D", str(data)),
            *("-R", "-X", "stream", "-c", "fast", "-C", "-S", topology.slot),
        ],
        user="postgres",
    )
    run_dir.mkdir(exist_ok=True)
    chown_to("postgres", run_dir)
    # Debian keeps the primary's configuration in /etc, so the copy has none: a minimal one.
    # max_connections must be at least the primary's for a hot standby to start.
    (data / "postgresql.conf").write_text(
        f"port = {topology.replica_port}\nlisten_addresses = '127.0.0.1'\n"
        f"unix_socket_directories = '{run_dir}'\nmax_connections = 100\nshared_buffers = 64MB\n"
        "hot_standby = on\njit = off\ntimezone = 'UTC'\n"
        f"hba_file = '{data / 'pg_hba.conf'}'\nident_file = '{data / 'pg_ident.conf'}'\n"
    )
    (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    (data / "pg_ident.conf").write_text("")
    chown_to("postgres", data)
    log_file = str(topology.log_dir / "replica.log")
    run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", log_file, "-w", "-t", "60", "start"], user="postgres")
    # Not a pid: pg_ctl keeps the cluster's own; this names the slot for stop.
    topology.pid_file("replica").write_text(f"{topology.slot}\n")


def replica_stop(topology: Topology) -> None:
    marker = topology.pid_file("replica")
    if not marker.exists():
        return
    data = topology.root / "replica"
    slot = marker.read_text().strip()
    with contextlib.suppress(SystemExit):
        run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], user="postgres")
    marker.unlink(missing_ok=True)
    with contextlib.suppress(psycopg2.Error):
        _slot_drop(topology, slot)
    shutil.rmtree(data, ignore_errors=True)
