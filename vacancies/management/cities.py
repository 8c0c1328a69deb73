"""The cities a management command acts on (--city), for vacancies' and placement's commands."""

from django.core.management.base import CommandError

from vacancies.models import City


def cities_named(slug: str | None) -> list[City]:
    if slug is None:
        return list(City.objects.order_by("pk"))
    city = City.objects.filter(slug=slug).first()
    if city is None:
        known = ", ".join(City.objects.values_list("slug", flat=True)) or "none loaded"
        raise CommandError(f"No city {slug!r}; known cities: {known}.")
    return [city]
