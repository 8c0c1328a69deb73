"""An Almaty-sized city for the benchmarks, written with COPY in a few minutes.

    .venv/bin/python -m bench.citygen --database indigo_bench_x --scale 1.0

At scale 1.0: 1,500 kindergartens, 12,000 groups, 150,000 children and applications (valid IINs, the
demo's names and privilege mix), one verified parent per family, 60,000 seats in every state with
their referrals, and about 1,000,000 seat events. Everything else scales linearly.

The city stands just before the 18:00 protocol of Wed 16.10.2024 (CUTOFF), the one before it
published: that evening's job has a day's worth of work proportional to the city — seats released
today to publish, referrals expiring, R-Q-5 cancellations, seats reaching general access and the
day's claims, enrolments and withdrawals to put in the protocol.

The target database must be migrated and empty. Ids are assigned here, so rows reference each
other without a round trip; sequences are moved past them at the end. Foreign-key triggers are
off during the load (session_replication_role) and the references are checked afterwards instead.
"""

import argparse
import datetime as dt
import hashlib
import random
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import GENERATOR_VERSION, django_setup, log, schema_fingerprint, write_meta
from bench.copyload import Copy, check_references

# Seats' lives are spread from here to the cutoff. bench/waithistory.py asks for an earlier start (two
# years of history, which the expected wait's backtest needs); the other benchmarks keep this one.
HISTORY_START = dt.date(2023, 9, 1)
FULL = {"kindergartens": 1500, "applications": 150_000, "seats": 60_000, "events": 1_000_000}
GROUPS_PER_KINDERGARTEN = 8
COHORTS = (2019, 2020, 2021, 2022)
CITY = {
    "slug": "almaty",
    "code": "ALA",
    "name_kk": "Алматы",
    "name_ru": "Алматы",
    "name_en": "Almaty",
    "region_kk": "Республикалық маңызы бар қала",
    "region_ru": "Город республиканского значения",
}
DISTRICTS = (
    ("Алатау", "Алатауский", "Alatau"),
    ("Алмалы", "Алмалинский", "Almaly"),
    ("Әуезов", "Ауэзовский", "Auezov"),
    ("Бостандық", "Бостандыкский", "Bostandyk"),
    ("Жетісу", "Жетысуский", "Zhetysu"),
    ("Медеу", "Медеуский", "Medeu"),
    ("Наурызбай", "Наурызбайский", "Nauryzbay"),
    ("Түрксіб", "Турксибский", "Turksib"),
)
# Shares of the seats by state; the "today" parts are the 18:00 job's work.
SEAT_SHARES = {
    "occupied": 0.50,
    "vacated": 0.20,
    "claimed": 0.10,
    "withdrawn": 0.05,
    "open": 0.7 / 6,
    "released": 0.2 / 6,
}
PER_FULL = {
    "expiring_today": 600,
    "rq5_due": 40,
    "rq5_later": 40,
    "claimed_today": 400,
    "enrolled_today": 300,
    "withdrawn_today": 50,
    "general_unrecorded": 1000,
    "general_next": 800,
    "priority": 2200,
    "expired_history": 4000,
    "withdrawn_applications": 5000,
    "stop_listed": 1000,
}


class Calendar:
    """Working days and R-S-2 windows as the product computes them (its own WorkingCalendar)."""

    def __init__(self, city):
        from indigo.workdays import WorkingCalendar

        self.calendar = WorkingCalendar(city)

    def add(self, day: dt.date, n: int) -> dt.date:
        return self.calendar.add_working_days(day, n)

    def window(self, day: dt.date) -> tuple[dt.date, dt.date]:
        """(last priority day, first general day) for a publication on `day`."""
        last = self.add(day, 3)
        return last, self.add(last, 1)

    def working_days(self, start: dt.date, end: dt.date) -> list[dt.date]:
        days, day = [], start
        while day <= end:
            if self.calendar.is_working_day(day):
                days.append(day)
            day += dt.timedelta(days=1)
        return days


def generate(  # noqa: C901 - one linear recipe, easier read whole
    *, scale: float, seed: int, history_start: dt.date = HISTORY_START
) -> dict[str, int]:
    from django.db import connection, transaction

    from accounts.models import RepresentativeLink, User
    from bench.citygen_fates import fates_write
    from indigo.clock import at_local, local_date
    from placement.demo.families import demo_children_plan
    from placement.demo.kindergartens import _group_name as group_name
    from placement.demo.names import GROUP_NICKNAMES
    from placement.demo.privileges import CATEGORIES
    from placement.models import Application, Child, Privilege, PrivilegeCategory, Referral
    from vacancies.models import City, District, Group, Kindergarten, Protocol, Seat, SeatEvent

    rng = random.Random(f"indigo-bench/{seed}")
    started = time.monotonic()

    def n(full: int, minimum: int = 1) -> int:
        return max(minimum, round(full * scale))

    cutoff = at_local(dt.date(2024, 10, 16), dt.time(18, 0))
    previous_cutoff = cutoff - dt.timedelta(days=1)
    today = local_date(cutoff)

    if City.objects.exists():
        raise SystemExit("citygen: the target database already has data; give it an empty, migrated database")

    with transaction.atomic():
        cursor = connection.connection.cursor()
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL synchronous_commit = off")

        city = City.objects.create(**CITY)
        calendar = Calendar(city)
        districts = [District.objects.create(city=city, name_kk=kk, name_ru=ru, name_en=en) for kk, ru, en in DISTRICTS]
        categories = {
            spec.code: PrivilegeCategory.objects.create(
                city=city,
                code=spec.code,
                tier=spec.tier,
                name_kk=spec.name_kk,
                name_ru=spec.name_ru,
                name_en=spec.name_en,
            )
            for spec in CATEGORIES
        }
        officer = User.objects.create(
            username="bench-officer",
            role=User.Role.OFFICER,
            city=city,
            is_staff=True,
            password="!bench",  # noqa: S106
        )
        working = calendar.working_days(history_start, today)

        def moment(day: dt.date, hour_from: int = 9, hour_to: int = 17) -> dt.datetime:
            return at_local(day, dt.time(rng.randint(hour_from, hour_to), rng.randrange(60), rng.randrange(60)))

        def cutoff_of(day: dt.date) -> dt.datetime:
            return at_local(day, dt.time(18, 0))

        # --- kindergartens and groups ---------------------------------------------------------
        kindergartens = Copy(
            cursor,
            Kindergarten,
            ["id", "city_id", "district_id", "number", "name_kk", "name_ru", "name_en", "ownership", "address_ru"]
            + ["address_kk", "phone", "state_order_places", "is_active"],
        )
        groups = Copy(
            cursor,
            Group,
            ["id", "kindergarten_id", "name", "cohort", "language", "group_type", "capacity", "is_active"],
        )
        group_market: dict[int, tuple] = {}
        group_kindergarten: dict[int, int] = {}
        group_id = 0
        number = 0
        for kindergarten_id in range(1, n(FULL["kindergartens"], 4) + 1):
            district = districts[(kindergarten_id - 1) % len(districts)]
            private = kindergarten_id > 2 and rng.random() < 0.15
            number += 1  # noqa: SIM113 - state kindergartens' numbers run on through the private ones
            if private:
                names = (
                    f"«Бөбек-{kindergarten_id}» жеке балабақшасы",
                    f"Частный детский сад «Бобек-{kindergarten_id}»",
                )
                names += (f"Bobek-{kindergarten_id} private kindergarten",)
                kindergarten_number = None
            else:
                names = (f"№{number} бөбекжай-балабақшасы", f"Ясли-сад №{number}", f"Nursery-kindergarten No. {number}")
                kindergarten_number = number
            kindergartens.put(
                kindergarten_id,
                city.pk,
                district.pk,
                kindergarten_number,
                *names,
                "private" if private else "state",
                f"г. Алматы, {district.name_ru} р-н, д. {rng.randint(1, 300)}",
                f"Алматы қ., {district.name_kk} ауданы, {rng.randint(1, 300)}",
                f"+7 (727) {rng.randint(200, 399)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
                0,
                True,
            )
            nicknames = {language: rng.sample(names_, len(names_)) for language, names_ in GROUP_NICKNAMES.items()}
            for index in range(GROUPS_PER_KINDERGARTEN):
                cohort = COHORTS[index // 2]
                language = "kk" if rng.random() < 0.62 else "ru"
                roll = rng.random()
                group_type = "speech" if roll < 0.05 else "correctional" if roll < 0.07 else "general"
                group_id += 1
                groups.put(
                    group_id,
                    kindergarten_id,
                    group_name(nicknames[language].pop(), cohort, language, group_type),
                    cohort,
                    language,
                    group_type,
                    rng.randint(15, 25),
                    True,
                )
                group_market[group_id] = (cohort, language, group_type)
                group_kindergarten[group_id] = kindergarten_id
        kindergartens.flush()
        groups.flush()
        log(f"  {kindergartens.count} kindergartens, {groups.count} groups")

        # --- children, parents, applications ----------------------------------------------------
        plans = demo_children_plan(seed=seed, count=n(FULL["applications"], 50) + 3)[3:]
        children = Copy(
            cursor, Child, ["id", "iin", "last_name", "first_name", "patronymic", "birth_date", "sex", "created_at"]
        )
        users = Copy(
            cursor,
            User,
            ["id", "password", "username", "first_name", "last_name", "email", "is_staff", "is_active"]
            + ["date_joined", "role", "phone", "phone_confirmed_at", "language", "is_superuser"],
        )
        links = Copy(
            cursor,
            RepresentativeLink,
            ["id", "user_id", "child_id", "relation", "state", "document", "city_id", "created_at", "decided_at"]
            + ["decided_by_id"],
        )
        user_id = officer.pk
        parent_of: list[int] = []
        previous_family = None
        for index, plan in enumerate(plans):
            child_id = index + 1
            children.put(
                child_id,
                plan.iin,
                plan.last_name,
                plan.first_name,
                plan.patronymic,
                plan.birth_date,
                plan.sex,
                plan.filed_at,
            )
            family = (plan.birth_date, plan.filed_at)
            if family != previous_family:
                user_id += 1
                surname = plan.last_name[:-1] if plan.sex == "F" and plan.last_name.endswith("а") else plan.last_name
                users.put(
                    user_id,
                    "!bench",
                    f"parent{user_id}",
                    (plan.patronymic[:-3] or "Ата") if plan.patronymic.endswith(("ұлы", "қызы")) else "Родитель",
                    surname,
                    "",
                    False,
                    True,
                    plan.filed_at,
                    "parent",
                    f"+77{user_id:09d}",
                    plan.filed_at,
                    plan.language,
                    False,
                )
            previous_family = family
            parent_of.append(user_id)
            links.put(
                child_id,
                user_id,
                child_id,
                "parent",
                "verified",
                "",
                city.pk,
                plan.filed_at,
                plan.filed_at + dt.timedelta(days=1),
                officer.pk,
            )
        for copy in (children, users, links):
            copy.flush()
        log(f"  {children.count} children, {users.count} parents")

        written = fates_write(
            cursor=cursor,
            rng=rng,
            n=n,
            calendar=calendar,
            city=city,
            officer=officer,
            categories=categories,
            plans=plans,
            parent_of=parent_of,
            group_market=group_market,
            working=working,
            history_start=history_start,
            today=today,
            cutoff=cutoff,
            previous_cutoff=previous_cutoff,
            moment=moment,
            cutoff_of=cutoff_of,
        )

        # Yesterday's protocol: tonight's job continues its chain.
        Protocol.objects.create(
            city=city,
            day=local_date(previous_cutoff),
            cutoff=previous_cutoff,
            previous_cutoff=previous_cutoff - dt.timedelta(days=1),
            published_at=previous_cutoff + dt.timedelta(seconds=40),
            entry_count=0,
            sha256=hashlib.sha256(b"indigo-bench genesis").hexdigest(),
        )
        for model in (User, Kindergarten, Group, Child, RepresentativeLink, Application, Privilege, Seat, Referral):
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}")
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{SeatEvent._meta.db_table}', 'id'), "
            f"COALESCE(MAX(id), 1)) FROM {SeatEvent._meta.db_table}"
        )
        check_references(cursor)
        write_meta(
            cursor,
            {
                "schema": schema_fingerprint(),
                "generator": GENERATOR_VERSION,
                "scale": str(scale),
                "seed": str(seed),
                "cutoff": cutoff.isoformat(),
                "city": CITY["slug"],
            },
        )
    connection.connection.autocommit = True
    with connection.connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.connection.autocommit = False
    totals = {
        "kindergartens": kindergartens.count,
        "groups": groups.count,
        "applications": written["applications"].count,
        "parents": users.count,
        "privileges": written["privileges"].count,
        "seats": written["seats"].count,
        "referrals": written["referrals"].count,
        "seat_events": written["events"].count,
        "seconds": round(time.monotonic() - started, 1),
    }
    return totals


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a migrated, empty database whose name starts indigo_bench")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 is Almaty; 0.1 a tenth of it")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--history-start",
        type=dt.date.fromisoformat,
        default=HISTORY_START,
        help="first day of the seats' history (default %(default)s; bench/waithistory.py uses an earlier one)",
    )
    args = parser.parse_args(argv)
    if not args.database.startswith("indigo_bench"):
        raise SystemExit("citygen writes only to databases named indigo_bench…")
    django_setup(args.database)
    totals = generate(scale=args.scale, seed=args.seed, history_start=args.history_start)
    log("city generated: " + ", ".join(f"{key} {value:,}" for key, value in totals.items()))


if __name__ == "__main__":
    main()
