"""What the HTTP rushes (bench/rush.py, bench/window.py, bench/overload.py) measure alike: the server as
deployed, the load generator in a process of its own, the floors of the same server (/healthz and the
signed-in GET /api/v1/me/), the invariants asked of the database afterwards and the verdicts they share.
"""

import json
import os
import subprocess
import tempfile
from pathlib import Path

import psycopg2

from bench.common import PG, PG_USER, PYTHON, ROOT, Verdicts, log, percentile
from bench.server import ServerConfig


def server_config(port: int) -> ServerConfig:
    """The portal as deployed: a threaded app server (granian by default, bench/server.py) with the
    admission control of indigo/overload.py on.

    Threads beyond the admitted and waiting requests answer the excess at once; persistent database
    connections stay bounded by the threads (2 × 16 here, well under PostgreSQL's 100).
    """
    config = ServerConfig(port=port)
    config.env.update(
        {
            "OVERLOAD_MAX_IN_FLIGHT": os.environ.get("OVERLOAD_MAX_IN_FLIGHT", "4"),
            "OVERLOAD_MAX_WAITING": os.environ.get("OVERLOAD_MAX_WAITING", "10"),
            "OVERLOAD_WAIT_MS": os.environ.get("OVERLOAD_WAIT_MS", "600"),
        }
    )
    admitted = int(config.env["OVERLOAD_MAX_IN_FLIGHT"]) + int(config.env["OVERLOAD_MAX_WAITING"])
    if config.threaded and admitted and config.threads <= admitted:
        # Otherwise every thread can be busy running or waiting, and the excess queues unseen in
        # gunicorn until clients time out: the very thing admission control is there to prevent.
        raise SystemExit(f"BENCH_THREADS={config.threads} must exceed in-flight + waiting ({admitted})")
    return config


def loadgen(workload: str, plan: dict, timeout: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="indigo-bench-") as folder:
        plan_path, result_path = Path(folder, "plan.json"), Path(folder, "result.json")
        plan_path.write_text(json.dumps(plan))
        subprocess.run(
            [PYTHON, "-m", "bench.loadgen", workload, str(plan_path), str(result_path)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=True,
            timeout=timeout,
        )
        return json.loads(result_path.read_text())


def sql_checks(database: str, plan: dict, acknowledged: list[dict]) -> dict:
    """The invariants, asked of the database itself after the rush."""
    seats = plan["seats"]
    connection = psycopg2.connect(dbname=database, user=PG_USER, **PG)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM (SELECT seat_id FROM placement_referral WHERE state IN ('issued', 'enrolled') "
                "GROUP BY seat_id HAVING count(*) > 1) twice"
            )
            double_seats = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*) FROM (SELECT child_id FROM placement_referral WHERE state = 'issued' "
                "GROUP BY child_id HAVING count(*) > 1) twice"
            )
            double_children = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*) FROM vacancies_seat s WHERE s.id = ANY(%s) AND s.state = 'claimed' AND "
                "(SELECT count(*) FROM placement_referral r WHERE r.seat_id = s.id AND r.state = 'issued') = 1",
                [seats],
            )
            placed = cursor.fetchone()[0]
            cursor.execute(
                "SELECT number, seat_id, application_id FROM placement_referral WHERE seat_id = ANY(%s) "
                "AND state = 'issued'",
                [seats],
            )
            in_db = {number: (seat, application) for number, seat, application in cursor.fetchall()}
            # The rank the server judged each priority claim by, as its CLAIMED event recorded it (R-S-6):
            # never beyond the seats in priority access, which never exceed the market's seats.
            cursor.execute(
                "SELECT count(*) FILTER (WHERE (data->>'position') IS NULL OR (data->>'position')::int > %s) "
                "FROM vacancies_seatevent WHERE kind = 'claimed' AND seat_id = ANY(%s) AND data->>'stage' = 'priority'",
                [len(seats), seats],
            )
            out_of_turn = cursor.fetchone()[0]
    finally:
        connection.close()
    lost = [a for a in acknowledged if in_db.get(a["number"]) != (a["seat"], a["application"])]
    return {
        "double_seats": double_seats,
        "double_children": double_children,
        "placed": placed,
        "seats": len(seats),
        "acknowledged": len(acknowledged),
        "lost_acknowledged": len(lost),
        "referrals": len(in_db),
        "out_of_turn": out_of_turn,
    }


def summarize(result: dict) -> dict:
    latencies = result["latencies"]
    statuses = {int(k): v for k, v in result["statuses"].items()}
    return {
        "requests": len(latencies),
        "rate": len(latencies) / result["seconds"],
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "max": max(latencies) if latencies else 0.0,
        "statuses": statuses,
        "errors_5xx": sum(v for k, v in statuses.items() if k >= 500),
        "no_answer": statuses.get(0, 0),
    }


def machine_cpu_seconds() -> float:
    """CPU used so far by the whole machine, every core (/proc/stat, Linux): the app servers, PostgreSQL,
    Redis and the load generator together."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    busy = sum(fields[:3]) + sum(fields[5:8])  # user, nice, system, irq, softirq, steal
    return busy / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU used so far by the PostgreSQL server (its backends, WAL writer, checkpointer…), from /proc: the
    processes running now, and through the postmaster's count of its ended children the backends that
    have closed meanwhile (DB_CONN_MAX_AGE renews connections during a run)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process has just ended
            continue
        name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
        if name == "postgres":
            total += sum(int(value) for value in rest[11:15])  # utime, stime, cutime, cstime
    return total / os.sysconf("SC_CLK_TCK")


def postgres_per_request(since: float, figures: dict) -> float:
    return (postgres_cpu_seconds() - since) * 1000 / max(figures["requests"], 1)


def machine_per_request(since: float, figures: dict) -> float:
    """The machine's CPU in ms per request of a measurement that began at `since` (machine_cpu_seconds)."""
    return (machine_cpu_seconds() - since) * 1000 / max(figures["requests"], 1)


def cpu_per_request(server, since: float, figures: dict) -> float:
    """The server's CPU in ms per request of a measurement that began when it had used `since` seconds."""
    return (server.cpu_seconds() - since) * 1000 / max(figures["requests"], 1)


def floors(server, base: dict, cookie: dict, *, warm: int, healthz_requests: int) -> tuple[dict, dict]:
    """The same server's floors at the rush's concurrency: /healthz (one SELECT 1) and the signed-in
    GET /api/v1/me/, each with its CPU in ms per request, after every worker is warm."""
    # Warm every worker (imports, URL resolver, first connections) before measuring.
    loadgen("fixed", {**base, "path": "/healthz", "requests": warm}, 120)
    # And the signed-in API path (session, DRF, ORM) without taking a seat.
    loadgen("fixed", {**base, "path": "/api/v1/me/children/", "headers": cookie, "requests": warm}, 120)
    cpu, machine, pg_cpu = server.cpu_seconds(), machine_cpu_seconds(), postgres_cpu_seconds()
    trivial = summarize(loadgen("fixed", {**base, "path": "/healthz", "requests": healthz_requests}, 300))
    trivial["cpu_ms"] = cpu_per_request(server, cpu, trivial)
    trivial["machine_ms"] = machine_per_request(machine, trivial)
    trivial["postgres_ms"] = postgres_per_request(pg_cpu, trivial)
    cpu, machine, pg_cpu = server.cpu_seconds(), machine_cpu_seconds(), postgres_cpu_seconds()
    log(f"/healthz: {trivial['rate']:.0f} requests/s, p99 {trivial['p99']:.1f} ms")
    # The floor under any signed-in request (session, account, block check, DRF, one small query):
    # what a claim's ratio could reach if taking the seat itself cost nothing (docs/performance.md).
    me = {**base, "path": "/api/v1/me/", "headers": cookie, "requests": max(warm, healthz_requests // 4)}
    signed_in = summarize(loadgen("fixed", me, 300))
    signed_in["cpu_ms"] = cpu_per_request(server, cpu, signed_in)
    signed_in["machine_ms"] = machine_per_request(machine, signed_in)
    signed_in["postgres_ms"] = postgres_per_request(pg_cpu, signed_in)
    log(f"/api/v1/me/: {signed_in['rate']:.0f} requests/s, p99 {signed_in['p99']:.1f} ms")
    return trivial, signed_in


def check_answered(verdicts: Verdicts, figures: dict) -> None:
    """Every request answered, and no 5xx but the admission control's 503."""
    server_errors = figures["errors_5xx"] - figures["statuses"].get(503, 0)
    verdicts.check(
        "no server error, no request unanswered",
        server_errors == 0 and figures["no_answer"] == 0,
        f"{server_errors} 5xx other than 503, {figures['no_answer']} unanswered",
    )


def check_no_double_booking(verdicts: Verdicts, checks: dict) -> None:
    verdicts.check(
        "zero double bookings",
        checks["double_seats"] == 0 and checks["double_children"] == 0,
        f"{checks['double_seats']} seats, {checks['double_children']} children",
    )


def rush_arguments(parser, *, port: int, database: str, around: str) -> None:
    """The options every rush over HTTP takes (bench/rush.py, bench/window.py)."""
    from bench import front

    parser.add_argument("--parents", type=int, default=20000)
    parser.add_argument("--seats", type=int, default=6000)
    parser.add_argument("--scale", type=float, default=1.0, help=f"size of the city around the {around}")
    parser.add_argument("--concurrency", type=int, default=12, help="requests in flight at once")
    parser.add_argument("--healthz-requests", type=int, default=20000)
    parser.add_argument("--max-seconds", type=float, default=1500)
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--seed", type=int, default=1)
    front.add_arguments(parser)
    parser.add_argument("--invariants-only", action="store_true", help="check correctness, not timings (CI)")
    parser.add_argument("--database", default=database, help="the work database (a copy of the city)")
