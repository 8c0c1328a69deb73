"""The demo city's claim window (R-W), so a new user sees one: the department switched priority access to
the window for one publication (the public log on "How it works" shows it), five families of the demo
parent's market listed groups, the queue decided at the close, and the protocol carries the record.
Called by placement/demo/seats.py before it publishes the days up to today; the window still open is
placement/window/demo_open.py."""

import datetime as dt
import random
import uuid

from indigo import clock
from placement.day_close import days_close
from placement.models import Application
from placement.queue import Market
from placement.window.allocation import windows_allocate_due
from placement.window.eligibility import eligible_ranks
from placement.window.models import Bid, ClaimWindow
from vacancies.access import window_close_after
from vacancies.city_settings import city_settings_update
from vacancies.models import City, CitySettingsChange, ClaimMode, Group
from vacancies.services import group_free_places, seat_release

REASON_ON = "Demo: the fair claim window tried on one publication"
REASON_OFF = "Demo: back to first come after the trial"


def demo_rule_change(city: City, values: dict, at: dt.datetime, reason: str) -> None:
    """A rule change made as the department makes it (checked, logged with its reason, public), dated
    at the demo's simulated moment `at`."""
    change = city_settings_update(city=city, values=values, reason=reason)
    CitySettingsChange.objects.filter(pk=change.pk).update(at=at)


def demo_window_load(*, city: City, rng: random.Random, day: dt.date, avoid: list[Group]) -> int:
    """One window in the demo parent's market, published on `day` and allocated now; the bids made."""
    if ClaimWindow.objects.filter(city=city).exists():
        return 0
    parent_application = (
        Application.objects.filter(city=city, state="active", child__representative_links__user__username="parent")
        .select_related("city")
        .order_by("-cohort")
        .first()
    )
    if parent_application is None:
        return 0
    market = Market.of(parent_application)
    groups = [
        group
        for group in Group.objects.filter(
            kindergarten__city=city,
            is_active=True,
            cohort=market.cohort,
            language=market.language,
            group_type=market.group_type,
        ).select_related("kindergarten")
        if group not in avoid and group_free_places(group=group) >= 1
    ][:3]
    if len(groups) < 2:
        return 0
    released_at = clock.at_local(day, dt.time(10, 0))
    for group in groups:
        seat_release(group=group, count=1, at=released_at)
    cutoff = clock.at_local(day, city.publication_time)
    demo_rule_change(city, {"priority_mode": ClaimMode.WINDOW}, cutoff - dt.timedelta(hours=4), REASON_ON)
    days_close(city=city, until=cutoff)
    demo_rule_change(city, {"priority_mode": ClaimMode.FIRST_COME}, cutoff + dt.timedelta(minutes=30), REASON_OFF)

    # The families ranked at the head of the market at the close, and the demo parent's child, list groups;
    # the first group is everybody's favourite, so the reasons show who took it.
    closes = window_close_after(city, cutoff)
    # The demo parents' own children stay waiting (their cabinets show the queue and the claim); the
    # window's record, its reasons and the rule changes are public.
    own = set(
        Application.objects.filter(
            city=city, child__representative_links__user__username__in=["parent", "parent2"]
        ).values_list("pk", flat=True)
    )
    ranks = eligible_ranks(market=market, city=city, at=closes)
    bidders = [pk for pk, _rank in sorted(ranks.items(), key=lambda item: item[1]) if pk not in own][:5]
    if len(bidders) < 2:
        return 0
    window = ClaimWindow.objects.create(
        city=city,
        cohort=market.cohort,
        language=market.language,
        group_type=market.group_type,
        stage=ClaimWindow.Stage.PRIORITY,
        opens_at=cutoff,
        closes_at=closes,
    )
    applications = Application.objects.in_bulk(bidders)
    for pk in bidders:
        others = [g.pk for g in groups[1:]]
        rng.shuffle(others)
        listed = [groups[0].pk, *others[: rng.randint(0, len(others))]]
        moment = cutoff + dt.timedelta(minutes=rng.randint(1, 14 * 60))
        user = applications[pk].child.representative_links.filter(state="verified").first()
        Bid.objects.create(
            window=window,
            application=applications[pk],
            batch=uuid.uuid4(),
            groups=listed,
            placed_by=user.user if user else None,
            created_at=moment,
            updated_at=moment,
        )
    windows_allocate_due(until=clock.now())
    return len(bidders)
