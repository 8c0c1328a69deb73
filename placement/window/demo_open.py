"""The demo city's open claim window (R-W-1, R-W-2), so a new user can list groups in one, not only read
about a decided one.

The department switches priority access to the claim window, closing at noon, a few hours before a
publication that carries seats of one market only: the demo parent's 2021 Kazakh market. Its other
seats there were published first come a day earlier and stay so (R-W-1), so the same child can both
claim a seat at once and list groups in the window. The publication chosen is the last one whose window
is still open now, or, when the demo starts after noon (the last window has closed), the coming one:
the beat of `make run` publishes it at 18:00 and the window opens then.
"""

import datetime as dt

from django.db.models import Q

from indigo import clock
from placement.day_close import days_close
from placement.models import Application
from placement.queue import Market
from placement.window.demo import demo_rule_change
from vacancies.access import window_close_after
from vacancies.models import City, ClaimMode, Group, Seat
from vacancies.services import group_free_places, seat_release

# The latest close the department may choose (vacancies/city_settings.py): the window of an 18:00
# publication then stays open 18 hours of the day.
DEMO_WINDOW_CLOSE = dt.time(12, 0)
REASON = "Demo: seats of priority access go to a claim window from this publication on, listing until 12:00"
GROUPS = 3
SEATS_PER_GROUP = 2


def demo_window_cutoff(city: City, now: dt.datetime) -> dt.datetime:
    """The publication whose window (closing at DEMO_WINDOW_CLOSE) is open at `now`, or the next one
    when the last has closed."""
    day = clock.local_date(now)
    if clock.at_local(day, city.publication_time) > now:
        day -= dt.timedelta(days=1)
    last = clock.at_local(day, city.publication_time)
    closes = clock.at_local(day, DEMO_WINDOW_CLOSE)
    if closes <= last:
        closes = clock.at_local(day + dt.timedelta(days=1), DEMO_WINDOW_CLOSE)
    return last if now < closes else clock.at_local(day + dt.timedelta(days=1), city.publication_time)


def demo_parent_application(city: City) -> Application | None:
    """The demo parent's 2021 child, near the head of its queue: the market of the demo's windows."""
    return (
        Application.objects.filter(city=city, state="active", child__representative_links__user__username="parent")
        .select_related("city")
        .order_by("-cohort")
        .first()
    )


def _window_groups(market: Market, avoid: list[Group]) -> list[Group]:
    groups = [
        group
        for group in Group.objects.filter(
            kindergarten__city_id=market.city_id,
            is_active=True,
            cohort=market.cohort,
            language=market.language,
            group_type=market.group_type,
        )
        .select_related("kindergarten")
        .order_by("kindergarten__number", "pk")
        if group_free_places(group=group) >= 1
    ]
    # Groups the first-come seats came from only when a small city has no others.
    return ([g for g in groups if g not in avoid] + [g for g in groups if g in avoid])[:GROUPS]


def demo_window_open_load(*, city: City, cutoff: dt.datetime, avoid: list[Group]) -> int:
    """Release seats of the demo parent's market for the publication at `cutoff`, switch priority access
    to the window before it, and publish what is due now; the seats released (0: no window)."""
    application = demo_parent_application(city)
    if application is None or city.in_august_pause(clock.local_date(cutoff)):
        return 0
    groups = _window_groups(Market.of(application), avoid)
    if not groups:
        return 0
    now = clock.now()
    # Everything before is published in the mode it had (the mode is read when a protocol is written).
    days_close(city=city, until=cutoff - dt.timedelta(days=1))
    released_at = min(clock.at_local(clock.local_date(cutoff), dt.time(10, 30)), now)
    released = sum(
        len(seat_release(group=group, count=min(SEATS_PER_GROUP, group_free_places(group=group)), at=released_at))
        for group in groups
    )
    values = {"priority_mode": ClaimMode.WINDOW, "window_close": DEMO_WINDOW_CLOSE}
    demo_rule_change(city, values, min(cutoff - dt.timedelta(hours=4), now), REASON)
    days_close(city=city, until=now)
    return released


def demo_window_note(*, city: City) -> str | None:
    """For the operator of `make run`: the demo's claim window, its market and moments, and who lists."""
    application = demo_parent_application(city)
    if application is None or city.priority_mode != ClaimMode.WINDOW:
        return None
    now = clock.now()
    opens = demo_window_cutoff(city, now)
    market = Market.of(application)
    seats = Seat.objects.filter(
        group__kindergarten__city=city,
        group__cohort=market.cohort,
        group__language=market.language,
        group__group_type=market.group_type,
    ).filter(
        Q(state=Seat.State.RELEASED) | Q(state=Seat.State.OPEN, priority_from=opens, priority_window_until__gt=now)
    )
    if not seats.exists():
        return None
    closes = window_close_after(city, opens)
    moments = f"{opens.astimezone(clock.ASTANA):%d.%m %H:%M} to {closes.astimezone(clock.ASTANA):%d.%m %H:%M}"
    state = "is open" if opens <= now else "opens"
    return (
        f"A claim window {state} from {moments} (Astana time) for {market.cohort}, {market.language}, "
        f"{market.group_type} groups: sign in as parent and press Make my list in the cabinet."
    )
