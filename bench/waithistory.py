"""The expected wait's backtest (issue 16) on the city-scale benchmark data.

    .venv/bin/python -m bench.waithistory --database indigo_bench_wait_s0100 --scale 0.1
    BENCH_CACHE_URL=redis://127.0.0.1:6379/8 BENCH_BROKER_URL=redis://127.0.0.1:6379/9 …

The city of bench/citygen.py stands on one day with 13½ months of seat history and no published
protocol before it; its placements are drawn at random, whatever the children's places in the queue.
The backtest needs more than a year of published protocols and placements that follow the queue, so
this builds a city of its own (never the other benchmarks' templates) in three steps:

1. citygen with --history-start two years before the cutoff (the same seats, spread over two years);
2. the queue aligned with the placements: in each market the children placed get, in the order of
   their referrals, the queue identities (filing time and privileges) of the places at the head of the
   R-Q-2 queue, the first one filed before the referral; everyone else keeps the order they had. Seats,
   referrals, their times and the protocols' contents do not change, only who stood where;
   and citygen's padding cycles (ballast events, see drop_padding) removed;
3. a protocol for every day of the history from the seat events, hashed and chained as the product
   does (vacancies/protocol.py), so `verify_protocols` passes on it;

then runs `backtest_wait` and prints its figures and run times (docs/performance.md).
"""

import argparse
import datetime as dt
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, bench_env, create_database, django_setup, log, run

DEFAULT_START = dt.date(2022, 9, 1)
# citygen gives the 18:00 job a day's work: 10 % of all seats are claimed in the week before the cutoff
# (7-15.10.2024), three and a half months of placements in one week. Outcomes are judged before it.
JUDGED_UNTIL = dt.date(2024, 10, 6)


def build(database: str, *, scale: float, seed: int, history_start: dt.date) -> None:
    create_database(database)
    env = bench_env(database)
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env=env, quiet=True)
    run(
        [PYTHON, "-m", "bench.citygen", "--database", database, "--scale", str(scale), "--seed", str(seed)]
        + ["--history-start", history_start.isoformat()],
        env=env,
    )


def _merged_order(identities: list[tuple], p: int, g: int) -> list[tuple]:
    """R-Q-2 over (filed_at, id, tier, …): extraordinary first, then first-priority and general interleaved."""
    keyed, counters = [], [0, 0, 0]
    for identity in sorted(identities, key=lambda i: (i[0], i[1])):
        tier = identity[2]
        counters[tier] += 1
        k = counters[tier] - 1
        if tier == 0:
            key = (0, 0, 0)
        elif tier == 1:
            key = (1, k // p, k % p)
        else:
            key = (1, k // g, p + k % g)
        keyed.append((key, identity))
    keyed.sort(key=lambda item: item[0])
    return [identity for _key, identity in keyed]


def align_queue(city) -> int:
    """Step 2: give the placed children the places at the head of the queue, in the order of placement."""
    from django.db import connection, transaction

    from placement.models import Application, Privilege, Referral

    placed_states = [Referral.State.ENROLLED, Referral.State.LEFT, Referral.State.ISSUED, Referral.State.TERMINATED]
    placed_at: dict[int, dt.datetime] = {}
    for application_id, issued_at in (
        Referral.objects.filter(application__city=city, state__in=placed_states)
        .values_list("application_id", "issued_at")
        .order_by("issued_at")
    ):
        placed_at.setdefault(application_id, issued_at)
    tiers: dict[int, int] = {}
    privileges: dict[int, list[int]] = defaultdict(list)
    for application_id, tier in Privilege.objects.filter(
        application__city=city, state__in=Privilege.COUNTING_STATES
    ).values_list("application_id", "category__tier"):
        tiers[application_id] = min(tiers.get(application_id, 2), 0 if tier == "extraordinary" else 1)
    for pk, application_id in Privilege.objects.filter(application__city=city).values_list("pk", "application_id"):
        privileges[application_id].append(pk)
    markets: dict[tuple, list[tuple]] = defaultdict(list)
    for pk, filed_at, cohort, language, group_type in Application.objects.filter(city=city).values_list(
        "pk", "filed_at", "cohort", "language", "group_type"
    ):
        markets[(cohort, language, group_type)].append((filed_at, pk, tiers.get(pk, 2)))
    new_filed: dict[int, dt.datetime] = {}
    new_owner: dict[int, int] = {}  # privilege id -> application id
    moved = 0
    for identities in markets.values():
        order = _merged_order(identities, city.interleave_privileged, city.interleave_general)
        placed = sorted((pk for _f, pk, _t in identities if pk in placed_at), key=lambda pk: (placed_at[pk], pk))
        used = [False] * len(order)
        assignment: dict[int, tuple] = {}
        first_free = 0
        for pk in placed:
            while first_free < len(order) and used[first_free]:
                first_free += 1
            index = first_free
            while index < len(order) and (used[index] or order[index][0] >= placed_at[pk]):
                index += 1
            if index == len(order):
                continue  # nobody was filed before this referral: the child keeps its own place
            used[index] = True
            assignment[pk] = order[index]
        # Everyone else takes the places left, in the order they had.
        rest = iter(identity for index, identity in enumerate(order) if not used[index])
        for _filed, pk, _tier in order:
            if pk not in assignment:
                assignment[pk] = next(rest)
        for pk, (filed_at, owner, _tier) in assignment.items():
            if owner != pk:
                moved += 1
                new_filed[pk] = filed_at
                for privilege in privileges.get(owner, []):
                    new_owner[privilege] = pk
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        _update_from_values(
            cursor,
            "UPDATE placement_application a SET filed_at = v.filed_at FROM (VALUES {}) AS v(id, filed_at) "
            "WHERE a.id = v.id",
            "(%s, %s::timestamptz)",
            list(new_filed.items()),
        )
        # Privileges move with their places; dropping the partial unique index for the permutation
        # avoids the false clashes a row-by-row check would see half-way through it.
        cursor.execute("ALTER TABLE placement_privilege DROP CONSTRAINT IF EXISTS privilege_one_live_per_category")
        cursor.execute("DROP INDEX IF EXISTS privilege_one_live_per_category")
        _update_from_values(
            cursor,
            "UPDATE placement_privilege p SET application_id = v.owner FROM (VALUES {}) AS v(id, owner) "
            "WHERE p.id = v.id",
            "(%s, %s)",
            list(new_owner.items()),
        )
        cursor.execute(
            "CREATE UNIQUE INDEX privilege_one_live_per_category ON placement_privilege (application_id, category_id) "
            "WHERE state IN ('pending', 'confirmed')"
        )
    return moved


def drop_padding() -> int:
    """Step 2b: remove citygen's padding cycles, the ballast that brings its events to ~1M: 15 referrals
    claimed and left to lapse (claimed → expired → returned) for every real placement, numbered
    "ALA-yy-9…" with no referral row behind them. No city lets 15 referrals lapse per placement, and as
    published history they would bury the placements (docs/performance.md gives the figures both ways)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH padding AS (
                SELECT seat_id, at FROM vacancies_seatevent
                WHERE kind = 'expired' AND data->>'referral' LIKE 'ALA-__-9%%'
            )
            DELETE FROM vacancies_seatevent e
            WHERE (e.kind IN ('claimed', 'expired') AND e.data->>'referral' LIKE 'ALA-__-9%%')
               OR (e.kind = 'returned' AND (e.seat_id, e.at) IN (SELECT seat_id, at FROM padding))
            """
        )
        return cursor.rowcount


def publish_history(city) -> int:
    """Step 3: one protocol per day from the seat events, hashed and chained like vacancies/protocol.py."""
    from django.db import connection, transaction

    from indigo.clock import at_local, local_date
    from vacancies.models import Group, Protocol, ProtocolEntry
    from vacancies.protocol import (
        _seat_facts,
        _sha256,
        canonical_json,
        entry_canonical,
        protocol_digest,
        protocol_header,
    )

    placeholder = Protocol.objects.get(city=city)  # citygen's "yesterday", with no entries
    last_cutoff = placeholder.cutoff
    facts = {}
    for group in Group.objects.filter(kindergarten__city=city).select_related("kindergarten"):
        facts[group.pk] = _seat_facts(type("S", (), {"group": group})())
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(at) FROM vacancies_seatevent")
        first = local_date(cursor.fetchone()[0])
    protocols, entries = [], []
    previous = None
    day = first
    with transaction.atomic():
        placeholder.delete()
        stream = connection.connection.cursor(name="events")
        stream.itersize = 50_000
        stream.execute(
            "SELECT e.at, e.kind, e.seat_id, e.reason, e.data::text, s.group_id FROM vacancies_seatevent e "
            "JOIN vacancies_seat s ON s.id = e.seat_id WHERE e.at <= %s ORDER BY e.at, e.id",
            [last_cutoff],
        )
        pending = next(stream, None)
        protocol_id = 0
        while (cutoff := at_local(day, city.publication_time)) <= last_cutoff:
            protocol_id += 1
            protocol = Protocol(
                pk=protocol_id,
                city=city,
                day=day,
                cutoff=cutoff,
                previous_cutoff=previous.cutoff if previous else None,
                previous_sha256=previous.sha256 if previous else "",
                published_at=cutoff + dt.timedelta(seconds=30),
            )
            mine = []
            while pending is not None and pending[0] <= cutoff:
                at, kind, seat_id, reason, data, group_id = pending
                payload = {**facts[group_id], **json.loads(data)}
                if reason:
                    payload["reason"] = reason
                entry = ProtocolEntry(
                    protocol_id=protocol_id, position=len(mine) + 1, at=at, kind=kind, seat_id=seat_id, payload=payload
                )
                entry.payload = json.loads(canonical_json(entry.payload))
                entry.sha256 = _sha256(entry_canonical(entry))
                mine.append(entry)
                pending = next(stream, None)
            protocol.entry_count = len(mine)
            protocol.sha256 = protocol_digest(protocol_header(protocol), [entry.sha256 for entry in mine])
            protocols.append(protocol)
            entries.extend(mine)
            if len(entries) >= 50_000:  # the foreign key to the protocol is checked at commit
                ProtocolEntry.objects.bulk_create(entries, batch_size=5000)
                entries.clear()
            previous = protocol
            day += dt.timedelta(days=1)
        stream.close()
        Protocol.objects.bulk_create(protocols, batch_size=2000)
        ProtocolEntry.objects.bulk_create(entries, batch_size=5000)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('vacancies_protocol', 'id'), COALESCE(MAX(id), 1)) "
                "FROM vacancies_protocol"
            )
    return len(protocols)


def _update_from_values(cursor, sql: str, row: str, rows: list[tuple]) -> None:
    """`sql` with its {} filled by VALUES rows of the shape `row`, 5,000 rows a statement."""
    for start in range(0, len(rows), 5000):
        chunk = rows[start : start + 5000]
        cursor.execute(sql.format(",".join([row] * len(chunk))), [value for values in chunk for value in values])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a database name starting indigo_bench (it is re-created)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--history-start", type=dt.date.fromisoformat, default=DEFAULT_START)
    parser.add_argument("--step-days", type=int, default=28)
    parser.add_argument(
        "--until",
        type=dt.date.fromisoformat,
        default=JUDGED_UNTIL,
        help="judge placements up to this day (default %(default)s: before citygen's last-week pile of claims)",
    )
    parser.add_argument("--reuse", action="store_true", help="skip the build: the database is ready")
    parser.add_argument(
        "--keep-padding", action="store_true", help="publish citygen's padding cycles too (the figures without step 2b)"
    )
    args = parser.parse_args(argv)
    if not args.database.startswith("indigo_bench"):
        raise SystemExit("waithistory writes only to databases named indigo_bench…")
    timings = {}
    if not args.reuse:
        started = time.monotonic()
        build(args.database, scale=args.scale, seed=args.seed, history_start=args.history_start)
        timings["citygen"] = time.monotonic() - started
    django_setup(args.database)
    from placement.wait_backtest import wait_backtest_run
    from vacancies.models import City, Protocol

    city = City.objects.get()
    if not args.reuse:
        started = time.monotonic()
        log(f"aligned the queue with the placements: {align_queue(city):,} applications moved")
        timings["align"] = time.monotonic() - started
        started = time.monotonic()
        if not args.keep_padding:
            log(f"removed {drop_padding():,} padding events")
        log(f"published {publish_history(city):,} protocols of history")
        timings["protocols"] = time.monotonic() - started
    log(f"{Protocol.objects.count():,} protocols from {Protocol.objects.order_by('day').first().day}")
    started = time.monotonic()
    result = wait_backtest_run(city=city, step_days=args.step_days, until=args.until, log=log)
    timings["backtest"] = time.monotonic() - started
    share = f"{result.share_inside:.1%}" if result.share_inside is not None else "—"
    print(
        f"\nbacktest_wait at scale {args.scale}: {len(result.rows)} days replayed ({result.first_day} … "
        f"{result.last_day}), {result.judged:,} children judged, {share} inside the 80 % interval, "
        f"median error {result.median_error_days} days, {result.thin:,} without an estimate"
    )
    print("run times: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items()))


if __name__ == "__main__":
    main()
