"""The rush's market, opened in a Django process on the work database (bench/rush.py runs it with --setup):
6,000 seats of the 2023 cohort (Kazakh, general groups) and 20,000 children queued for them, each with a
verified parent signed in. bench/window.py and bench/overload.py open the same market.
"""

import datetime as dt
import random
from collections import Counter

COHORT = 2023


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

    touched = (Group, Seat, SeatEvent, Child, User, RepresentativeLink, Application, Privilege)
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
        for model in touched:
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}")
    # VACUUM as well as ANALYZE: an index-only scan reads the table's page for every row until VACUUM has
    # set the visibility map, and a real city's tables are vacuumed by autovacuum long before a rush. Fresh
    # from COPY they are not, so the turn check's covering indexes were measured as ordinary index scans.
    with connection.cursor() as plain:
        plain.execute(f"VACUUM (ANALYZE) {', '.join(model._meta.db_table for model in touched)}")

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
