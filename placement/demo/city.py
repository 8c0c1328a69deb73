"""The demo city: Temirtau with its districts, kindergartens, groups, queue, summer schedule and demo accounts.

Loading tops up: reference rows are matched on their natural keys, and the volume (kindergartens,
applications) is filled up to the requested number, so a second run adds nothing and a run with a
larger number adds only the difference. The parts are in the modules beside this one.
"""

import dataclasses
from collections import Counter

from django.db import transaction
from django.db.models import Count, Q, Sum

from accounts.models import User
from placement.demo.common import DEFAULT_CHILDREN, DEFAULT_KINDERGARTENS, DEFAULT_SEED, SCHEDULE_YEAR
from placement.demo.families import demo_children_plan, load_links, load_queue
from placement.demo.kindergartens import demo_kindergartens_plan, load_districts, load_kindergartens, plan_order
from placement.demo.privileges import load_categories
from placement.demo.schedule import load_schedule
from placement.demo.users import DemoAccount, describe, load_users
from placement.models import Application, Privilege
from vacancies.models import City, Group, Seat, SummerWindow, SummerWindowChange

CITY = {
    "slug": "temirtau",
    "code": "TMT",
    "name_kk": "Теміртау",
    "name_ru": "Темиртау",
    "name_en": "Temirtau",
    "region_kk": "Қарағанды облысы",
    "region_ru": "Карагандинская область",
}


@dataclasses.dataclass(frozen=True)
class DemoCitySummary:
    city: City
    districts: int
    kindergartens: int
    groups: int
    places: int
    taken: int
    applications: int
    privileged: int
    summer_windows: int
    summer_changes: int
    # Rows this run inserted, by model.
    added: Counter
    accounts: list[DemoAccount]

    @property
    def added_total(self) -> int:
        return sum(self.added.values())


def demo_city_load(
    *,
    seed: int = DEFAULT_SEED,
    children: int = DEFAULT_CHILDREN,
    kindergartens: int = DEFAULT_KINDERGARTENS,
    password: str,
) -> DemoCitySummary:
    """Load Temirtau, or top it up to the asked sizes; one transaction, so a failure leaves nothing behind."""
    kindergarten_plans = demo_kindergartens_plan(seed=seed, count=kindergartens)
    child_plans = demo_children_plan(seed=seed, count=children)
    added: Counter = Counter()
    with transaction.atomic():
        city, created = City.objects.get_or_create(slug=CITY["slug"], defaults=CITY)
        added[City] += created
        districts = load_districts(city, added)
        load_kindergartens(city, districts, kindergarten_plans, added)
        listed = plan_order(city, kindergarten_plans)
        categories = load_categories(city, added)
        accounts = load_users(city, listed, password, added)
        load_schedule(city, listed, accounts["officer"], added)
        load_queue(city, child_plans, categories, accounts, added)
        load_links(child_plans, accounts, added)
        return _summarize(city, added, accounts)


def _summarize(city: City, added: Counter, users: dict[str, User]) -> DemoCitySummary:
    groups = Group.objects.filter(kindergarten__city=city).aggregate(count=Count("pk"), places=Sum("capacity"))
    applications = Application.objects.filter(city=city)
    live_privilege = Q(privileges__state__in=Privilege.COUNTING_STATES)
    return DemoCitySummary(
        city=city,
        districts=city.districts.count(),
        kindergartens=city.kindergartens.count(),
        groups=groups["count"],
        places=groups["places"] or 0,
        taken=Seat.objects.filter(group__kindergarten__city=city, state__in=Seat.HOLDING_STATES).count(),
        applications=applications.count(),
        privileged=applications.filter(live_privilege).distinct().count(),
        summer_windows=SummerWindow.objects.filter(city=city, year=SCHEDULE_YEAR).count(),
        summer_changes=SummerWindowChange.objects.filter(window__city=city, window__year=SCHEDULE_YEAR).count(),
        added=added,
        accounts=[describe(user) for user in users.values()],
    )
