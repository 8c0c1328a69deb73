"""Reads about cities, kindergartens and groups."""

import dataclasses
from collections import defaultdict

from django.conf import settings
from django.db.models import Case, CharField, Count, Q, Value, When

from vacancies.access import Stage
from vacancies.models import City, Group, Kindergarten, Seat


def seats_open_in_market(*, city_id: int, cohort: int, language: str, group_type: str, at):
    """The open seats of one market (city, cohort, language, group type) whose access has begun by
    `at`, with their group, kindergarten and district: what a child of that market may look at."""
    return Seat.objects.filter(
        state=Seat.State.OPEN,
        group__kindergarten__city_id=city_id,
        group__cohort=cohort,
        group__language=language,
        group__group_type=group_type,
        priority_from__lte=at,
    ).select_related("group__kindergarten__district")


def city_default() -> City | None:
    """The city the public pages show when none is chosen (the demo's Temirtau)."""
    slug = getattr(settings, "DEFAULT_CITY_SLUG", "")
    city = City.objects.filter(slug=slug).first() if slug else None
    return city or City.objects.order_by("pk").first()


@dataclasses.dataclass
class KindergartenCard:
    kindergarten: Kindergarten
    languages: list[str]
    cohorts: list[int]
    capacity: int


def kindergarten_directory(
    *, city: City, district_id: int | None = None, ownership: str | None = None, language: str | None = None
) -> list[KindergartenCard]:
    """Kindergartens with what their active groups offer; two queries whatever the city's size."""
    kindergartens = Kindergarten.objects.filter(city=city, is_active=True).select_related("district")
    if district_id:
        kindergartens = kindergartens.filter(district_id=district_id)
    if ownership:
        kindergartens = kindergartens.filter(ownership=ownership)
    if language:
        kindergartens = kindergartens.filter(groups__language=language, groups__is_active=True).distinct()
    offers: dict[int, dict] = defaultdict(lambda: {"languages": set(), "cohorts": set(), "capacity": 0})
    groups = Group.objects.filter(kindergarten__city=city, is_active=True).values_list(
        "kindergarten_id", "language", "cohort", "capacity"
    )
    for kindergarten_id, group_language, cohort, capacity in groups:
        offer = offers[kindergarten_id]
        offer["languages"].add(group_language)
        offer["cohorts"].add(cohort)
        offer["capacity"] += capacity
    return [
        KindergartenCard(
            kindergarten=k,
            languages=sorted(offers[k.pk]["languages"]),
            cohorts=sorted(offers[k.pk]["cohorts"]),
            capacity=offers[k.pk]["capacity"],
        )
        for k in kindergartens
    ]


@dataclasses.dataclass(frozen=True)
class RegistryFilters:
    district_id: int | None = None
    kindergarten_id: int | None = None
    cohort: int | None = None
    language: str | None = None
    group_type: str | None = None
    stage: str | None = None  # "priority", "general" or "scheduled"


# What the registry page and RegistryApi show of a seat, its group, kindergarten and district: the rows
# are read with select_related, and the kindergartens' addresses, phones and the seats' bookkeeping
# columns are only ballast for 50 model instances a request.
REGISTRY_FIELDS = (
    "id",
    "published_at",
    "priority_from",
    "priority_until",
    "general_from",
    "group__name",
    "group__cohort",
    "group__language",
    "group__group_type",
    "group__kindergarten__number",
    "group__kindergarten__name_kk",
    "group__kindergarten__name_ru",
    "group__kindergarten__name_en",
    "group__kindergarten__ownership",
    "group__kindergarten__district__name_kk",
    "group__kindergarten__district__name_ru",
    "group__kindergarten__district__name_en",
)


REGISTRY_ORDER = ("group__kindergarten__number", "group__kindergarten_id", "group__cohort", "group_id", "pk")


class RegistrySeats:
    """The registry's open seats as Django's and DRF's paginators use them: `count()` and a slice.

    A page is one query in two steps: the ids of its seats, sorted and cut on the sort keys alone,
    then those 50 seats with their group, kindergarten and district. For the first pages (the
    common case, and any filtered list) PostgreSQL walks the city's kindergartens in index order
    (`kindergarten_registry_idx`, then `seat_open_idx`) and stops after the page: ~1 ms at Almaty
    scale, where joining and sorting the full rows of all ~10,000 open seats took 18–30 ms. Deep
    unfiltered pages (past ~1,000 seats) still sort every open seat, on the narrow keys only.
    """

    ordered = True  # for Paginator's check that the list has a stable order

    def __init__(self, seats, rows):
        self._seats = seats  # the filtered open seats, in registry order, nothing selected beyond them
        self._rows = rows  # what a page shows of them

    def count(self) -> int:
        # Exact, never estimated: the page prints it. The city's open seats joined to their groups
        # and kindergartens, about 5 ms at Almaty scale on a quiet machine; no rows are sorted.
        return self._seats.count()

    def __getitem__(self, window: slice) -> list[Seat]:
        if not isinstance(window, slice):
            raise TypeError("RegistrySeats is read a page at a time")
        return list(self._rows.filter(pk__in=self._seats.values("pk")[window]))


def _registry_open(*, city: City, filters: RegistryFilters, at):
    """The filtered open seats of the registry, and the stage of a seat at `at` as a SQL expression (R-S-2)."""
    seats = Seat.objects.filter(state=Seat.State.OPEN, group__kindergarten__city=city)
    if filters.district_id:
        seats = seats.filter(group__kindergarten__district_id=filters.district_id)
    if filters.kindergarten_id:
        seats = seats.filter(group__kindergarten_id=filters.kindergarten_id)
    if filters.cohort:
        seats = seats.filter(group__cohort=filters.cohort)
    if filters.language:
        seats = seats.filter(group__language=filters.language)
    if filters.group_type:
        seats = seats.filter(group__group_type=filters.group_type)
    stage_conditions = {
        Stage.GENERAL: Q(general_from__lte=at),
        Stage.PRIORITY: Q(priority_from__lte=at, general_from__gt=at),
        Stage.SCHEDULED: Q(priority_from__gt=at),
    }
    if filters.stage in stage_conditions:
        seats = seats.filter(stage_conditions[filters.stage])
    stage = Case(
        *(When(condition, then=Value(stage.value)) for stage, condition in stage_conditions.items()),
        output_field=CharField(),
    )
    return seats, stage


def registry_seats(*, city: City, filters: RegistryFilters, at) -> RegistrySeats:
    """Open seats of the vacancy registry; the stage is compared on timestamps at `at` (R-S-2).

    Ordered by kindergarten number, kindergarten, cohort, group, seat (REGISTRY_ORDER).
    """
    seats, stage = _registry_open(city=city, filters=filters, at=at)
    rows = (
        Seat.objects.annotate(stage=stage)
        .select_related("group__kindergarten__district")
        .only(*REGISTRY_FIELDS)
        .order_by(*REGISTRY_ORDER)
    )
    return RegistrySeats(seats.order_by(*REGISTRY_ORDER), rows)


@dataclasses.dataclass(frozen=True)
class RegistryBatch:
    """Open seats of one group that share their access times: one row of the registry page."""

    group: Group
    seats: int
    stage: str | None
    priority_from: object
    priority_until: object
    general_from: object


class RegistryBatches:
    """The registry page's rows, for Django's paginator: seats released together into one group sit in
    the same stage with the same dates, so a parent reads "3 seats" once instead of three equal rows."""

    ordered = True

    def __init__(self, batches, seats):
        self._batches = batches
        self._seats = seats

    def count(self) -> int:
        return self._batches.count()

    def seat_count(self) -> int:
        return self._seats.count()

    def __getitem__(self, window: slice) -> list[RegistryBatch]:
        if not isinstance(window, slice):
            raise TypeError("RegistryBatches is read a page at a time")
        rows = list(self._batches[window])
        groups = Group.objects.select_related("kindergarten__district").in_bulk({row["group_id"] for row in rows})
        return [
            RegistryBatch(
                group=groups[row["group_id"]],
                seats=row["seats"],
                stage=row["stage"],
                priority_from=row["priority_from"],
                priority_until=row["priority_until"],
                general_from=row["general_from"],
            )
            for row in rows
        ]


def registry_batches(*, city: City, filters: RegistryFilters, at) -> RegistryBatches:
    """The registry grouped for people: one row per group and access times, with its number of seats,
    in the order of registry_seats (kindergarten number, kindergarten, cohort, group), then by opening."""
    seats, stage = _registry_open(city=city, filters=filters, at=at)
    batches = (
        seats.values("group_id", "priority_from", "priority_until", "general_from")
        .annotate(seats=Count("pk"), stage=stage)
        .order_by(
            "group__kindergarten__number",
            "group__kindergarten_id",
            "group__cohort",
            "group_id",
            "priority_from",
            "general_from",
            "priority_until",
        )
    )
    return RegistryBatches(batches, seats)
