"""Reads about cities, kindergartens and groups."""

import dataclasses
from collections import defaultdict

from django.conf import settings

from vacancies.models import City, Group, Kindergarten


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
