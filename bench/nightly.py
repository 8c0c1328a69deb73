"""The 18:00 job at city scale: time and SQL queries at 10%, 30% and 100% of Almaty.

    .venv/bin/python -m bench.nightly [--scales 0.1,0.3,1.0] [--no-readpaths]

For each size a fresh copy of the generated city is taken and placement.day_close.days_close
publishes the evening's protocol (R-Q-5 cancellations, expiries, access moves, publication, entries)
inside CaptureQueriesContext. Targets: the full city under 30 s, a query count that does not grow
with the city, and time that grows no faster than the city. Then the read paths (bench.readpaths)
are measured on the full city as the job left it.
"""

import argparse
import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, ROOT, Verdicts, bench_env, city_template, clone_database, django_setup, log

WORK_DATABASE = "indigo_bench_nightly"
FULL_LIMIT_SECONDS = 30.0
# Timing noise on a shared 2-core machine; growth beyond the data's by more than this fails.
GROWTH_TOLERANCE = 1.25


def _shape(sql: str) -> str:
    """A query with its values taken out, to group the captured queries by the code that sent them."""
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r"\b\d+(\.\d+)?\b", "?", sql)
    sql = re.sub(r"\(\?(, \?)*\)", "(…)", sql)
    return sql[:110]


def measure(profile: str | None = None) -> dict:
    """In a process set up on the work database: publish tonight's protocol and count what it took."""
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from placement.day_close import days_close
    from placement.models import Referral
    from vacancies.models import City, Protocol, SeatEvent

    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM bench_meta WHERE key = 'cutoff'")
        cutoff = dt.datetime.fromisoformat(cursor.fetchone()[0])
    city = City.objects.get(slug="almaty")
    events_before = SeatEvent.objects.count()
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        protocols = days_close(city=city, until=cutoff)
        seconds = time.perf_counter() - started
    if profiler is not None:
        profiler.stop()
        Path(profile).write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    if len(protocols) != 1:
        raise SystemExit(f"expected one protocol to publish, got {len(protocols)}")
    protocol = Protocol.objects.get(pk=protocols[0].pk)
    kinds = Counter(protocol.entries.values_list("kind", flat=True))
    shapes = Counter(_shape(query["sql"]) for query in captured.captured_queries)
    slowest = Counter()
    for query in captured.captured_queries:
        slowest[_shape(query["sql"])] += float(query["time"])
    return {
        "seconds": round(seconds, 3),
        "queries": len(captured.captured_queries),
        "entries": protocol.entry_count,
        "kinds": dict(sorted(kinds.items())),
        "new_events": SeatEvent.objects.count() - events_before,
        "expired": Referral.objects.filter(state="expired", closed_at__gt=cutoff - dt.timedelta(days=1)).count(),
        "seat_events_total": SeatEvent.objects.count(),
        "query_shapes": shapes.most_common(),
        "sql_seconds": round(sum(slowest.values()), 3),
        "slowest": [(shape, round(seconds, 3)) for shape, seconds in slowest.most_common(8)],
    }


def run_size(scale: float, profile: str | None = None, database: str = WORK_DATABASE) -> dict:
    template = city_template(scale)
    clone_database(template, database)
    result = subprocess.run(
        [PYTHON, "-m", "bench.nightly", "--measure", "--database", database]
        + (["--profile", profile] if profile else []),
        cwd=ROOT,
        env=bench_env(database),
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        raise SystemExit(f"the nightly job failed at scale {scale}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="0.1,0.3,1.0")
    parser.add_argument("--no-readpaths", action="store_true")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", default=WORK_DATABASE, help="the work database (a copy of the city)")
    parser.add_argument("--invariants-only", action="store_true", help="check the query count, not timings (CI)")
    parser.add_argument("--show-queries", action="store_true", help="print the queries of each size grouped")
    parser.add_argument("--profile", help="write a pyinstrument profile of the job (largest size) to this file")
    args = parser.parse_args(argv)
    if args.measure:
        django_setup(args.database)
        print(json.dumps(measure(args.profile)))
        return 0

    scales = [float(value) for value in args.scales.split(",")]
    results = {}
    for scale in scales:
        log(f"nightly job at scale {scale} …")
        results[scale] = run_size(scale, args.profile if scale == max(scales) else None, args.database)
        r = results[scale]
        log(
            f"scale {scale}: {r['seconds']:.2f} s, {r['queries']} queries, {r['entries']} protocol entries "
            f"({', '.join(f'{k} {v}' for k, v in r['kinds'].items())}), {r['seat_events_total']:,} seat events"
        )
        if args.show_queries:
            for shape, count in r["query_shapes"]:
                print(f"    {count:4d}  {shape}")
            print(f"    SQL time {r['sql_seconds']:.2f} s of {r['seconds']:.2f} s; slowest:")
            for shape, seconds in r["slowest"]:
                print(f"    {seconds:7.3f} s  {shape}")

    print("\n== Nightly 18:00 job (days_close) ==")
    print(f"{'scale':>6} {'seat events':>12} {'entries':>8} {'seconds':>8} {'queries':>8}")
    for scale, r in results.items():
        print(f"{scale:>6} {r['seat_events_total']:>12,} {r['entries']:>8,} {r['seconds']:>8.2f} {r['queries']:>8}")
    verdicts = Verdicts()
    largest = max(scales)
    smallest = min(scales)
    if largest == 1.0 and not args.invariants_only:
        verdicts.check(
            "full city under 30 s", results[1.0]["seconds"] < FULL_LIMIT_SECONDS, f"{results[1.0]['seconds']:.2f} s"
        )
    counts = [r["queries"] for r in results.values()]
    verdicts.check("query count does not grow", len(set(counts)) == 1, " / ".join(map(str, counts)))
    if largest > smallest and not args.invariants_only:
        data_growth = largest / smallest
        time_growth = results[largest]["seconds"] / max(results[smallest]["seconds"], 1e-6)
        verdicts.check(
            "time grows no faster than the data",
            time_growth <= data_growth * GROWTH_TOLERANCE,
            f"×{time_growth:.1f} time for ×{data_growth:.0f} data (tolerance ×{GROWTH_TOLERANCE})",
        )
    verdicts.print("nightly")
    ok = verdicts.passed
    if not args.no_readpaths and largest == 1.0:
        from bench import readpaths

        ok = readpaths.main(["--database", args.database]) == 0 and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
