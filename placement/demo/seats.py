"""The demo city's recent seat activity, so the registry and the protocols have something to show.

Dated relative to today (the data itself is fixed by the seed): an older release already in general
access, a fresh one in priority access, one withdrawal, a claim window decided two days before the
latest publication and one still open (or opening at the next 18:00), and the protocols that published
them.
"""

import datetime as dt
import random

from indigo import clock
from placement.day_close import day_close, days_close
from placement.models import Application
from placement.window.demo_open import demo_window_cutoff, demo_window_open_load
from vacancies.models import City, Group, Protocol
from vacancies.services import group_free_places, seat_release, seat_withdraw

# A reason from the list the protocol publishes (vacancies/reasons.py, R-P-4).
DEMO_WITHDRAW_REASON = "repairs"


def demo_seats_load(*, city: City, rng: random.Random, groups_per_batch: int = 12, after: dt.date | None = None) -> int:
    """Release and publish demo seats once; a city that already has protocols (after `after`, the end
    of the simulated history of placement/demo/history.py) is left as it is."""
    protocols = Protocol.objects.filter(city=city)
    if (protocols.filter(day__gt=after) if after else protocols).exists():
        return 0
    groups = [
        group
        for group in Group.objects.filter(kindergarten__city=city, is_active=True).select_related("kindergarten")
        if group_free_places(group=group) >= 2
    ]
    if not groups:
        return 0
    # The demo parent's first child gets seats of its own market, so the claim can be tried at once.
    first = (
        Application.objects.filter(city=city, state="active", child__representative_links__user__username="parent")
        .order_by("-cohort")  # the 2021 child, near the head of its queue
        .first()
    )
    favoured = [
        g
        for g in groups
        if first and (g.cohort, g.language, g.group_type) == (first.cohort, first.language, first.group_type)
    ][:2]
    today = clock.local_today()
    # The open window's publication (placement/window/demo_open.py): the fresh first-come seats come
    # out the day before it, the decided window the day before that.
    window_cutoff = demo_window_cutoff(city, clock.now())
    window_day = clock.local_date(window_cutoff)
    older = today - dt.timedelta(days=12)
    newer = window_day - dt.timedelta(days=1)
    released = 0
    older_batch = rng.sample(groups, min(groups_per_batch, len(groups)))
    newer_batch = favoured + [g for g in rng.sample(groups, min(groups_per_batch, len(groups))) if g not in favoured]
    for day, batch in ((older, older_batch), (newer, newer_batch)):
        moment = clock.at_local(day, dt.time(10, 30))
        for group in batch:
            wanted = 3 if group in favoured and day == newer else rng.randint(1, 2)
            count = min(wanted, group_free_places(group=group))
            if count:
                seats = seat_release(group=group, count=count, at=moment)
                released += len(seats)
        if day == older:
            day_close(city=city, cutoff=clock.at_local(day, city.publication_time))
            withdrawn = seats[0]
            seat_withdraw(seat=withdrawn, reason=DEMO_WITHDRAW_REASON, at=moment + dt.timedelta(days=1))
    # A claim window decided (R-W), with its reasons and its record, and one a new user can list groups in.
    from placement.window.demo import demo_window_load

    demo_window_load(city=city, rng=rng, day=window_day - dt.timedelta(days=2), avoid=favoured)
    released += demo_window_open_load(city=city, cutoff=window_cutoff, avoid=favoured)
    days_close(city=city, until=clock.now())
    return released
