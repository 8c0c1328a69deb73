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
import bisect
import datetime as dt
import hashlib
import io
import json
import random
import secrets
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import GENERATOR_VERSION, django_setup, log, schema_fingerprint, write_meta

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


def _text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Copy:
    """COPY rows of one model; columns it is not given get the model's default, or NULL."""

    def __init__(self, cursor, model, fields: list[str], flush_every: int = 100_000):
        from django.db import connection, models

        self.cursor, self.model, self.fields = cursor, model, fields
        self.flush_every = flush_every
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(fields) - set(by_attname)
        if unknown:
            raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
        self.columns = [by_attname[name].column for name in fields]
        self.constant = []
        for field in model._meta.concrete_fields:
            if field.attname in fields or field.primary_key:
                continue
            if field.has_default():
                if callable(field.default) and field.unique:
                    raise ValueError(f"{model.__name__}.{field.name} is unique with a generated default: give it")
                value = field.get_default()
                if isinstance(field, models.JSONField):
                    text = _text(value)
                else:
                    text = _text(field.get_db_prep_save(value, connection))
            elif field.null:
                text = "\\N"
            elif isinstance(field, models.CharField | models.TextField):
                text = ""
            else:
                raise ValueError(f"{model.__name__}.{field.name} is required: give it")
            self.columns.append(field.column)
            self.constant.append(text)
        self.tail = "".join("\t" + text for text in self.constant)
        self.buffer = io.StringIO()
        self.pending = 0
        self.count = 0

    def put(self, *values) -> None:
        self.buffer.write("\t".join(map(_text, values)) + self.tail + "\n")
        self.pending += 1
        if self.pending >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        self.buffer.seek(0)
        table = self.model._meta.db_table
        self.cursor.copy_expert(f'COPY "{table}" ({", ".join(self.columns)}) FROM STDIN', self.buffer)
        self.count += self.pending
        self.buffer = io.StringIO()
        self.pending = 0


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

        # Application fates: who is placed, holds a referral, withdrew or waits.
        by_market: dict[tuple, list[int]] = defaultdict(list)
        for index, plan in enumerate(plans):
            # str(): the plans carry TextChoices members, which hash unlike their plain values.
            by_market[(plan.cohort, str(plan.language), str(plan.group_type))].append(index)
        for indexes in by_market.values():
            rng.shuffle(indexes)
        state = ["active"] * len(plans)
        closed_at: list[dt.datetime | None] = [None] * len(plans)
        stop_listed: list[dt.datetime | None] = [None] * len(plans)
        privilege_override: dict[int, tuple] = {}

        # --- seats with their referrals and histories ------------------------------------------
        seats = Copy(
            cursor,
            Seat,
            ["id", "group_id", "state", "source", "released_at", "published_at", "priority_from", "priority_until"]
            + ["general_from", "withdrawn_at", "withdraw_reason", "claimed_at", "occupied_at", "vacated_at"],
        )
        referrals = Copy(
            cursor,
            Referral,
            ["id", "number", "token", "seat_id", "application_id", "child_id", "state", "issued_at", "issued_to_id"]
            + ["valid_until", "extended_at", "closed_at", "close_reason"],
        )
        events = Copy(cursor, SeatEvent, ["seat_id", "kind", "at", "reason", "data"], flush_every=200_000)
        total_seats = n(FULL["seats"], 40)
        counts = {key: round(total_seats * share) for key, share in SEAT_SHARES.items()}
        counts["occupied"] += total_seats - sum(counts.values())
        plan_states = [key for key, count in counts.items() for _ in range(count)]
        rng.shuffle(plan_states)
        special = {key: n(value) for key, value in PER_FULL.items()}
        # Padding cycles (claimed → expired → returned → published) bring the events to ~1M per full city.
        base_events = 2.4 * total_seats
        cycles_mean = max(0.0, (n(FULL["events"]) - base_events) / 4 / total_seats)
        group_ids = list(group_market)
        referral_id = 0
        open_kinds = (
            ["general_unrecorded"] * special["general_unrecorded"]
            + ["general_next"] * special["general_next"]
            + ["priority"] * special["priority"]
        )
        claimed_kinds = (
            ["expiring_today"] * special["expiring_today"]
            + ["rq5_due"] * special["rq5_due"]
            + ["rq5_later"] * special["rq5_later"]
            + ["claimed_today"] * special["claimed_today"]
        )
        counters = defaultdict(int)

        def window_data(day: dt.date) -> dict:
            last, general = calendar.window(day)
            return {
                "priority_from": cutoff_of(day).isoformat(),
                "priority_until": last.isoformat(),
                "general_from": at_local(general, dt.time(0, 0)).isoformat(),
                "summer": False,
            }

        def take_application(market: tuple, *, avoid_pending_extraordinary: bool = True) -> int | None:
            pool = by_market.get(market)
            while pool:
                index = pool.pop()
                privilege = plans[index].privilege
                if avoid_pending_extraordinary and privilege and privilege.state == "pending":
                    continue
                return index
            return None

        def facts(index: int, number: str) -> dict:
            plan = plans[index]
            return {
                "application": reference[index],
                "child": f"{plan.last_name[:1]}. {plan.first_name[:1]}.",
                "referral": number,
            }

        reference: list[str] = []
        per_cohort: dict[int, int] = defaultdict(int)
        for plan in plans:
            per_cohort[plan.cohort] += 1
            reference.append(f"{CITY['code']}-{plan.cohort % 100:02d}-{per_cohort[plan.cohort]:06d}")

        def add_referral(seat_id, index, *, state, issued, valid_until, closed=None, reason="", extended=None):
            nonlocal referral_id
            referral_id += 1
            number = f"{CITY['code']}-{issued.year % 100:02d}-{referral_id:07d}"
            referrals.put(
                referral_id,
                number,
                secrets.token_urlsafe(16),
                seat_id,
                index + 1,
                index + 1,
                state,
                issued,
                parent_of[index],
                valid_until,
                extended,
                closed,
                reason,
            )
            return number

        def valid_until_of(issued: dt.datetime) -> dt.datetime:
            return at_local(calendar.add(local_date(issued), 5) + dt.timedelta(days=1), dt.time(0, 0))

        def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
            return [d for d in working if first <= d <= last]

        old_days = days_between(history_start, dt.date(2024, 9, 30))
        general_days = days_between(dt.date(2024, 9, 2), dt.date(2024, 10, 9))
        recent_publications = days_between(dt.date(2024, 10, 9), dt.date(2024, 10, 14))
        recent_claims = days_between(dt.date(2024, 10, 10), dt.date(2024, 10, 15))
        general_recorded_until = at_local(dt.date(2024, 10, 15), dt.time(0, 0))

        for seat_id, fate in enumerate(plan_states, start=1):
            group = rng.choice(group_ids)
            market = group_market[group]
            kind = fate
            if fate == "released":
                released_at = moment(today, 8, 17)
                seats.put(seat_id, group, "released", "release", released_at, *([None] * 5), "", None, None, None)
                events.put(seat_id, "released", released_at, "", {})
                continue
            # The seat's last publication; its earlier life (padding cycles) happens before it.
            if fate == "open":
                kind = open_kinds.pop() if open_kinds else "general"
                published_day = {
                    "general_unrecorded": dt.date(2024, 10, 10),
                    "general_next": dt.date(2024, 10, 11),
                    "priority": rng.choice((dt.date(2024, 10, 14), dt.date(2024, 10, 15))),
                }.get(kind) or rng.choice(general_days)
            elif fate == "claimed":
                kind = claimed_kinds.pop() if claimed_kinds else "claimed"
                published_day = {
                    "expiring_today": dt.date(2024, 10, 7),
                    "rq5_due": dt.date(2024, 10, 7),
                    "rq5_later": dt.date(2024, 10, 11),
                    "claimed_today": dt.date(2024, 10, 15),
                }.get(kind) or rng.choice(recent_publications)
            else:
                published_day = rng.choice(old_days)
            published_at = cutoff_of(published_day)
            history: list[tuple[str, dt.datetime, str, dict]] = []
            cycles = int(rng.uniform(0, 2 * cycles_mean) + 0.5)
            latest_start = bisect.bisect_right(working, published_day - dt.timedelta(days=12 * cycles + 1))
            if cycles and latest_start > 0:
                day = working[rng.randrange(max(1, latest_start // 2))]
                history.append(("released", moment(day, 8, 12), "", {}))
                names = by_market.get(market) or [0]
                for _ in range(cycles):
                    claim_at = moment(calendar.add(day, 1))
                    expired_at = valid_until_of(claim_at)
                    if expired_at >= published_at - dt.timedelta(days=1):
                        break
                    child_index = names[rng.randrange(len(names))]
                    number = f"{CITY['code']}-{claim_at.year % 100:02d}-9{rng.randrange(10**6):06d}"
                    history.append(("published", cutoff_of(day), "", window_data(day)))
                    history.append(("claimed", claim_at, "", {**facts(child_index, number), "stage": "priority"}))
                    history.append(("expired", expired_at, "expired", facts(child_index, number)))
                    history.append(("returned", expired_at, "expired", {}))
                    day = calendar.add(local_date(expired_at), 1)
                released_at = history[-1][1]
            else:
                released_at = moment(published_day, 8, 12)
                history.append(("released", released_at, "", {}))
            last, general_day = calendar.window(published_day)
            general_from = at_local(general_day, dt.time(0, 0))
            history.append(("published", published_at, "", window_data(published_day)))
            windows = (published_at, published_at, last, general_from)
            withdrawn_at = claimed_at = occupied_at = vacated_at = None
            withdraw_reason = ""
            seat_state = fate
            if fate in ("occupied", "vacated", "claimed"):
                if fate == "claimed":
                    claim_day = {
                        "expiring_today": dt.date(2024, 10, 8),
                        "rq5_due": dt.date(2024, 10, 8),
                        "rq5_later": dt.date(2024, 10, 14),
                        "claimed_today": today,
                    }.get(kind) or rng.choice(recent_claims)
                else:
                    claim_day = calendar.add(published_day, rng.randint(1, 4))
                index = take_application(market)
                if index is None:
                    seat_state = "withdrawn"
                else:
                    if kind in ("rq5_due", "rq5_later"):
                        privilege_override[index] = ("military", "pending")
                    issued = max(moment(claim_day, 9, 16), plans[index].filed_at + dt.timedelta(days=1))
                    valid_until = valid_until_of(issued)
                    stage = "priority" if issued < general_from else "general"
                    if fate == "claimed":
                        extended = None
                        if kind == "rq5_due":
                            # Extended, so only R-Q-5 (not expiry) ends it tonight.
                            extended = issued + dt.timedelta(days=2)
                            valid_until = at_local(today + dt.timedelta(days=20), dt.time(0, 0))
                        number = add_referral(
                            seat_id, index, state="issued", issued=issued, valid_until=valid_until, extended=extended
                        )
                    else:
                        enrolled = issued + dt.timedelta(days=rng.randint(1, 4), hours=2)
                        if fate == "occupied" and counters["enrolled_today"] < special["enrolled_today"]:
                            counters["enrolled_today"] += 1
                            issued = moment(dt.date(2024, 10, 14), 9, 12)
                            valid_until = valid_until_of(issued)
                            enrolled = moment(today, 9, 16)
                        occupied_at = enrolled
                        state[index] = "placed"
                        closed_at[index] = enrolled
                        if fate == "vacated":
                            latest = previous_cutoff - dt.timedelta(hours=1)
                            vacated_at = min(enrolled + dt.timedelta(days=rng.randint(30, 200)), latest)
                            vacated_at = max(vacated_at, enrolled + dt.timedelta(minutes=30))
                        number = add_referral(
                            seat_id,
                            index,
                            state="left" if fate == "vacated" else "enrolled",
                            issued=issued,
                            valid_until=valid_until,
                            closed=enrolled,
                            reason="other" if fate == "vacated" else "",
                        )
                    claimed_at = issued
                    history.append(("claimed", issued, "", {**facts(index, number), "stage": stage}))
                    if occupied_at:
                        history.append(("enrolled", occupied_at, "", facts(index, number)))
                    if vacated_at:
                        history.append(("vacated", vacated_at, "other", facts(index, number)))
            if seat_state == "withdrawn":
                if counters["withdrawn_today"] < special["withdrawn_today"]:
                    counters["withdrawn_today"] += 1
                    withdrawn_at = moment(today, 9, 17)
                else:
                    withdrawn_at = min(published_at + dt.timedelta(days=rng.randint(1, 5)), previous_cutoff)
                withdraw_reason = "group_closed"
                history.append(("withdrawn", withdrawn_at, withdraw_reason, {}))
            # The midnight job recorded general access for seats still open then (not last night's).
            open_until = claimed_at or withdrawn_at or general_recorded_until
            if general_from <= min(open_until, general_recorded_until):
                history.append(("general", general_from, "", {}))
            seats.put(
                seat_id,
                group,
                seat_state,
                "release",
                released_at,
                *windows,
                withdrawn_at,
                withdraw_reason,
                claimed_at,
                occupied_at,
                vacated_at,
            )
            history.sort(key=lambda event: event[1])
            for kind_, at, reason, data in history:
                events.put(seat_id, kind_, at, reason, data)

        # Referrals that expired in the past (their children were stop-listed and are back in the queue).
        seat_pool = list(range(1, total_seats + 1))
        for _ in range(special["expired_history"]):
            market = rng.choice(list(by_market))
            index = take_application(market)
            if index is None:
                continue
            issued = max(moment(rng.choice(working[: len(working) // 2])), plans[index].filed_at + dt.timedelta(days=1))
            ended = valid_until_of(issued)
            add_referral(
                rng.choice(seat_pool),
                index,
                state="expired",
                issued=issued,
                valid_until=ended,
                closed=ended,
                reason="expired",
            )
        for key in ("withdrawn_applications", "stop_listed"):
            for _ in range(special[key]):
                index = take_application(rng.choice(list(by_market)))
                if index is None:
                    continue
                if key == "stop_listed":
                    stop_listed[index] = cutoff + dt.timedelta(days=rng.randint(1, 9))
                else:
                    state[index] = "withdrawn"
                    closed_at[index] = moment(rng.choice(working))
        for copy in (seats, referrals, events):
            copy.flush()
        log(f"  {seats.count} seats, {referrals.count} referrals, {events.count} seat events")

        applications = Copy(
            cursor,
            Application,
            ["id", "reference", "child_id", "city_id", "cohort", "language", "group_type", "desired_start"]
            + ["filed_at", "filed_by_id", "state", "closed_at", "stop_listed_until"],
        )
        privileges = Copy(
            cursor,
            Privilege,
            ["application_id", "category_id", "evidence", "state", "expires_on", "claimed_at", "decided_at"]
            + ["decided_by_id", "decision_reason"],
        )
        for index, plan in enumerate(plans):
            applications.put(
                index + 1,
                reference[index],
                index + 1,
                city.pk,
                plan.cohort,
                plan.language,
                plan.group_type,
                plan.desired_start,
                plan.filed_at,
                parent_of[index],
                state[index],
                closed_at[index],
                stop_listed[index],
            )
            privilege = plan.privilege
            if index in privilege_override:
                code, _ = privilege_override[index]
                claimed = plan.filed_at + dt.timedelta(days=1)
                privileges.put(
                    index + 1,
                    categories[code].pk,
                    "Әскери бөлімнің анықтамасы №77",
                    "pending",
                    today + dt.timedelta(days=300),
                    claimed,
                    None,
                    None,
                    "",
                )
            elif privilege:
                privileges.put(
                    index + 1,
                    categories[privilege.code].pk,
                    privilege.evidence,
                    privilege.state,
                    privilege.expires_on,
                    privilege.claimed_at,
                    privilege.decided_at,
                    officer.pk if privilege.decided_at else None,
                    privilege.decision_reason,
                )
        applications.flush()
        privileges.flush()
        log(f"  {applications.count} applications, {privileges.count} privileges")

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
        _check_references(cursor)
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
        "applications": applications.count,
        "parents": users.count,
        "privileges": privileges.count,
        "seats": seats.count,
        "referrals": referrals.count,
        "seat_events": events.count,
        "seconds": round(time.monotonic() - started, 1),
    }
    return totals


def _check_references(cursor) -> None:
    """The foreign keys COPY did not check, checked in bulk: a broken generator stops here."""
    checks = {
        "seat → group": "SELECT count(*) FROM vacancies_seat s LEFT JOIN vacancies_group g ON g.id = s.group_id "
        "WHERE g.id IS NULL",
        "event → seat": "SELECT count(*) FROM vacancies_seatevent e WHERE NOT EXISTS "
        "(SELECT 1 FROM vacancies_seat s WHERE s.id = e.seat_id)",
        "referral → application": "SELECT count(*) FROM placement_referral r LEFT JOIN placement_application a "
        "ON a.id = r.application_id WHERE a.id IS NULL OR a.child_id <> r.child_id",
        "application → child": "SELECT count(*) FROM placement_application a LEFT JOIN placement_child c "
        "ON c.id = a.child_id WHERE c.id IS NULL",
        "link → user": "SELECT count(*) FROM accounts_representativelink l LEFT JOIN accounts_user u "
        "ON u.id = l.user_id WHERE u.id IS NULL",
    }
    for name, sql in checks.items():
        cursor.execute(sql)
        broken = cursor.fetchone()[0]
        if broken:
            raise SystemExit(f"citygen: {broken} broken references ({name})")


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
