"""Celery tasks: thin, take JSON arguments, safe to run twice (the services are idempotent)."""

import datetime as dt
import logging

from celery import shared_task

from indigo import clock
from placement.tasks import prepare_positions, refresh_waits
from vacancies.models import City
from vacancies.protocol import protocols_catch_up
from vacancies.services import access_moves_record

log = logging.getLogger(__name__)


def _moment(at: str | None) -> dt.datetime:
    return dt.datetime.fromisoformat(at) if at else clock.now()


@shared_task(name="vacancies.tasks.publish_protocols")
def publish_protocols(at: str | None = None) -> dict:
    """The 18:00 job: for every city, each protocol due (missed days included), with its expiries and moves."""
    until = _moment(at)
    published = {}
    for city in City.objects.order_by("pk"):
        protocols = protocols_catch_up(city=city, until=until)
        published[city.slug] = [protocol.day.isoformat() for protocol in protocols]
        if protocols:
            # Once the cutoff has settled (claims stamped just before it have committed).
            prepare_positions.apply_async((city.pk, protocols[-1].cutoff.isoformat()), countdown=90)
            refresh_waits.delay(city.pk, protocols[-1].cutoff.isoformat())
        log.info("Protocols for %s: %s", city.slug, published[city.slug] or "none due")
    return published


@shared_task(name="vacancies.tasks.advance_access")
def advance_access(at: str | None = None) -> dict:
    """Just after midnight: record the seats that moved to general access (for the record and notices)."""
    until = _moment(at)
    return {city.slug: access_moves_record(city=city, until=until) for city in City.objects.order_by("pk")}
