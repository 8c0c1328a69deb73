"""The close of a city's day at its publication time (18:00), in one place and in this order:

1. referrals end: unconfirmed extraordinary privileges cancel theirs (R-Q-5), expired ones expire,
   and their seats go back to vacancies;
2. seats that reached general access are recorded, the day's seats are published and the protocol
   is written (vacancies/protocol.py) — 1 and 2 in one transaction per day, under the city's lock, so
   a crash leaves the whole day or nothing and a second run finds the protocol and does nothing;
3. once the cutoff has settled, the position cache and the expected waits are refreshed (placement
   tasks), from the last protocol written.

Missed days are closed one by one with their own cutoffs (R-P-2). The Celery beat task
(placement.tasks.close_days) and `manage.py publish_protocol` both come here; placement sits above
vacancies (DESIGN §4), so vacancies never calls back up into the referrals.
"""

import datetime as dt
import logging

from placement.services import referrals_expire_due, referrals_unconfirmed_extraordinary_cancel
from vacancies.models import City, Protocol
from vacancies.protocol import protocol_publish, protocols_catch_up

log = logging.getLogger(__name__)
# The position cache waits this long after the cutoff: claims stamped just before it have committed.
POSITIONS_AFTER_SECONDS = 90


def referrals_close(city: City, cutoff: dt.datetime) -> None:
    """Step 1, run by the protocol inside its transaction before it publishes the seats."""
    referrals_unconfirmed_extraordinary_cancel(city=city, until=cutoff)
    referrals_expire_due(city=city, until=cutoff)


def day_close(*, city: City, cutoff: dt.datetime) -> Protocol:
    """Close one day (steps 1 and 2) for this cutoff, or return its protocol if it is closed already."""
    return protocol_publish(city=city, cutoff=cutoff, before_publish=referrals_close)


def days_close(*, city: City, until: dt.datetime) -> list[Protocol]:
    """Close every day of the city due up to `until`, each with its own cutoff (steps 1 and 2)."""
    return protocols_catch_up(city=city, until=until, before_publish=referrals_close)


def days_close_everywhere(*, until: dt.datetime) -> dict[str, list[str]]:
    """The 18:00 job: every city's due days (steps 1–2), then step 3 queued for those that closed any."""
    from placement.tasks import prepare_positions, refresh_waits
    from placement.window.allocation import windows_allocate_due

    # A claim window the minute's job missed is decided before its day's protocol is written (R-W-4).
    windows_allocate_due(until=until)
    closed = {}
    for city in City.objects.order_by("pk"):
        protocols = days_close(city=city, until=until)
        closed[city.slug] = [protocol.day.isoformat() for protocol in protocols]
        if protocols:
            cutoff = protocols[-1].cutoff.isoformat()
            prepare_positions.apply_async((city.pk, cutoff), countdown=POSITIONS_AFTER_SECONDS)
            refresh_waits.delay(city.pk, cutoff)
        log.info("Protocols for %s: %s", city.slug, closed[city.slug] or "none due")
    return closed
