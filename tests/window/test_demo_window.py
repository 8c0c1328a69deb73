"""R-W-1, R-W-2, R-W-3 in the demo: whenever it is seeded, Temirtau has a claim window open in one market
(or, seeded after noon, opening at the next 18:00) that the demo parent can list groups in."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from indigo import clock
from placement.day_close import days_close_everywhere
from placement.models import Application, Referral
from placement.queue import Market
from placement.services.claims import seat_claim
from placement.window.bids import bid_place, windows_open
from placement.window.demo_open import DEMO_WINDOW_CLOSE, REASON, demo_window_cutoff
from placement.window.models import Bid
from vacancies.models import City, ClaimMode, ProtocolEntry, Seat

pytestmark = pytest.mark.django_db

WEDNESDAY = dt.date(2025, 11, 12)


def seed(out: StringIO | None = None) -> City:
    call_command("seed_demo", children=200, kindergartens=6, stdout=out or StringIO())
    return City.objects.get(slug="temirtau")


def window_markets(city: City, at: dt.datetime) -> set[tuple]:
    seats = Seat.objects.filter(group__kindergarten__city=city, state=Seat.State.OPEN).select_related("group")
    return {(s.group.cohort, s.group.language, s.group.group_type) for s in seats if s.window_at(at)}


def demo_child() -> tuple[User, Application]:
    parent = User.objects.get(username="parent")
    application = Application.objects.select_related("city").get(
        child__representative_links__user=parent, state="active", cohort=2021
    )
    return parent, application


def demo_parents_hold_no_referral() -> bool:
    return not Referral.objects.filter(child__representative_links__user__username__in=["parent", "parent2"]).exists()


def assert_the_parent_lists_groups_in_the_open_window(city: City, now: dt.datetime) -> None:
    parent, application = demo_child()
    assert window_markets(city, now) == {(2021, "kk", "general")}
    [offer] = windows_open(market=Market.of(application), at=now)
    assert offer.stage == "priority" and offer.opens_at <= now < offer.closes_at
    assert clock.localtime_iso(offer.closes_at).endswith("T12:00:00+05:00")
    client = Client()
    client.force_login(parent)
    url = f"/en/cabinet/applications/{application.pk}/bid/"
    page = client.get(url).content.decode()
    assert "Allocation at 12:00" in page
    for group, _seats in offer.groups:
        assert group.name in page
    first, *rest = [group.pk for group, _seats in offer.groups]
    assert client.post(url, {"action": "add", "group": first}).status_code == 302
    assert Bid.objects.get(application=application).groups == [first]
    [bid] = bid_place(applications=[application], groups=[*rest, first], by=parent)
    assert bid.groups == [*rest, first]
    assert "Change my list" in client.get("/en/cabinet/").content.decode()


@pytest.mark.parametrize("hour", [7, 21], ids=["morning", "evening"])
def test_the_demo_city_has_one_market_in_an_open_window_the_demo_parent_can_bid_in_R_W_1_R_W_3(hour):
    now = clock.at_local(WEDNESDAY, dt.time(hour, 10))
    out = StringIO()
    with time_machine.travel(now, tick=False):
        city = seed(out)
        assert "A claim window is open from" in out.getvalue() and "sign in as parent" in out.getvalue()
        assert (city.priority_mode, city.general_mode) == (ClaimMode.WINDOW, ClaimMode.FIRST_COME)
        assert city.window_close == DEMO_WINDOW_CLOSE
        assert demo_parents_hold_no_referral()
        assert_the_parent_lists_groups_in_the_open_window(city, now)
    assert demo_parents_hold_no_referral()


def test_seeded_after_noon_the_window_opens_at_the_next_publication_R_W_2():
    out = StringIO()
    with time_machine.travel(clock.at_local(WEDNESDAY, dt.time(14, 0)), tick=False):
        city = seed(out)
        assert "A claim window opens from 12.11 18:00 to 13.11 12:00" in out.getvalue()
        assert window_markets(city, clock.now()) == set()
        assert demo_parents_hold_no_referral()
    evening = clock.at_local(WEDNESDAY, dt.time(18, 1))
    with time_machine.travel(evening, tick=False):
        days_close_everywhere(until=evening)  # the 18:00 beat of `make run`
        assert_the_parent_lists_groups_in_the_open_window(city, evening)


def test_the_switch_is_a_department_change_in_the_public_log_and_the_protocol_R_W_1():
    with time_machine.travel(clock.at_local(WEDNESDAY, dt.time(21, 10)), tick=False):
        city = seed()
    entry = ProtocolEntry.objects.get(protocol__city=city, kind="settings_change", payload__reason=REASON)
    assert entry.payload["after"] == {"priority_mode": "window", "window_close": "12:00"}
    assert entry.protocol.cutoff == clock.at_local(WEDNESDAY, dt.time(18, 0))
    # The publication that opened the window carries seats of that one market only.
    published = Seat.objects.filter(priority_from=entry.protocol.cutoff).select_related("group")
    assert {(s.group.cohort, s.group.language, s.group.group_type) for s in published} == {(2021, "kk", "general")}
    assert all(seat.priority_window_until for seat in published)


def test_the_demo_parent_still_claims_a_first_come_seat_published_before_the_switch_R_W_1():
    now = clock.at_local(WEDNESDAY, dt.time(7, 10))
    with time_machine.travel(now, tick=False):
        seed()
        parent, application = demo_child()
        first_come = Seat.objects.filter(
            state=Seat.State.OPEN,
            group__cohort=2021,
            group__language="kk",
            group__group_type="general",
            priority_window_until__isnull=True,
            priority_from__lte=now,
            general_from__gt=now,
        ).first()
        referral = seat_claim(seat=first_come, application=application, by=parent)
    assert referral.application == application


@pytest.mark.parametrize(
    ("now", "opens"),
    [
        (dt.time(0, 30), dt.date(2025, 11, 11)),
        (dt.time(11, 59), dt.date(2025, 11, 11)),
        (dt.time(12, 0), WEDNESDAY),  # the last window has closed: the next one opens at 18:00
        (dt.time(17, 59), WEDNESDAY),
        (dt.time(18, 0), WEDNESDAY),
        (dt.time(23, 59), WEDNESDAY),
    ],
)
def test_the_demo_window_is_the_one_open_now_or_the_next_R_W_2(now, opens):
    city = City(publication_time=dt.time(18, 0))
    cutoff = demo_window_cutoff(city, clock.at_local(WEDNESDAY, now))
    assert cutoff == clock.at_local(opens, dt.time(18, 0))
