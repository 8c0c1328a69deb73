"""Where a claim's time goes: queries per claim and a pyinstrument profile, in-process, no network.

    .venv/bin/python -m bench.profile_claim [--mode general|priority] [--claims 300] [--output claim.txt]

Takes a fresh copy of the city, opens a rush market like bench.rush does, then claims seats one
after another through the whole Django stack (the test client: middleware, session, DRF, service)
and prints the queries of one claim, the time per claim and the profile.
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

from bench.common import PYTHON, ROOT, bench_env, city_template, clone_database, django_setup, log, percentile

WORK_DATABASE = "indigo_bench_profile"
CPU_TARGET_MS = 4.0  # DESIGN §5, first-come rush
ROUNDS = 5
HEALTHZ_PER_ROUND = 200


def profile(plan: dict, claims: int, output: str | None) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.nightly import _shape

    parents = [p for p in plan["parents"] if p["in_turn"]] + [p for p in plan["parents"] if not p["in_turn"]]
    seats = list(plan["seats"])
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)

    def claim(parent, seat):
        cookie = dict(part.split("=", 1) for part in parent["cookie"].split("; "))
        for name, value in cookie.items():
            client.cookies[name] = value
        return client.post(
            "/api/v1/claims/",
            data=json.dumps({"seats": [seat], "applications": [parent["application"]]}),
            content_type="application/json",
            HTTP_X_CSRFTOKEN=plan["csrf"],
        )

    # One claim with its queries shown, then the timed ones.
    with CaptureQueriesContext(connection) as captured:
        answer = claim(parents[0], seats.pop())
    print(f"one claim: HTTP {answer.status_code}, {len(captured.captured_queries)} queries")
    for query in captured.captured_queries:
        print(f"  {float(query['time']) * 1000:6.2f} ms  {_shape(query['sql'])}")
    refused = [p for p in plan["parents"] if not p["in_turn"]]
    if plan["mode"] == "priority" and refused:
        with CaptureQueriesContext(connection) as captured:
            answer = claim(refused[0], seats[-1])
        print(f"one refused claim (not your turn): HTTP {answer.status_code}, {len(captured.captured_queries)} queries")
        for query in captured.captured_queries:
            print(f"  {float(query['time']) * 1000:6.2f} ms  {_shape(query['sql'])}")

    # The server's own CPU per request, without a profiler: claims against /healthz, in this process,
    # each request handed to the WSGI application as an app server hands it (serve).
    def health_environ() -> dict:
        return _environ("GET", "/healthz", b"", {})

    def claim_environ(parent, seat) -> dict:
        body = json.dumps({"seats": [seat], "applications": [parent["application"]]}).encode()
        headers = {"HTTP_COOKIE": parent["cookie"], "HTTP_X_CSRFTOKEN": plan["csrf"]}
        return _environ("POST", "/api/v1/claims/", body, headers)

    for _ in range(50):
        serve(health_environ())
    # Rounds of /healthz then claims, side by side: a machine busy for a moment spoils one round, not
    # the figure, which is the median of the rounds.
    half = claims // 2
    per_round = max(half // ROUNDS, 1)
    statuses, rounds = Counter(), []
    for number in range(ROUNDS):
        cpu = time.process_time()
        for _ in range(HEALTHZ_PER_ROUND):
            serve(health_environ())
        health_cpu = (time.process_time() - cpu) / HEALTHZ_PER_ROUND * 1000
        cpu, wall = time.process_time(), time.perf_counter()
        for parent in parents[1 + number * per_round : 1 + (number + 1) * per_round]:
            statuses[serve(claim_environ(parent, seats.pop()))] += 1
        claim_cpu, claim_wall = (
            (time.process_time() - cpu) / per_round * 1000,
            (time.perf_counter() - wall) / per_round * 1000,
        )
        rounds.append((claim_cpu, health_cpu, claim_wall))
        print(
            f"  round {number + 1}: claim {claim_cpu:.2f} ms CPU ({claim_wall:.2f} ms wall), "
            f"/healthz {health_cpu:.2f} ms CPU"
        )
    claim_cpu = statistics.median(r[0] for r in rounds)
    health_cpu = statistics.median(r[1] for r in rounds)
    ratio = statistics.median(r[0] / r[1] for r in rounds)
    print(f"/healthz: {health_cpu:.2f} ms CPU per request (in-process WSGI, median of {ROUNDS} rounds)")
    print(
        f"claim:    {claim_cpu:.2f} ms CPU per placing claim (in-process WSGI, Python side only, median of {ROUNDS} "
        f"rounds of {per_round}; statuses {dict(statuses)})"
    )
    print(f"claim / healthz CPU: {ratio:.1f} x")
    verdict = "PASS" if claim_cpu <= CPU_TARGET_MS and statuses.keys() == {201} else "FAIL"
    print(f"{verdict}  at most {CPU_TARGET_MS:g} ms of Python CPU per placed claim: {claim_cpu:.2f} ms")

    # Where the CPU goes (not the waits): a deterministic profile of a few claims, by own time.
    import cProfile
    import io
    import pstats

    cpu_profile = cProfile.Profile(time.process_time)
    cpu_profile.enable()
    for parent in parents[half + 1 : half + 51]:
        serve(claim_environ(parent, seats.pop()))
    cpu_profile.disable()
    if os.environ.get("BENCH_PSTATS"):
        cpu_profile.dump_stats(os.environ["BENCH_PSTATS"])  # for reading it further with pstats
    buffer = io.StringIO()
    pstats.Stats(cpu_profile, stream=buffer).sort_stats("tottime").print_stats(30)
    print("CPU by function (50 claims, own time):")
    print("\n".join(buffer.getvalue().splitlines()[:45]))
    buffer = io.StringIO()
    pstats.Stats(cpu_profile, stream=buffer).sort_stats("cumulative").print_stats(
        r"(indigo|accounts|placement|vacancies|celery/app/task|rest_framework/(views|serializers)|sessions/backends|auth/__init__)",
        60,
    )
    print("CPU by function (50 claims, with callees, the portal's own and the main libraries' entry points):")
    print("\n".join(buffer.getvalue().splitlines()[:75]))
    parents = parents[50:]

    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    times, statuses = [], Counter()
    profiler.start()
    for parent in parents[half + 1 : claims + 1]:
        if not seats:
            break
        started = time.perf_counter()
        status = serve(claim_environ(parent, seats.pop()))
        times.append((time.perf_counter() - started) * 1000)
        statuses[status] += 1
    profiler.stop()
    print(
        f"{len(times)} claims profiled: p50 {percentile(times, 50):.1f} ms, p95 {percentile(times, 95):.1f} ms, "
        f"statuses {dict(statuses)}"
    )
    text = profiler.output_text(unicode=True, color=False)
    if output:
        Path(output).write_text(text)
        log(f"profile written to {output}")
    else:
        print(text)


def serve(environ: dict) -> int:
    """Hand one request to the WSGI application as an app server does, and read the whole answer; its
    status. No test client around it: the client's own work, signals and bookkeeping, is not the server's."""
    from indigo.wsgi import application

    status = []
    body = application(environ, lambda code, headers, exc_info=None: status.append(code))
    try:
        b"".join(body)
    finally:
        body.close()
    return int(status[0][:3])


def _environ(method: str, path: str, body: bytes, headers: dict) -> dict:
    """A WSGI environ as gunicorn builds one for a request from 127.0.0.1."""
    import io

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **headers,
    }
    if body:
        environ.update(CONTENT_TYPE="application/json", CONTENT_LENGTH=str(len(body)))
    return environ


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["general", "priority"], default="general")
    parser.add_argument("--parents", type=int, default=20000)
    parser.add_argument("--seats", type=int, default=6000)
    parser.add_argument("--claims", type=int, default=300)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--output")
    parser.add_argument("--run", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        django_setup(WORK_DATABASE)
        profile(json.loads(Path(args.run).read_text()), args.claims, args.output)
        return 0
    clone_database(city_template(args.scale), WORK_DATABASE)
    with tempfile.TemporaryDirectory(prefix="indigo-bench-") as folder:
        plan_path = Path(folder, "plan.json")
        env = bench_env(WORK_DATABASE)
        setup = [PYTHON, "-m", "bench.rush", "--setup", args.mode, "--database", WORK_DATABASE]
        setup += ["--parents", str(args.parents), "--seats", str(args.seats), "--plan", str(plan_path)]
        subprocess.run(setup, cwd=ROOT, env=env, check=True, timeout=900)
        command = [PYTHON, "-m", "bench.profile_claim", "--run", str(plan_path), "--claims", str(args.claims)]
        # Connections kept as the app servers keep them (bench/server.py): without, every request here
        # paid a new PostgreSQL connection, which no served claim does.
        env["DB_CONN_MAX_AGE"] = "60"
        subprocess.run(command + (["--output", args.output] if args.output else []), cwd=ROOT, env=env, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
