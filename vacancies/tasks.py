"""Celery tasks: thin, take JSON arguments, safe to run twice (the services are idempotent).

The 18:00 protocol job is placement.tasks.close_days: the day's close starts with the referrals, above
vacancies (placement/day_close.py)."""

import datetime as dt

from celery import shared_task

from indigo import clock
from vacancies.models import City
from vacancies.services import access_moves_record


def _moment(at: str | None) -> dt.datetime:
    return dt.datetime.fromisoformat(at) if at else clock.now()


@shared_task(name="vacancies.tasks.advance_access")
def advance_access(at: str | None = None) -> dict:
    """Just after midnight: record the seats that moved to general access (for the record and notices)."""
    until = _moment(at)
    return {city.slug: access_moves_record(city=city, until=until) for city in City.objects.order_by("pk")}
