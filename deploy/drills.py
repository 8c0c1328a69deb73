"""Failure drills on the `make prod-local` topology (docs/deploy.md, "Failure drills").

    .venv/bin/python -m deploy.drills [--only kill-app,restart-redis,restart-postgres]

The shared PostgreSQL and Redis of a development machine must not be restarted under other people's
work, so the drills bring their own: a PostgreSQL 15 cluster (initdb) on --pg-port and a Redis on
--redis-port, both under var/prod-drill/, and the topology on top of them. Six families' worth of
traffic (a public page, a signed-in API read, a claim) runs throughout; a few seconds in, the drill
kills an app server, restarts Redis or restarts PostgreSQL, and the answers are counted before,
during and after, with the time from the event to the first good answer again.
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from deploy.client import CookieClient
from deploy.local import Topology
from deploy.processes import PG_BIN, ROOT, chown_to, log, run

DRILL_ROOT = ROOT / "var" / "prod-drill"


class Family(CookieClient):
    def __init__(self, port: int, number: int):
        super().__init__(port, f"192.0.2.{number}", timeout=10)

    def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None):
        response, content = super().request(method, path, body=body, headers=headers)
        return response.status, content

    def sign_in(self, username: str) -> None:
        _, page = self.request("GET", "/kk/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        origin = f"http://127.0.0.1:{self.port}"
        status, _ = self.request(
            "POST",
            "/kk/accounts/login/",
            f"csrfmiddlewaretoken={token}&username={username}&password=indigo-demo".encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin},
        )
        if status != 302:
            raise SystemExit(f"sign-in of {username} answered {status}")


def traffic(port: int, seconds: float, event) -> list[tuple[float, str, int]]:
    """Six signed-in families, each looping over a public page, /api/v1/me/ and a claim, for `seconds`;
    `event` runs in a thread of its own from the start (it sleeps until its moment)."""
    families = [Family(port, 10 + n) for n in range(6)]
    for n, family in enumerate(families):
        family.sign_in("parent" if n % 2 == 0 else "parent2")
    answers: list[tuple[float, str, int]] = []
    started = time.monotonic()
    threading.Thread(target=event, args=(started,)).start()
    stop = started + seconds

    def loop(family: Family) -> None:
        kinds = ["public", "me", "claim"]
        n = 0
        while time.monotonic() < stop:
            kind = kinds[n % 3]
            n += 1
            try:
                if kind == "public":
                    status, _ = family.request("GET", "/kk/vacancies/")
                elif kind == "me":
                    status, _ = family.request("GET", "/api/v1/me/", headers={"Accept": "application/json"})
                else:
                    body = json.dumps({"seats": [1], "applications": [1]}).encode()
                    headers = {
                        "Content-Type": "application/json",
                        "Accept": "application/json",
                        "X-CSRFToken": family.cookies.get("csrftoken", ""),
                    }
                    status, _ = family.request("POST", "/api/v1/claims/", body, headers)
            except OSError:
                status = 0
            answers.append((time.monotonic() - started, kind, status))
            time.sleep(0.05)

    threads = [threading.Thread(target=loop, args=(family,)) for family in families]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def report(name: str, answers, event_at: float, back_at: float) -> dict:
    def good(kind: str, status: int) -> bool:
        # A claim of seat 1 for application 1 is refused (403/404/409): refused is a good answer.
        return status != 0 and status < 500

    phases = {
        "before": [a for a in answers if a[0] < event_at],
        "during": [a for a in answers if event_at <= a[0] < back_at + 1],
        "after": [a for a in answers if a[0] >= back_at + 1],
    }
    bad_after_event = [a[0] for a in answers if a[0] >= event_at and not good(a[1], a[2])]
    recovered = next((a[0] for a in answers if a[0] > (max(bad_after_event) if bad_after_event else event_at)), None)
    summary = {
        phase: dict(sorted(Counter(f"{kind} {status}" for _, kind, status in rows).items()))
        for phase, rows in phases.items()
    }
    summary["errors after the event"] = len(bad_after_event)
    summary["last error at"] = round(max(bad_after_event) - event_at, 2) if bad_after_event else None
    summary["recovered"] = recovered is not None
    print(f"\n== drill: {name} ==")
    for key, value in summary.items():
        print(f"{key:<24} {value}")
    return summary


def private_postgres(port: int) -> Path:
    data = DRILL_ROOT / "pg"
    run_dir = DRILL_ROOT / "pg-run"
    DRILL_ROOT.mkdir(parents=True, exist_ok=True)
    run_dir.mkdir(exist_ok=True)
    chown_to("postgres", DRILL_ROOT, run_dir)
    if not (data / "PG_VERSION").exists():
        data.mkdir(exist_ok=True)
        chown_to("postgres", data)
        run([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth", "trust"], user="postgres")
    (data / "postgresql.auto.conf").write_text(
        f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{run_dir}'\n"
        "max_connections = 60\nshared_buffers = 64MB\n"
    )
    chown_to("postgres", data / "postgresql.auto.conf")
    run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(DRILL_ROOT / "pg.log"), "-w", "start"], user="postgres")
    return data


def pg_ctl(data, action: str) -> None:
    run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", action], user="postgres")


def redis(port: int, action: str) -> None:
    if action == "start":
        subprocess.run(  # noqa: S603,S607 - fixed arguments
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--daemonize", "yes", "--save", ""]
            + ["--appendonly", "no", "--dir", str(DRILL_ROOT), "--pidfile", str(DRILL_ROOT / "redis.pid")],
            check=True,
        )
        for _ in range(50):
            ping = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, check=False)  # noqa: S603,S607
            if ping.returncode == 0:
                return
            time.sleep(0.1)
    else:
        subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True, check=False)  # noqa: S603,S607


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="kill-app,restart-redis,restart-postgres")
    parser.add_argument("--nginx-port", type=int, default=8381)
    parser.add_argument("--app-ports", default="8336,8337")
    parser.add_argument("--pgbouncer-port", type=int, default=6433)
    parser.add_argument("--pg-port", type=int, default=5434)
    parser.add_argument("--redis-port", type=int, default=8339)
    args = parser.parse_args(argv)
    if not shutil.which("redis-server"):
        raise SystemExit("redis-server is needed for the drills")
    data = private_postgres(args.pg_port)
    redis(args.redis_port, "start")
    topology = Topology(
        root=DRILL_ROOT / "front",
        database="indigo_drill",
        nginx_port=args.nginx_port,
        app_ports=[int(p) for p in args.app_ports.split(",")],
        pgbouncer_port=args.pgbouncer_port,
        pg_port=args.pg_port,
        cache_url=f"redis://127.0.0.1:{args.redis_port}/0",
        broker_url=f"redis://127.0.0.1:{args.redis_port}/1",
        seed_args=["--children", "300", "--kindergartens", "6"],
    )
    results = {}
    try:
        topology.start()
        for drill in args.only.split(","):
            if drill == "kill-app":
                victim = topology.app_ports[0]
                pid = int(topology.pid_file(f"app-{victim}").read_text())

                def kill(started, pid=pid, victim=victim):
                    time.sleep(5)
                    log(f"SIGKILL to app server :{victim} (gunicorn master and worker)")
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(pid, signal.SIGKILL)
                    time.sleep(5)
                    log(f"app server :{victim} started again")
                    topology.app_server_start(victim)

                answers = traffic(topology.nginx_port, 20, kill)
                results[drill] = report("an app server killed (and started again 5 s later)", answers, 5, 10)
            elif drill == "restart-redis":

                def bounce(started):
                    time.sleep(5)
                    log("Redis shut down")
                    redis(args.redis_port, "stop")
                    time.sleep(3)
                    redis(args.redis_port, "start")
                    log("Redis up again (empty)")

                answers = traffic(topology.nginx_port, 20, bounce)
                results[drill] = report("Redis stopped for 3 s and started empty", answers, 5, 8)
            elif drill == "restart-postgres":
                moments = {}

                def bounce(started, moments=moments):
                    time.sleep(5)
                    log("PostgreSQL stop (fast: sessions ended, a shutdown checkpoint)")
                    pg_ctl(data, "stop")
                    log("PostgreSQL stopped; start")
                    run(
                        [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(DRILL_ROOT / "pg.log"), "-w", "start"],
                        user="postgres",
                    )
                    moments["up"] = time.monotonic() - started
                    log("PostgreSQL up again")

                answers = traffic(topology.nginx_port, 35, bounce)
                up = moments.get("up", 7.0)
                results[drill] = report(f"PostgreSQL restarted (down {up - 5:.1f} s)", answers, 5, up)
    finally:
        topology.stop(quiet=True)
        redis(args.redis_port, "stop")
        with contextlib.suppress(SystemExit):
            pg_ctl(data, "stop")
    (DRILL_ROOT / "results.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
