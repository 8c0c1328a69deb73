"""The window rush (R-W) over HTTP: 20,000 parents put their lists in a claim window's first minute,
then the queue decides at the close.

    .venv/bin/python -m bench.window [--parents 20000] [--seats 6000]

The rush's market (bench/rush.py, general access: every child may bid) is opened in window mode: its
6,000 seats carry a close an hour ahead, and each parent lists 1–5 of its 240 groups,
popular ones more often (a Zipf-like pull, so groups run out and the order matters). The same server is
measured first on /healthz and on GET /api/v1/me/ (the signed-in floor), then every parent PUTs its
list once at the same concurrency.

Then, with the server stopped, the allocation job (placement/window) runs after the close on three
copies of the database holding 10 %, 30 % and 100 % of the bids, timed and with its SQL counted. On
the full one the window's public record is read back as anyone downloads it, the allocation is
recomputed from it alone (serial dictatorship in the published ranks, written here afresh), and the
result and its justified envy (placement/envy.py) are compared.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import front
from bench.common import (
    PYTHON,
    ROOT,
    Verdicts,
    bench_env,
    city_template,
    clone_database,
    django_setup,
    drop_database,
    log,
)
from bench.measure import (
    check_answered,
    check_no_double_booking,
    floors,
    loadgen,
    machine_cpu_seconds,
    machine_per_request,
    postgres_cpu_seconds,
    postgres_per_request,
    rush_arguments,
    server_config,
    sql_checks,
    summarize,
)
from bench.window_record import check_record, public_record

WORK_DATABASE = "indigo_bench_window"
P99_TARGET_MS = 300.0
RATIO_TARGET = 0.8
ALLOCATION_TARGET_S = 5.0
SHARES = (0.1, 0.3, 1.0)
MAX_LIST = 5
CLOSE_MINUTES = 60


# --- set-up, in a Django process on the work database ------------------------------------------------


def window_setup(*, parents: int, seats: int, seed: int) -> dict:
    """The rush's general-access market turned into a claim window closing CLOSE_MINUTES from now,
    and each parent's list of 1–5 groups."""
    import datetime as dt

    from bench.rush import market_setup
    from indigo import clock
    from vacancies.models import City, ClaimMode, Seat

    plan = market_setup(mode="general", parents=parents, seats=seats, seed=seed)
    close = clock.now() + dt.timedelta(minutes=CLOSE_MINUTES)
    City.objects.filter(slug="almaty").update(general_mode=ClaimMode.WINDOW)
    # As publication would have stamped them had the city been in window mode then (R-W-1, R-W-2).
    Seat.objects.filter(pk__in=plan["seats"]).update(general_window_until=close)
    _chain_to_yesterday(City.objects.get(slug="almaty"))
    groups = sorted(set(Seat.objects.filter(pk__in=plan["seats"]).values_list("group_id", flat=True)))
    rng = random.Random(f"indigo-bench-window/{seed}")
    weights = [1 / (index + 1) ** 0.8 for index in range(len(groups))]
    for parent in plan["parents"]:
        wanted = rng.randint(1, min(MAX_LIST, len(groups)))
        listed: list[int] = []
        while len(listed) < wanted:
            group = rng.choices(groups, weights)[0]
            if group not in listed:
                listed.append(group)
        parent["groups"] = listed
    return {**plan, "groups": groups, "close": close.isoformat()}


def bids_fill(*, lists_path: str, close: str) -> int:
    """Write straight into the database the lists of the parents whose bid was not accepted over HTTP
    in time (as bench/sessions.py writes sessions), so the allocation is measured on every parent's
    bid whatever the bid path's speed; returns how many. The run prints the number."""
    import datetime as dt
    import uuid

    from indigo import clock
    from placement.models import Application
    from placement.window.models import Bid, ClaimWindow
    from vacancies.models import City, Seat

    lists = json.loads(Path(lists_path).read_text())
    city = City.objects.get(slug="almaty")
    seat = Seat.objects.filter(pk=lists["seat"]).select_related("group").get()
    window, _ = ClaimWindow.objects.get_or_create(
        city=city,
        cohort=seat.group.cohort,
        language=seat.group.language,
        group_type=seat.group.group_type,
        stage=ClaimWindow.Stage.GENERAL,
        opens_at=seat.general_from,
        closes_at=dt.datetime.fromisoformat(close),
    )
    have = set(Bid.objects.filter(window=window).values_list("application_id", flat=True))
    wanted = {int(application): groups for application, groups in lists["groups"].items()}
    parents = dict(Application.objects.filter(pk__in=list(wanted)).values_list("pk", "filed_by_id"))
    now = clock.now()
    rows = [
        Bid(
            window=window,
            application_id=application,
            batch=uuid.uuid4(),
            groups=groups,
            placed_by_id=parents[application],
            created_at=now,
            updated_at=now,
        )
        for application, groups in wanted.items()
        if application not in have
    ]
    Bid.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _chain_to_yesterday(city) -> None:
    """The generated city's protocol chain ends on the day it was generated, which may be long ago; the
    record is read from the protocol after the close, so a link at the last cutoff before now stands
    for the days between (as citygen's own genesis link does), lest the run publish every one of them."""
    import datetime as dt
    import hashlib

    from indigo import clock
    from vacancies.models import Protocol

    now = clock.now()
    cutoff = clock.at_local(clock.local_date(now), city.publication_time)
    if cutoff > now - dt.timedelta(minutes=2):
        cutoff = clock.at_local(clock.local_date(now) - dt.timedelta(days=1), city.publication_time)
    last = Protocol.objects.filter(city=city).order_by("-cutoff").first()
    if last is not None and last.cutoff >= cutoff:
        return
    Protocol.objects.create(
        city=city,
        day=clock.local_date(cutoff),
        cutoff=cutoff,
        previous_cutoff=last.cutoff if last else None,
        published_at=cutoff + dt.timedelta(seconds=40),
        entry_count=0,
        sha256=hashlib.sha256(b"indigo-bench window link").hexdigest(),
        previous_sha256=last.sha256 if last else "",
    )


# --- the allocation, in a Django process on one copy --------------------------------------------------


def allocate(*, share: float, seed: int, close: str, record_path: str | None) -> dict:
    """Keep `share` of the bids, run the allocation after the close; its time and SQL statements."""
    import datetime as dt

    import time_machine
    from django.db import connection

    from placement.window.allocation import window_allocate
    from placement.window.models import Bid, ClaimWindow

    [window] = ClaimWindow.objects.select_related("city")
    bids = list(Bid.objects.filter(window=window).values_list("application_id", flat=True))
    if share < 1:
        rng = random.Random(f"indigo-bench-window-share/{seed}/{share}")
        keep = set(rng.sample(bids, round(len(bids) * share)))
        Bid.objects.filter(window=window).exclude(application_id__in=keep).delete()
        bids = list(keep)
    counted = {"queries": 0}

    def count(execute, sql, params, many, context):
        counted["queries"] += 1
        return execute(sql, params, many, context)

    from indigo.workdays import national_calendar_warm

    national_calendar_warm()  # as a Celery worker does when it starts (indigo/celery.py)
    after_close = dt.datetime.fromisoformat(close) + dt.timedelta(seconds=1)
    with time_machine.travel(after_close, tick=True), connection.execute_wrapper(count):
        started = time.perf_counter()
        allocation = window_allocate(window=window)
        seconds = time.perf_counter() - started
    result = {"share": share, "bids": len(bids), "placed": allocation.placed, "seconds": seconds, **counted}
    if record_path:
        record = public_record(window, allocation.ran_at)
        Path(record_path).write_text(json.dumps(record))
        result["check"] = check_record(record)
    return result


# --- the run ------------------------------------------------------------------------------------------


def run_django(*args: str, database: str, timeout: float = 900) -> None:
    subprocess.run(
        [PYTHON, "-m", "bench.window", *args, "--database", database],
        cwd=ROOT,
        env=bench_env(database),
        check=True,
        timeout=timeout,
    )


def measure(args, template: str) -> bool:
    log(f"== window rush: {args.parents:,} parents, {args.seats:,} seats, concurrency {args.concurrency} ==")
    database = args.database
    clone_database(template, database)
    with tempfile.TemporaryDirectory(prefix="indigo-bench-") as folder:
        plan_path = Path(folder, "plan.json")
        run_django(
            "--setup",
            "--parents",
            str(args.parents),
            "--seats",
            str(args.seats),
            "--seed",
            str(args.seed),
            "--out",
            str(plan_path),
            database=database,
        )
        plan = json.loads(plan_path.read_text())
    config = server_config(args.port)
    load_before = os.getloadavg()
    with front.serve(database, config, args) as server:
        base = {"port": args.port, "concurrency": args.concurrency, "timeout": 30.0, "forwarded": args.front}
        warm = 20 if args.invariants_only else 300
        cookie = {"Cookie": plan["parents"][0]["cookie"]}
        trivial, signed_in = floors(server, base, cookie, warm=warm, healthz_requests=args.healthz_requests)
        cpu, machine, pg_cpu = server.cpu_seconds(), machine_cpu_seconds(), postgres_cpu_seconds()
        started = time.monotonic()
        result = loadgen("bids", {**base, **plan, "seed": args.seed, "max_seconds": args.max_seconds}, 1800)
        log(f"bidding done in {time.monotonic() - started:.1f} s")
        bid_cpu = server.cpu_seconds() - cpu
    load_after = os.getloadavg()
    bids = summarize(result)
    bids["cpu_ms"] = bid_cpu * 1000 / max(bids["requests"], 1)
    bids["machine_ms"] = machine_per_request(machine, bids)
    bids["postgres_ms"] = postgres_per_request(pg_cpu, bids)
    floor_ratio = bids["rate"] / signed_in["rate"] if signed_in["rate"] else 0.0

    print(f"\n== window rush results ({front.describe(config, args)}) ==")
    print(f"machine: {os.cpu_count()} cores; load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    print(f"parents {args.parents:,}, seats {args.seats:,} in {len(plan['groups'])} groups, lists of 1–{MAX_LIST}")
    print(f"bid requests          {bids['requests']:,} in {result['seconds']:.1f} s = {bids['rate']:.1f} bids/s")
    print(f"bids accepted (200)   {len(result['placed']):,}; parents not started in time {result['not_sent']:,}")
    p50, p95, p99, top = bids["p50"], bids["p95"], bids["p99"], bids["max"]
    print(f"bid latency ms        p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}  max {top:.1f}")
    print(f"statuses              {dict(sorted(bids['statuses'].items()))}   5xx {bids['errors_5xx']}")
    print(f"answers by code       {result['codes']}")
    print(f"/healthz (SELECT 1)   {trivial['rate']:.1f}/s, p99 {trivial['p99']:.1f} ms")
    print(f"signed-in floor       GET /api/v1/me/ {signed_in['rate']:.1f}/s, p99 {signed_in['p99']:.1f} ms")
    print(f"ratio bids/floor      {floor_ratio:.2f}   (bids/healthz {bids['rate'] / max(trivial['rate'], 1e-9):.2f})")
    print(f"server CPU per bid    {bids['cpu_ms']:.2f} ms (per GET /api/v1/me/ {signed_in['cpu_ms']:.2f} ms)")
    print(
        f"machine CPU per bid   {bids['machine_ms']:.2f} ms (per GET /api/v1/me/ {signed_in['machine_ms']:.2f} ms): "
        "app servers, PostgreSQL, Redis and the load generator"
    )
    rest, rest_me = (
        figures["machine_ms"] - figures["cpu_ms"] - figures["postgres_ms"] for figures in (bids, signed_in)
    )
    print(
        f"of which PostgreSQL  {bids['postgres_ms']:.2f} ms (me {signed_in['postgres_ms']:.2f} ms); "
        f"the rest (load generator, Redis, kernel) {rest:.2f} ms (me {rest_me:.2f} ms)"
    )
    filled = 0
    if args.fill_bids:
        with tempfile.TemporaryDirectory(prefix="indigo-bench-") as folder:
            lists = {"seat": plan["seats"][0], "groups": {p["application"]: p["groups"] for p in plan["parents"]}}
            Path(folder, "lists.json").write_text(json.dumps(lists))
            out = Path(folder, "filled.json")
            run_django(
                "--fill",
                str(Path(folder, "lists.json")),
                "--close",
                plan["close"],
                "--out",
                str(out),
                database=database,
            )
            filled = json.loads(out.read_text())
        log(f"{filled:,} bids not accepted over HTTP in time written straight into the database")
    runs = []
    with tempfile.TemporaryDirectory(prefix="indigo-bench-") as folder:
        for share in SHARES:
            copy = f"{database}_{round(share * 100)}"
            clone_database(database, copy)
            out, record_path = Path(folder, f"alloc-{share}.json"), Path(folder, "record.json")
            extra = ["--record", str(record_path)] if share == 1.0 else []
            run_django(
                "--allocate",
                str(share),
                "--seed",
                str(args.seed),
                "--close",
                plan["close"],
                "--out",
                str(out),
                *extra,
                database=copy,
            )
            runs.append(json.loads(out.read_text()))
            if share == 1.0:
                checks = sql_checks(copy, plan, [])
            drop_database(copy)
            log(f"allocation of {share:.0%}: {runs[-1]}")
    checked = runs[-1]["check"]
    for run in runs:
        print(
            f"allocation {run['share']:>4.0%}      {run['bids']:,} bids → {run['placed']:,} seats in "
            f"{run['seconds']:.2f} s, {run['queries']} SQL statements"
        )
    print(
        f"recomputation         {checked['bids']:,} published bids, {len(checked['differences'])} differences "
        f"{checked['differences'][:5]}, justified envy {checked['envy']}"
    )

    verdicts = Verdicts()
    check_answered(verdicts, bids)
    full = runs[-1]
    verdicts.check(
        "every accepted bid allocated once",
        full["bids"] == len(result["placed"]) + filled == checked["bids"],
        f"{len(result['placed'])} accepted + {filled} written directly, {full['bids']} in the database, "
        f"{checked['bids']} published",
    )
    check_no_double_booking(verdicts, checks)
    verdicts.check(
        "every seat given has its one referral",
        checks["placed"] == full["placed"] == checked["placed"],
        f"{checks['placed']} seats with one referral, {full['placed']} allocated, {checked['placed']} published",
    )
    verdicts.check("0 differences on recomputation", not checked["differences"], f"{len(checked['differences'])}")
    envy = checked["envy"]
    verdicts.check(
        "0 justified envy",
        envy["seats_over"] == 0 and envy["passed_over"] == 0,
        f"{envy['seats_over']} seats over a better-ranked child, {envy['passed_over']} children passed over",
    )
    # Checked in CI's tiny run too: the referrals, seats and events are written in bulk, so the count is
    # the same at 10 % and 100 % of the bids (placement/window/allocation.py).
    verdicts.check(
        "query count does not grow with the bids",
        full["queries"] <= runs[0]["queries"] + 2,
        " → ".join(str(run["queries"]) for run in runs),
    )
    if not args.invariants_only:
        verdicts.check("every parent's bid sent", result["not_sent"] == 0, f"{result['not_sent']} left")
        verdicts.check("zero 5xx", bids["errors_5xx"] == 0, f"{bids['errors_5xx']} (503 refusals included)")
        verdicts.check("bid p99 < 300 ms", bids["p99"] < P99_TARGET_MS, f"{bids['p99']:.0f} ms")
        verdicts.check(
            f"bids/s ≥ {RATIO_TARGET} × signed-in floor",
            floor_ratio >= RATIO_TARGET,
            f"{bids['rate']:.0f} / {signed_in['rate']:.0f} = {floor_ratio:.2f}",
        )
        verdicts.check(
            "allocation of the whole window < 5 s", full["seconds"] < ALLOCATION_TARGET_S, f"{full['seconds']:.2f} s"
        )
    verdicts.print("window rush")
    return verdicts.passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    rush_arguments(parser, port=8707, database=WORK_DATABASE, around="window's market")
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--allocate", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--close", help=argparse.SUPPRESS)
    parser.add_argument("--record", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--fill", help=argparse.SUPPRESS)
    parser.add_argument(
        "--fill-bids",
        action="store_true",
        help="after the HTTP phase, write the bids not accepted in time straight into the database, so the "
        "allocation is measured on every parent's bid",
    )
    args = parser.parse_args(argv)
    if args.setup or args.allocate or args.fill:
        django_setup(args.database)
        if args.fill:
            out = bids_fill(lists_path=args.fill, close=args.close)
        elif args.setup:
            out = window_setup(parents=args.parents, seats=args.seats, seed=args.seed)
        else:
            out = allocate(share=args.allocate, seed=args.seed, close=args.close, record_path=args.record)
        Path(args.out).write_text(json.dumps(out))
        return 0
    return 0 if measure(args, city_template(args.scale)) else 1


if __name__ == "__main__":
    sys.exit(main())
