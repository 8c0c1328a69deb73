"""Reads about cities, kindergartens and groups."""

import dataclasses
from collections import defaultdict

from django.conf import settings
from django.db.models import Case, CharField, Q, Value, When

from vacancies.access import Stage
from vacancies.models import City, Group, Kindergarten, Seat


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


def registry_seats(*, city: City, filters: RegistryFilters, at):
    """Open seats of the vacancy registry; the stage is compared on timestamps at `at` (R-S-2)."""
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
    return (
        seats.annotate(
            stage=Case(
                *(When(condition, then=Value(stage.value)) for stage, condition in stage_conditions.items()),
                output_field=CharField(),
            )
        )
        .select_related("group__kindergarten__district")
        .order_by("group__kindergarten__number", "group__kindergarten_id", "group__cohort", "group_id", "pk")
    )
