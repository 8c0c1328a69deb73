"""Overload: ten times the sustainable claim rate for 30 s, then back to normal.

    .venv/bin/python -m bench.overload [--seconds 30] [--factor 10]

1. The sustainable rate: claims at a modest concurrency for a few seconds (answers per second).
2. Overload: claims arrive at factor × that rate, open loop (whatever the answers), for `seconds`.
   The portal must answer, 503 with Retry-After from the admission control (indigo/overload.py)
   rather than time out: every answer within 1 s, none missing.
3. Recovery: at once afterwards, normal load again: no refusals, latency as before.
Then SQL: every claim acknowledged with 201 has its referral, no seat or child has two.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import front
from bench.common import PYTHON, ROOT, Verdicts, bench_env, city_template, clone_database, log, percentile
from bench.rush import loadgen, server_config, sql_checks, summarize

WORK_DATABASE = "indigo_bench_overload"
ANSWER_WITHIN_MS = 1000.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--factor", type=float, default=10.0)
    parser.add_argument("--parents", type=int, default=20000)
    parser.add_argument("--seats", type=int, default=6000)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=12, help="of the sustainable-rate and recovery phases")
    parser.add_argument("--phase-seconds", type=float, default=10.0, help="length of those two phases")
    parser.add_argument("--rate", type=float, help="offer this many claims/s instead of factor × the sustainable rate")
    parser.add_argument("--port", type=int, default=8702)
    parser.add_argument("--database", default=WORK_DATABASE)
    front.add_arguments(parser)
    parser.add_argument("--invariants-only", action="store_true", help="check correctness, not timings (CI)")
    args = parser.parse_args(argv)

    database = args.database
    clone_database(city_template(args.scale), database)
    with tempfile.TemporaryDirectory(prefix="indigo-bench-") as folder:
        plan_path = Path(folder, "plan.json")
        setup = [PYTHON, "-m", "bench.rush", "--setup", "general", "--database", database]
        setup += ["--parents", str(args.parents), "--seats", str(args.seats), "--plan", str(plan_path)]
        subprocess.run(setup, cwd=ROOT, env=bench_env(database), check=True, timeout=900)
        plan = json.loads(plan_path.read_text())

    # Phases share one pool of parents: a parent placed in one phase is refused "has a referral" later,
    # which is still a full claim for the server to judge.
    config = server_config(args.port)
    load_before = os.getloadavg()
    with front.serve(database, config, args):
        base = {"port": args.port, "csrf": plan["csrf"], "seats": plan["seats"], "timeout": 10.0}
        # Through the front each parent is a client of its own to nginx (bench/front.py).
        base["forwarded"] = args.front
        # A quarter of the parents for the steady phases, the rest arrive during the overload.
        steady_parents, rushing_parents = (
            plan["parents"][: len(plan["parents"]) // 4],
            plan["parents"][len(plan["parents"]) // 4 :],
        )
        loadgen("fixed", {**base, "path": "/healthz", "requests": 200, "concurrency": 8}, 60)
        # Warm the claim path in every worker (imports, first connections) before measuring it.
        warm = {
            **base,
            "parents": steady_parents,
            "concurrency": args.concurrency,
            "seconds": min(2.0, args.phase_seconds / 2),
            "seed": 9,
        }
        warm_result = loadgen("timed", warm, 60)
        # Sustainable rate: a closed loop at modest concurrency, answers per second.
        sustainable_result = loadgen(
            "timed",
            {**base, "parents": steady_parents, "concurrency": args.concurrency, "seconds": args.phase_seconds},
            args.phase_seconds + 60,
        )
        sustainable = summarize(sustainable_result)
        rate = sustainable["rate"]
        log(f"sustainable: {rate:.0f} claims/s, p99 {sustainable['p99']:.0f} ms")
        offered = args.rate or rate * args.factor
        log(f"overload: {offered:.0f} claims/s offered for {args.seconds:.0f} s …")
        over_result = loadgen(
            "open",
            {**base, "parents": rushing_parents, "rate": offered, "seconds": args.seconds, "max_open": 20000},
            args.seconds + 120,
        )
        over = summarize(over_result)
        recovery_result = loadgen(
            "timed",
            {**base, "parents": steady_parents, "concurrency": args.concurrency, "seconds": args.phase_seconds},
            args.phase_seconds + 60,
        )
        recovery = summarize(recovery_result)
    load_after = os.getloadavg()
    acknowledged = [
        *warm_result["acknowledged"],
        *sustainable_result["acknowledged"],
        *over_result["acknowledged"],
        *recovery_result["acknowledged"],
    ]
    checks = sql_checks(database, plan, acknowledged)

    over_503 = [
        ms for ms, status in zip(over_result["latencies"], over_result["status_list"], strict=True) if status == 503
    ]
    over_refused = [
        ms
        for ms, status in zip(over_result["latencies"], over_result["status_list"], strict=True)
        if status in (429, 503)
    ]
    print(f"\n== Overload ({front.describe(config, args)}) ==")
    print(f"machine: {os.cpu_count()} cores; load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    for name, phase, result in (
        ("sustainable", sustainable, sustainable_result),
        (f"overload ×{offered / max(rate, 1e-9):.1f}", over, over_result),
        ("recovery", recovery, recovery_result),
    ):
        print(
            f"{name:<14} {phase['requests']:>6} answers, {phase['rate']:>7.1f}/s, p50 {phase['p50']:>6.1f} ms, "
            f"p99 {phase['p99']:>7.1f} ms, max {phase['max']:>7.1f} ms, "
            f"statuses {dict(sorted(phase['statuses'].items()))}"
        )
        if "offered" in result:
            print(
                f"{'':<14} offered {result['offered']} requests ({offered:.0f}/s), "
                f"client-side shed {result['client_shed']}"
            )
    p99_503 = percentile(over_503, 99)
    first_ok = recovery_result["latencies"][0] if recovery_result["latencies"] else 0.0
    print(f"overload 503s: {len(over_503)}, p99 {p99_503:.1f} ms; recovery: first answer {first_ok:.1f} ms")
    print(
        f"SQL checks: acknowledged {checks['acknowledged']}, without their referral {checks['lost_acknowledged']}, "
        f"seats with two live referrals {checks['double_seats']}, children with two {checks['double_children']}"
    )

    verdicts = Verdicts()
    answered = over["no_answer"] == 0
    verdicts.check("every overload request answered", answered, f"{over['no_answer']} timed out or refused connection")
    verdicts.check(
        "overload sheds with 503/429",
        over["statuses"].get(503, 0) + over["statuses"].get(429, 0) > 0,
        f"{over['statuses'].get(503, 0)} × 503, {over['statuses'].get(429, 0)} × 429",
    )
    other_5xx = sum(v for k, v in over["statuses"].items() if k >= 500 and k != 503)
    verdicts.check("no other 5xx under overload", other_5xx == 0, f"{other_5xx}")
    verdicts.check(
        "every 201 has its referral", checks["lost_acknowledged"] == 0, f"{checks['lost_acknowledged']} lost"
    )
    verdicts.check(
        "zero double bookings",
        checks["double_seats"] == 0 and checks["double_children"] == 0,
        f"{checks['double_seats']} seats, {checks['double_children']} children",
    )
    # "At once": right after the overload the portal answers as it did before it, not worse.
    refused_before = sustainable["statuses"].get(503, 0) / max(sustainable["requests"], 1)
    refused_after = recovery["statuses"].get(503, 0) / max(recovery["requests"], 1)
    recovered = recovery["no_answer"] == 0 and refused_after <= max(1.5 * refused_before, 0.01)
    verdicts.check(
        "recovers at once (refusals as before it)",
        recovered,
        f"{refused_after:.1%} refused after vs {refused_before:.1%} before, first answer {first_ok:.0f} ms",
    )
    if not args.invariants_only:
        # DESIGN §5: the refusals must be quick (the admitted claims take what a claim takes).
        p99_refused = percentile(over_refused, 99)
        verdicts.check(
            "429/503 within 1 s (p99)", bool(over_refused) and p99_refused < ANSWER_WITHIN_MS, f"{p99_refused:.0f} ms"
        )
        verdicts.check("overload answers within 1 s (p99)", over["p99"] < ANSWER_WITHIN_MS, f"{over['p99']:.0f} ms")
        verdicts.check(
            "recovery p99 as sustainable (≤ 1.5×)",
            recovery["p99"] <= max(1.5 * sustainable["p99"], 50),
            f"{recovery['p99']:.0f} ms vs {sustainable['p99']:.0f} ms",
        )
    verdicts.print("overload")
    return 0 if verdicts.passed else 1


if __name__ == "__main__":
    sys.exit(main())
