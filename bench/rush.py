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
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import front
from bench.common import PYTHON, ROOT, Verdicts, bench_env, city_template, clone_database, django_setup, log

# window.py, overload.py and appservers.py import the shared parts from here.
from bench.measure import (
    check_answered,
    check_no_double_booking,
    floors,
    loadgen,
    rush_arguments,
    server_config,
    sql_checks,
    summarize,
)
from bench.rush_market import market_setup
from bench.server import ServerConfig

WORK_DATABASE = "indigo_bench_rush"
P99_TARGET_MS = 1000.0
RATIO_TARGET = 0.6


# --- the run ----------------------------------------------------------------------------------------


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
        warm = 20 if args.invariants_only else 300
        cookie = {"Cookie": plan["parents"][0]["cookie"]}
        trivial, signed_in = floors(server, base, cookie, warm=warm, healthz_requests=args.healthz_requests)
        cpu = server.cpu_seconds()
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
    check_answered(verdicts, claims)
    check_no_double_booking(verdicts, checks)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["general", "priority", "both"], default="both")
    parser.add_argument("--retries", type=int, default=12)
    rush_arguments(parser, port=8701, database=WORK_DATABASE, around="rush market")
    parser.add_argument("--setup", choices=["general", "priority"], help=argparse.SUPPRESS)
    parser.add_argument("--plan", help=argparse.SUPPRESS)
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
