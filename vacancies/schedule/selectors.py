"""Reads of the summer schedule for the public pages and the home page."""

from django.db.models import Max

from vacancies.models import City
from vacancies.schedule.models import SummerWindow


def summer_schedule(*, city: City, year: int | None = None) -> list[SummerWindow]:
    """The city's summer windows for a year (default: the latest year it has), earliest first."""
    if year is None:
        year = SummerWindow.objects.filter(city=city).aggregate(latest=Max("year"))["latest"]
        if year is None:
            return []
    return list(
        SummerWindow.objects.filter(city=city, year=year)
        .prefetch_related("kindergarten_changes__kindergarten")
        .order_by("priority_start", "-cohort")
    )
