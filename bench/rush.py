"""The 18:00 claim rush over HTTP: gunicorn on PostgreSQL, the load generator in a second process.

    .venv/bin/python -m bench.rush [--mode general|priority|both] [--parents 20000] [--seats 6000]

On a fresh copy of the generated city (bench.citygen) a new cohort market opens: 6,000 seats of the
2023 cohort (Kazakh, general groups) and 20,000 children queued for them, each with a verified
parent signed in. In general access every parent claims at once; in priority access the queue's
first 6,000 claim while the other 14,000 try too and are refused "not your turn".

The same server is first measured on /healthz (one SELECT 1) at the same concurrency, for the ratio.
Afterwards SQL checks that no seat has two live referrals, no child two, every seat was placed,
every acknowledged claim (201) has its referral, and in priority access only children whose turn
had come got one.
"""

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg2

from bench import front
from bench.common import (
    PG,
    PG_USER,
    PYTHON,
    ROOT,
    Verdicts,
    bench_env,
    city_template,
    clone_database,
    django_setup,
    log,
    percentile,
)
from bench.server import ServerConfig

WORK_DATABASE = "indigo_bench_rush"
COHORT = 2023
P99_TARGET_MS = 1000.0
RATIO_TARGET = 0.6


# --- setup, in a Django process on the work database ----------------------------------------------


def market_setup(*, mode: str, parents: int, seats: int, seed: int) -> dict:
    """Open the rush market; returns the load generator's plan (parents' cookies, applications, seats)."""
    from django.db import connection, transaction

    from accounts.models import RepresentativeLink, User
    from bench.citygen import Copy
    from bench.sessions import CSRF_TOKEN, cookie_header, sessions_create
    from indigo import clock
    from indigo.iin import make_iin
    from placement.demo.names import FIRST_NAMES, KAZAKH_FATHERS, KAZAKH_SURNAMES, feminine_surname
    from placement.models import Application, Child, Privilege, PrivilegeCategory
    from placement.queue import Market, Scope, queue_ordered
    from vacancies.models import City, Group, Kindergarten, Seat, SeatEvent

    rng = random.Random(f"indigo-bench-rush/{seed}")
    now = clock.now()
    city = City.objects.get(slug="almaty")
    # The rush must not fall in the August pause whenever the benchmark runs: an empty pause for this city.
    City.objects.filter(pk=city.pk).update(august_pause_start="12-31", august_pause_end="01-01")
    categories = {c.code: c for c in PrivilegeCategory.objects.filter(city=city)}
    officer = User.objects.filter(role=User.Role.OFFICER, city=city).first()

    with transaction.atomic():
        cursor = connection.connection.cursor()

        def next_id(model) -> int:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")
            return cursor.fetchone()[0]

        # Groups of 25 in as many kindergartens as it takes; every seat its own row (R-S-1).
        capacity = 25
        kindergartens = list(Kindergarten.objects.filter(city=city).order_by("pk").values_list("pk", flat=True))
        group_rows = Copy(
            cursor, Group, ["id", "kindergarten_id", "name", "cohort", "language", "group_type", "capacity"]
        )
        seat_rows = Copy(
            cursor,
            Seat,
            ["id", "group_id", "state", "released_at", "published_at", "priority_from", "priority_until"]
            + ["general_from"],
        )
        event_rows = Copy(cursor, SeatEvent, ["seat_id", "kind", "at", "data"])
        if mode == "general":
            published = now - dt.timedelta(days=4)
            general_from = now - dt.timedelta(minutes=1)
        else:
            published = now - dt.timedelta(minutes=1)
            general_from = now + dt.timedelta(days=3)
        priority_until = clock.local_date(general_from) - dt.timedelta(days=1)
        window = {
            "priority_from": published.isoformat(),
            "priority_until": priority_until.isoformat(),
            "general_from": general_from.isoformat(),
            "summer": False,
        }
        group_id, seat_id = next_id(Group), next_id(Seat)
        seat_ids = []
        for index in range((seats + capacity - 1) // capacity):
            kindergarten = kindergartens[index % len(kindergartens)]
            group_rows.put(
                group_id,
                kindergarten,
                f"«Бөбек» бөбекжай тобы ({COHORT}) {index + 1}",
                COHORT,
                "kk",
                "general",
                capacity,
            )
            for _ in range(min(capacity, seats - len(seat_ids))):
                seat_rows.put(
                    seat_id,
                    group_id,
                    "open",
                    published - dt.timedelta(hours=8),
                    published,
                    published,
                    priority_until,
                    general_from,
                )
                event_rows.put(seat_id, "released", published - dt.timedelta(hours=8), {})
                event_rows.put(seat_id, "published", published, window)
                seat_ids.append(seat_id)
                seat_id += 1
            group_id += 1
        for copy in (group_rows, seat_rows, event_rows):
            copy.flush()

        children = Copy(
            cursor, Child, ["id", "iin", "last_name", "first_name", "patronymic", "birth_date", "sex", "created_at"]
        )
        users = Copy(
            cursor,
            User,
            ["id", "password", "username", "first_name", "last_name", "email", "date_joined", "role", "phone"]
            + ["language"],
        )
        links = Copy(
            cursor,
            RepresentativeLink,
            ["user_id", "child_id", "relation", "state", "city_id", "created_at", "decided_at"],
        )
        applications = Copy(
            cursor,
            Application,
            ["id", "reference", "child_id", "city_id", "cohort", "language", "group_type", "desired_start", "filed_at"]
            + ["filed_by_id", "state"],
        )
        privileges = Copy(
            cursor,
            Privilege,
            ["application_id", "category_id", "evidence", "state", "claimed_at", "decided_at", "decided_by_id"],
        )
        child_id, user_id, application_id = next_id(Child), next_id(User), next_id(Application)
        serials: Counter = Counter()
        first_user = user_id
        latest_filing = min(now - dt.timedelta(days=2), clock.at_local(dt.date(2026, 1, 1), dt.time(0, 0)))
        for number in range(1, parents + 1):
            birth = dt.date(COHORT, 1, 1) + dt.timedelta(days=rng.randrange(365))
            sex = rng.choice("MF")
            while True:
                serials[birth] += 1
                iin = make_iin(birth, sex, 5000 + serials[birth])
                if iin:
                    break
            surname = rng.choice(KAZAKH_SURNAMES)
            father = rng.choice(KAZAKH_FATHERS)
            filed = clock.at_local(
                birth + dt.timedelta(days=3 + int(rng.expovariate(1 / 60))),
                dt.time(rng.randint(8, 22), rng.randrange(60)),
            )
            filed = min(filed, latest_filing - dt.timedelta(minutes=number))
            children.put(
                child_id,
                iin,
                feminine_surname(surname) if sex == "F" else surname,
                rng.choice(FIRST_NAMES["kazakh", sex]),
                f"{father}{'ұлы' if sex == 'M' else 'қызы'}",
                birth,
                sex,
                filed,
            )
            users.put(
                user_id, "!bench", f"rush{user_id}", father, surname, "", filed, "parent", f"+77{user_id:09d}", "kk"
            )
            links.put(user_id, child_id, "parent", "verified", city.pk, filed, filed + dt.timedelta(days=1))
            applications.put(
                application_id,
                f"{city.code}-{COHORT % 100:02d}-{number:06d}",
                child_id,
                city.pk,
                COHORT,
                "kk",
                "general",
                dt.date(COHORT + 2, 9, 1),
                filed,
                user_id,
                "active",
            )
            roll = rng.random()
            if roll < 0.14:
                code = "military" if roll < 0.02 else rng.choice(["large_family", "disabled_parent", "special_needs"])
                privileges.put(
                    application_id,
                    categories[code].pk,
                    "bench №1",
                    "confirmed",
                    filed,
                    filed + dt.timedelta(days=3),
                    officer.pk if officer else None,
                )
            child_id, user_id, application_id = child_id + 1, user_id + 1, application_id + 1
        for copy in (children, users, links, applications, privileges):
            copy.flush()
        for model in (Group, Seat, SeatEvent, Child, User, RepresentativeLink, Application, Privilege):
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}")
    with connection.cursor() as plain:
        plain.execute("ANALYZE")

    keys = sessions_create(list(range(first_user, user_id)))
    application_of = dict(Application.objects.filter(cohort=COHORT, city=city).values_list("filed_by_id", "pk"))
    order = queue_ordered(market=Market(city.pk, COHORT, "kk", "general"), city=city, scope=Scope.ELIGIBLE)
    rank = {row[0]: row[2] for row in order}
    plan_parents = [
        {
            "cookie": cookie_header(key),
            "application": application_of[uid],
            "rank": rank.get(application_of[uid]),
            "in_turn": rank.get(application_of[uid], seats + 1) <= seats,
        }
        for uid, key in keys.items()
    ]
    return {"parents": plan_parents, "seats": seat_ids, "csrf": CSRF_TOKEN, "mode": mode}


# --- the run ----------------------------------------------------------------------------------------


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


def _cpu_per_request(server, since: float, figures: dict) -> float:
    """The server's CPU in ms per request of a measurement that began when it had used `since` seconds."""
    return (server.cpu_seconds() - since) * 1000 / max(figures["requests"], 1)


def run_mode(mode: str, args, template: str, config: ServerConfig | None = None) -> bool:
    return measure_mode(mode, args, template, config)["passed"]


def measure_mode(mode: str, args, template: str, config: ServerConfig | None = None) -> dict:
    """One rush on a fresh copy of the city: its figures, the floors of the same server and the verdicts."""
    log(f"== {mode} rush: {args.parents:,} parents, {args.seats:,} seats, concurrency {args.concurrency} ==")
    database = args.database
    clone_database(template, database)
    with tempfile.TemporaryDirectory(prefix="indigo-bench-") as folder:
        plan_path = Path(folder, "plan.json")
        subprocess.run(
            [
                PYTHON,
                "-m",
                "bench.rush",
                "--setup",
                mode,
                "--database",
                database,
                "--parents",
                str(args.parents),
                "--seats",
                str(args.seats),
                "--plan",
                str(plan_path),
            ],
            cwd=ROOT,
            env=bench_env(database),
            check=True,
            timeout=900,
        )
        plan = json.loads(plan_path.read_text())
    config = config or server_config(args.port)
    load_before = os.getloadavg()
    with front.serve(database, config, args) as server:
        # Through the front each parent is a client of its own to nginx (bench/front.py).
        base = {"port": args.port, "concurrency": args.concurrency, "timeout": 30.0, "forwarded": args.front}
        # Warm every worker (imports, URL resolver, first connections) before measuring.
        warm = 20 if args.invariants_only else 300
        loadgen("fixed", {**base, "path": "/healthz", "requests": warm}, 120)
        # And the signed-in API path (session, DRF, ORM) without taking a seat.
        cookie = {"Cookie": plan["parents"][0]["cookie"]}
        loadgen("fixed", {**base, "path": "/api/v1/me/children/", "headers": cookie, "requests": warm}, 120)
        cpu = server.cpu_seconds()
        trivial = summarize(loadgen("fixed", {**base, "path": "/healthz", "requests": args.healthz_requests}, 300))
        trivial["cpu_ms"] = _cpu_per_request(server, cpu, trivial)
        cpu = server.cpu_seconds()
        log(f"/healthz: {trivial['rate']:.0f} requests/s, p99 {trivial['p99']:.1f} ms")
        # The floor under any signed-in request (session, account, block check, DRF, one small query):
        # what a claim's ratio could reach if taking the seat itself cost nothing (docs/performance.md).
        me = {**base, "path": "/api/v1/me/", "headers": cookie, "requests": max(warm, args.healthz_requests // 4)}
        signed_in = summarize(loadgen("fixed", me, 300))
        signed_in["cpu_ms"] = _cpu_per_request(server, cpu, signed_in)
        cpu = server.cpu_seconds()
        log(f"/api/v1/me/: {signed_in['rate']:.0f} requests/s, p99 {signed_in['p99']:.1f} ms")
        started = time.monotonic()
        result = loadgen(
            "claims",
            {**base, **plan, "retries": args.retries, "max_seconds": args.max_seconds, "seed": args.seed},
            args.max_seconds + 120,
        )
        log(f"rush done in {time.monotonic() - started:.1f} s")
        rush_cpu = server.cpu_seconds() - cpu
    load_after = os.getloadavg()
    checks = sql_checks(database, plan, result["acknowledged"])
    claims = summarize(result)
    placed_rate = checks["acknowledged"] / result["wall_seconds"]
    ratio = claims["rate"] / trivial["rate"] if trivial["rate"] else 0.0
    floor_ratio = claims["rate"] / signed_in["rate"] if signed_in["rate"] else 0.0
    claims["cpu_ms"] = rush_cpu * 1000 / max(claims["requests"], 1)

    print(f"\n== {mode} rush results ({front.describe(config, args)}) ==")
    print(f"machine: {os.cpu_count()} cores; load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    print(f"parents {args.parents:,} (in turn: {sum(p['in_turn'] for p in plan['parents']):,}), seats {args.seats:,}")
    print(f"claim requests        {claims['requests']:,} in {result['seconds']:.1f} s = {claims['rate']:.1f} claims/s")
    placed = checks["acknowledged"]
    print(f"seats placed          {placed:,} in {result['wall_seconds']:.1f} s = {placed_rate:.1f} placements/s")
    p50, p95, p99, top = claims["p50"], claims["p95"], claims["p99"], claims["max"]
    print(f"claim latency ms      p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}  max {top:.1f}")
    print(f"statuses              {dict(sorted(claims['statuses'].items()))}")
    print(f"answers by code       {result['codes']}")
    print(f"parents' outcomes     {result['outcome']} (sweep tries {result['swept']})")
    print(
        f"/healthz (SELECT 1)   {trivial['requests']:,} requests = {trivial['rate']:.1f}/s, "
        f"p50 {trivial['p50']:.1f} ms, p99 {trivial['p99']:.1f} ms"
    )
    print(f"ratio claims/healthz  {ratio:.2f}")
    print(
        f"signed-in floor       GET /api/v1/me/ {signed_in['rate']:.1f}/s, p99 {signed_in['p99']:.1f} ms, "
        f"ratio to /healthz {signed_in['rate'] / trivial['rate'] if trivial['rate'] else 0:.2f}"
    )
    print(f"ratio claims/floor    {floor_ratio:.2f}")
    print(
        f"server CPU per request /healthz {trivial['cpu_ms']:.2f} ms, /api/v1/me/ {signed_in['cpu_ms']:.2f} ms, "
        f"claim {claims['cpu_ms']:.2f} ms (every claim request of the rush, refusals included)"
    )
    print(
        f"SQL checks            seats with two live referrals {checks['double_seats']}, children with two "
        f"{checks['double_children']}, seats placed {checks['placed']}/{checks['seats']}, acknowledged claims "
        f"without their referral {checks['lost_acknowledged']}, referrals out of turn {checks['out_of_turn']}"
    )
    verdicts = Verdicts()
    server_errors = claims["errors_5xx"] - claims["statuses"].get(503, 0)
    verdicts.check(
        "no server error, no request unanswered",
        server_errors == 0 and claims["no_answer"] == 0,
        f"{server_errors} 5xx other than 503, {claims['no_answer']} unanswered",
    )
    verdicts.check(
        "zero double bookings",
        checks["double_seats"] == 0 and checks["double_children"] == 0,
        f"{checks['double_seats']} seats, {checks['double_children']} children",
    )
    verdicts.check("every seat placed", checks["placed"] == checks["seats"], f"{checks['placed']}/{checks['seats']}")
    verdicts.check(
        "every 201 has its referral", checks["lost_acknowledged"] == 0, f"{checks['lost_acknowledged']} lost"
    )
    if mode == "priority":
        verdicts.check(
            "every priority claim within the turn", checks["out_of_turn"] == 0, f"{checks['out_of_turn']} beyond"
        )
        refused = result["codes"].get("409 not_your_turn", 0)
        verdicts.check("others refused 'not your turn'", refused > 0, f"{refused} refusals")
    if not args.invariants_only:
        # A 503 is the admission control refusing: right under overload, a failure in a rush it should carry.
        verdicts.check("zero 5xx", claims["errors_5xx"] == 0, f"{claims['errors_5xx']} (503 refusals included)")
        verdicts.check("p99 < 1 s", claims["p99"] < P99_TARGET_MS, f"{claims['p99']:.0f} ms")
        # DESIGN §5 (revised): against the signed-in floor, the cheapest request a parent can make.
        verdicts.check(
            f"claims/s ≥ {RATIO_TARGET} × signed-in floor",
            floor_ratio >= RATIO_TARGET,
            f"{claims['rate']:.0f} / {signed_in['rate']:.0f} = {floor_ratio:.2f}",
        )
    verdicts.print(f"{mode} rush")
    return {
        "passed": verdicts.passed,
        "mode": mode,
        "server": config.describe(),
        "app_server": f"{config.app_server}, {config.workers} × {config.threads if config.threaded else 1}",
        "healthz": trivial,
        "me": signed_in,
        "claims": claims,
        "checks": checks,
        "placed_rate": placed_rate,
        "load": (load_before[0], load_after[0]),
    }


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["general", "priority", "both"], default="both")
    parser.add_argument("--parents", type=int, default=20000)
    parser.add_argument("--seats", type=int, default=6000)
    parser.add_argument("--scale", type=float, default=1.0, help="size of the city around the rush market")
    parser.add_argument("--concurrency", type=int, default=12, help="requests in flight at once")
    parser.add_argument("--retries", type=int, default=12)
    parser.add_argument("--healthz-requests", type=int, default=20000)
    parser.add_argument("--max-seconds", type=float, default=1500)
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument("--seed", type=int, default=1)
    front.add_arguments(parser)
    parser.add_argument("--invariants-only", action="store_true", help="check correctness, not timings (CI)")
    parser.add_argument("--setup", choices=["general", "priority"], help=argparse.SUPPRESS)
    parser.add_argument("--plan", help=argparse.SUPPRESS)
    parser.add_argument("--database", default=WORK_DATABASE, help="the work database (a copy of the city)")
    args = parser.parse_args(argv)
    if args.setup:
        django_setup(args.database)
        plan = market_setup(mode=args.setup, parents=args.parents, seats=args.seats, seed=args.seed)
        Path(args.plan).write_text(json.dumps(plan))
        return 0
    template = city_template(args.scale)
    modes = ["general", "priority"] if args.mode == "both" else [args.mode]
    results = [run_mode(mode, args, template) for mode in modes]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
