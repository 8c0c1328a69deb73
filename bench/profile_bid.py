"""Where a bid's cost goes, beside the signed-in floor's: in-process, no network, side by side.

    .venv/bin/python -m bench.profile_bid [--bids 2000] [--rounds 5]

Takes a fresh copy of the city, opens the window rush's market (bench/window.py), then hands requests
to the WSGI application as an app server does, in rounds of GET /api/v1/me/ then first bids (PUT
/api/v1/applications/<id>/bid/). For each it prints the Python CPU and the CPU of the PostgreSQL
backend serving this process (its /proc schedstat, in nanoseconds), per request, median of the
rounds: the two costs the window rush's ratio (bids/s against the signed-in floor) is made of. Then the
statements of one bid and a profile of the Python side by own time.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, ROOT, bench_env, city_template, clone_database, django_setup
from bench.profile_claim import _environ, serve

WORK_DATABASE = "indigo_bench_profile_bid"


def _backend_cpu_ns(pid: int) -> int:
    """CPU time the PostgreSQL backend `pid` has run, in nanoseconds (the scheduler's own account)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


def profile(plan: dict, bids: int, rounds: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.nightly import _shape

    def me_environ(parent) -> dict:
        return _environ("GET", "/api/v1/me/", b"", {"HTTP_COOKIE": parent["cookie"], "HTTP_ACCEPT": "application/json"})

    def bid_environ(parent) -> dict:
        body = json.dumps({"groups": parent["groups"]}).encode()
        headers = {"HTTP_COOKIE": parent["cookie"], "HTTP_X_CSRFTOKEN": plan["csrf"], "HTTP_ACCEPT": "application/json"}
        return _environ("PUT", f"/api/v1/applications/{parent['application']}/bid/", body, headers)

    parents = list(plan["parents"])
    first = parents.pop()
    with CaptureQueriesContext(connection) as captured:
        status = serve(bid_environ(first))
    print(f"one bid: HTTP {status}, {len(captured.captured_queries)} statements")
    for query in captured.captured_queries:
        print(f"  {float(query['time']) * 1000:6.2f} ms  {_shape(query['sql'])[:160]}")
    with CaptureQueriesContext(connection) as captured:
        status = serve(me_environ(first))
    print(f"one GET /api/v1/me/: HTTP {status}, {len(captured.captured_queries)} statements")
    for query in captured.captured_queries:
        print(f"  {float(query['time']) * 1000:6.2f} ms  {_shape(query['sql'])[:160]}")

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [(backend,)] = cursor.fetchall()
    for parent in parents[:100]:
        serve(me_environ(parent))
    per_round = bids // rounds
    statuses: Counter = Counter()
    results = []
    for number in range(rounds):
        figures = {}
        chunk = [parents.pop() for _ in range(per_round)]
        for name, environ_of in (("me", me_environ), ("bid", bid_environ)):
            cpu, pg = time.process_time(), _backend_cpu_ns(backend)
            for parent in chunk:
                statuses[(name, serve(environ_of(parent)))] += 1
            figures[name] = (
                (time.process_time() - cpu) / per_round * 1000,
                (_backend_cpu_ns(backend) - pg) / per_round / 1e6,
            )
        results.append(figures)
        (me_py, me_pg), (bid_py, bid_pg) = figures["me"], figures["bid"]
        print(
            f"  round {number + 1}: me {me_py:.2f} + {me_pg:.2f} ms, bid {bid_py:.2f} + {bid_pg:.2f} ms "
            f"(Python + PostgreSQL), ratio {(me_py + me_pg) / (bid_py + bid_pg):.2f}"
        )

    def median(name: str, part: int) -> float:
        return statistics.median(r[name][part] for r in results)

    print(f"statuses {dict(statuses)}")
    print(f"GET /api/v1/me/  Python {median('me', 0):.2f} ms  PostgreSQL {median('me', 1):.2f} ms per request")
    print(f"bid              Python {median('bid', 0):.2f} ms  PostgreSQL {median('bid', 1):.2f} ms per request")
    ratio = statistics.median(sum(r["me"]) / sum(r["bid"]) for r in results)
    print(f"me / bid CPU (Python + PostgreSQL): {ratio:.2f} (the rush's bids/floor, before the rest)")

    import cProfile
    import io
    import pstats

    cpu_profile = cProfile.Profile(time.process_time)
    chunk = [parents.pop() for _ in range(min(200, len(parents)))]
    cpu_profile.enable()
    for parent in chunk:
        serve(bid_environ(parent))
    cpu_profile.disable()
    if os.environ.get("BENCH_PSTATS"):
        cpu_profile.dump_stats(os.environ["BENCH_PSTATS"])
    buffer = io.StringIO()
    pstats.Stats(cpu_profile, stream=buffer).sort_stats("tottime").print_stats(35)
    print(f"CPU by function ({len(chunk)} bids, own time):")
    print("\n".join(buffer.getvalue().splitlines()[:50]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parents", type=int, default=20000)
    parser.add_argument("--seats", type=int, default=6000)
    parser.add_argument("--bids", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default=WORK_DATABASE)
    parser.add_argument("--run", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        django_setup(args.database)
        profile(json.loads(Path(args.run).read_text()), args.bids, args.rounds)
        return 0
    clone_database(city_template(args.scale), args.database)
    with tempfile.TemporaryDirectory(prefix="indigo-bench-") as folder:
        plan_path = Path(folder, "plan.json")
        env = bench_env(args.database)
        setup = [PYTHON, "-m", "bench.window", "--setup", "--database", args.database, "--out", str(plan_path)]
        setup += ["--parents", str(args.parents), "--seats", str(args.seats), "--seed", str(args.seed)]
        subprocess.run(setup, cwd=ROOT, env=env, check=True, timeout=900)
        # Connections kept as the app servers keep them (bench/server.py).
        env["DB_CONN_MAX_AGE"] = "60"
        command = [PYTHON, "-m", "bench.profile_bid", "--run", str(plan_path), "--bids", str(args.bids)]
        command += ["--rounds", str(args.rounds), "--database", args.database]
        subprocess.run(command, cwd=ROOT, env=env, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
