"""Read paths at city scale: a parent's queue position and the public vacancy registry.

    .venv/bin/python -m bench.readpaths --database indigo_bench_nightly

Server time is measured in-process through Django's full middleware stack (the test client, no
network), on the city as the 18:00 job left it, half an hour after the protocol, when parents look
at where they moved. Target: p95 under 50 ms for each. The number of queries per request is
reported here and bounded by tests/bench/test_query_bounds.py.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Verdicts, django_setup, percentile

TARGET_MS = 50.0


def _timed(client, url: str) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]!r}")
    return elapsed, len(captured.captured_queries), response.status_code


def measure(requests: int, seed: int, paths: tuple[str, ...] = ("position", "registry")) -> dict[str, dict]:
    import datetime as dt

    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from bench.sessions import sessions_create
    from placement.models import Application
    from vacancies.models import City

    rng = random.Random(seed)
    city = City.objects.get(slug="almaty")
    waiting = list(
        Application.objects.filter(city=city, state="active", referrals__isnull=True).values_list("pk", "filed_by_id")
    )
    sample = rng.sample(waiting, min(requests, len(waiting)))
    keys = sessions_create([user_id for _, user_id in sample])
    client = Client(HTTP_HOST="127.0.0.1")
    results = {}
    if "position" not in paths:  # the registry alone, with the same random filters as in a full run
        results["vacancy registry (RegistryApi)"] = _measure_registry(client, city, rng, requests)
        connection.close()
        return results

    # The first question of each market after a protocol ranks the market at the cutoff and caches it
    # (placement/queue/); half an hour after the protocol every market has had its first question.
    # Those first questions are shown apart, and the measured ones find the cache warm.
    markets = {
        pk: market
        for pk, *market in Application.objects.filter(pk__in=[pk for pk, _ in sample]).values_list(
            "pk", "cohort", "language", "group_type"
        )
    }
    firsts = list({tuple(markets[pk]): (pk, user_id) for pk, user_id in reversed(sample)}.values())
    position_times, position_queries = [], []
    for application_id, user_id in firsts + [sample[0]] * 3 + sample:  # warm-up requests first
        client.cookies[settings.SESSION_COOKIE_NAME] = keys[user_id]
        elapsed, queries, _ = _timed(client, f"/api/v1/applications/{application_id}/position/")
        position_times.append(elapsed)
        position_queries.append(queries)
    first = sorted(position_times[: len(firsts)])
    print(
        f"first position question of each of {len(firsts)} markets (cold cache): "
        f"p50 {percentile(first, 50):.1f} ms, max {first[-1]:.1f} ms, {max(position_queries[: len(firsts)])} queries"
    )
    warmed = len(firsts) + 3
    results["queue position (PositionApi)"] = _summary(position_times[warmed:], position_queries[warmed:])
    _measure_turn(sample)

    if "registry" in paths:
        results["vacancy registry (RegistryApi)"] = _measure_registry(client, city, rng, requests)
    connection.close()
    del dt
    return results


def _measure_registry(client, city, rng: random.Random, requests: int) -> dict:
    from vacancies.models import District, Kindergarten

    client.cookies.clear()
    districts = list(District.objects.filter(city=city).values_list("pk", flat=True))
    kindergartens = list(Kindergarten.objects.filter(city=city).values_list("pk", flat=True))
    filters = [
        lambda: "",
        lambda: f"page={rng.randint(1, 40)}",
        lambda: f"cohort={rng.choice((2019, 2020, 2021, 2022))}&language={rng.choice(('kk', 'ru'))}",
        lambda: f"district={rng.choice(districts)}",
        lambda: f"kindergarten={rng.choice(kindergartens)}",
        lambda: f"stage={rng.choice(('priority', 'general'))}&cohort={rng.choice((2021, 2022))}",
    ]
    registry_times, registry_queries = [], []
    for index in range(requests + 3):
        query = filters[index % len(filters)]()
        elapsed, queries, _ = _timed(client, f"/api/v1/vacancies/?city=almaty&{query}")
        registry_times.append(elapsed)
        registry_queries.append(queries)
    return _summary(registry_times[3:], registry_queries[3:])


def _measure_turn(sample: list[tuple[int, int]]) -> None:
    """R-S-6's turn check (priority_turn), called in-process on the sampled children: shown, no target."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from placement.models import Application
    from placement.queue import priority_turn

    times, queries = [], []
    for application in Application.objects.filter(pk__in=[pk for pk, _ in sample]).select_related("city"):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            priority_turn(application=application)
            times.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured.captured_queries))
    print(
        f"priority turn (in-process, {len(times)} children): p50 {percentile(times, 50):.1f} ms, "
        f"p95 {percentile(times, 95):.1f} ms, max {max(times):.1f} ms, {max(queries)} queries"
    )


def _summary(times: list[float], queries: list[int]) -> dict:
    return {
        "requests": len(times),
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "max": max(times),
        "mean": statistics.fmean(times),
        "queries_max": max(queries),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="indigo_bench_nightly")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--paths", default="position,registry", help="which read paths to measure, comma-separated (position, registry)"
    )
    args = parser.parse_args(argv)
    django_setup(args.database)
    import datetime as dt

    import time_machine
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM bench_meta WHERE key = 'cutoff'")
        cutoff = dt.datetime.fromisoformat(cursor.fetchone()[0])
    # Half an hour after the protocol, as the city's own clock would say.
    with time_machine.travel(cutoff + dt.timedelta(minutes=30), tick=True):
        results = measure(args.requests, args.seed, tuple(args.paths.split(",")))

    print("\n== Read paths, server time (in-process, full middleware stack) ==")
    print(f"{'path':<32} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
    verdicts = Verdicts()
    for name, r in results.items():
        print(f"{name:<32} {r['requests']:>8} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['max']:>8.1f} {r['queries_max']:>8}")
        verdicts.check(f"{name} p95 < {TARGET_MS:.0f} ms", r["p95"] < TARGET_MS, f"{r['p95']:.1f} ms")
    verdicts.print("read paths")
    return 0 if verdicts.passed else 1


if __name__ == "__main__":
    sys.exit(main())
