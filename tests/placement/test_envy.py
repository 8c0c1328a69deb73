"""Justified envy (placement/envy.py): constructed days whose envy is known by hand.

First-come days (R-S-6) count the children passed over for a lower-ranked child on a seat they wanted;
window days (R-W-4) must count 0 when the allocation is serial dictatorship in queue order.
"""

import datetime as dt
import itertools

import pytest
from django.utils import translation

from indigo.clock import at_local
from placement.envy import Bid, Envy, _reorder, envy_count, first_come_envy, record_envy, window_envy
from placement.models import Privilege, Referral
from placement.queue import Market, Scope, queue_ordered
from placement.reports.fairness import report_fairness
from placement.window.models import ClaimWindow, WindowAllocation
from tests.factories import ApplicationFactory, ChildFactory, GroupFactory, PrivilegeCategoryFactory
from vacancies.models import Seat, SeatEvent
from vacancies.reports import Period

D = dt.date(2024, 6, 6)
PUBLISHED = at_local(dt.date(2024, 6, 3), dt.time(18, 0))
_numbers = itertools.count(1)


def at(day: dt.date, hour: int) -> dt.datetime:
    return at_local(day, dt.time(hour, 0))


def application(city, *, prefer=(), language="kk"):
    app = ApplicationFactory(city=city, child=ChildFactory(birth_date=dt.date(2021, 3, 15)), language=language)
    for kindergarten in prefer:
        app.preferred_kindergartens.add(kindergarten)  # one by one: the through ids keep the parent's order
    return app


def seat(group, published=PUBLISHED):
    return Seat.objects.create(
        group=group,
        state="claimed",
        released_at=published - dt.timedelta(hours=2),
        published_at=published,
        priority_from=published,
        priority_until=dt.date(2024, 6, 5),
        general_from=at(dt.date(2024, 6, 6), 0),
    )


def claim(app, seat, when):
    return Referral.objects.create(
        number=f"R-{next(_numbers)}",
        seat=seat,
        application=app,
        child=app.child,
        issued_at=when,
        valid_until=when + dt.timedelta(days=7),
    )


@pytest.fixture
def first_come_day(city, kindergarten_a, kindergarten_b):
    """Six children in queue order c1 … c6 (filing time), two kindergartens, one day of claims:

    c1 prefers [a], gets nothing               → passed over by c4 (a)
    c2 prefers [a, b], gets b at 11:00         → passed over by c4 (a), its first choice
    c3 no preference, gets nothing that day, two days later takes a seat of the batch c5 took from
                                               → passed over by c5 (b)
    c4 prefers [a], gets a at 10:00;  c5 prefers [b], gets b at 12:00
    c6 prefers [a], gets nothing, but everyone placed ranks above it → not passed over
    A Russian-language child preferring a, ranked first in its own queue, is another market.
    """
    group_a = GroupFactory(kindergarten=kindergarten_a)
    group_b = GroupFactory(kindergarten=kindergarten_b)
    c1 = application(city, prefer=[kindergarten_a])
    c2 = application(city, prefer=[kindergarten_a, kindergarten_b])
    c3 = application(city)
    c4 = application(city, prefer=[kindergarten_a])
    c5 = application(city, prefer=[kindergarten_b])
    c6 = application(city, prefer=[kindergarten_a])
    application(city, prefer=[kindergarten_a], language="ru")
    claim(c4, seat(group_a), at(D, 10))
    claim(c2, seat(group_b), at(D, 11))
    claim(c5, seat(group_b), at(D, 12))
    claim(c3, seat(group_b), at(D + dt.timedelta(days=2), 9))
    return Market(city.pk, 2021, "kk", "general"), (c1, c2, c3, c4, c5, c6)


def test_it_counts_children_passed_over_on_a_first_come_day_R_S_6(city, first_come_day):
    market, _ = first_come_day
    days = first_come_envy(city=city, start=D, end=D + dt.timedelta(days=3))

    assert days[D, market] == Envy(placed=3, seats_over=2, passed_over=3)
    # Two days later c3 takes a seat: c1 (a only) and c6 (below c3) envy nothing of b.
    assert days[D + dt.timedelta(days=2), market] == Envy(placed=1, seats_over=0, passed_over=0)
    assert set(days) == {(D, market), (D + dt.timedelta(days=2), market)}


def test_it_sees_no_envy_when_the_better_ranked_claim_first(city, kindergarten_a, kindergarten_b):
    group_a = GroupFactory(kindergarten=kindergarten_a)
    group_b = GroupFactory(kindergarten=kindergarten_b)
    first = application(city, prefer=[kindergarten_a, kindergarten_b])
    second = application(city, prefer=[kindergarten_a, kindergarten_b])
    third = application(city, prefer=[kindergarten_b])
    claim(first, seat(group_a), at(D, 10))
    claim(second, seat(group_b), at(D, 11))
    claim(third, seat(group_b), at(D, 12))

    [(key, envy)] = first_come_envy(city=city, start=D, end=D).items()
    assert envy == Envy(placed=3, seats_over=0, passed_over=0)


def test_it_counts_a_child_placed_lower_on_its_own_list(city, kindergarten_a, kindergarten_b):
    group_a, group_b = GroupFactory(kindergarten=kindergarten_a), GroupFactory(kindergarten=kindergarten_b)
    better = application(city, prefer=[kindergarten_a, kindergarten_b])
    worse = application(city, prefer=[kindergarten_a])
    # The better-ranked child raced for b first; a seat of a went to the child behind it an hour later.
    claim(better, seat(group_b), at(D, 9))
    claim(worse, seat(group_a), at(D, 10))

    [envy] = first_come_envy(city=city, start=D, end=D).values()
    assert envy == Envy(placed=2, seats_over=1, passed_over=1)


def test_its_query_count_does_not_grow_with_the_claims(city, kindergarten_a, django_assert_max_num_queries):
    group = GroupFactory(kindergarten=kindergarten_a, capacity=60)
    children = [application(city, prefer=[kindergarten_a]) for _ in range(40)]
    for number, child in enumerate(reversed(children[10:])):
        claim(child, seat(group), at(D, 9) + dt.timedelta(minutes=number))
    # Referrals, preferences, and one queue ranking for the one (day, market): 3 however many claims.
    with django_assert_max_num_queries(3):
        [envy] = first_come_envy(city=city, start=D, end=D).values()
    # The first ten never got a seat of the kindergarten they listed, which went to the thirty behind them.
    assert envy == Envy(placed=30, seats_over=30, passed_over=10)


def test_a_serial_dictatorship_window_has_no_envy_R_W_4():
    bids = [
        Bid("A", 1, ("g1", "g2")),
        Bid("B", 2, ("g1",)),
        Bid("C", 3, ("g2", "g1")),
        Bid("T", 4, ("g1", "g2"), children=2),
        Bid("E", 5, ("g2",)),
    ]
    seats = {"g1": 1, "g2": 3}
    given = {"A": "g1", "C": "g2", "T": "g2", "E": None}  # B and E come away with nothing
    assert window_envy(bids, given, seats) == Envy(placed=4, seats_over=0, passed_over=0)


def test_a_window_allocated_out_of_order_shows_its_envy_R_W_4():
    bids = [Bid("A", 1, ("g1", "g2")), Bid("B", 2, ("g1",)), Bid("C", 3, ("g2",))]
    # B took the one seat of g1 ahead of A, who listed g1 first.
    given = {"A": "g2", "B": "g1", "C": None}
    assert window_envy(bids, given, {"g1": 1, "g2": 1}) == Envy(placed=2, seats_over=1, passed_over=1)


def test_twins_are_not_passed_over_for_a_last_single_seat_R_W_4():
    bids = [Bid("T", 1, ("g1",), children=2), Bid("S", 2, ("g1",))]
    # One seat of g1: the twins need two, so the single child behind them rightly takes it.
    assert window_envy(bids, {"S": "g1"}, {"g1": 1}) == Envy(placed=1, seats_over=0, passed_over=0)
    # Two seats: the twins could have had both; the single child envied is an error.
    assert window_envy(bids, {"S": "g1"}, {"g1": 2}) == Envy(placed=1, seats_over=1, passed_over=1)


def test_the_count_needs_a_better_rank_and_a_shared_key():
    claims = [(5, frozenset({"x"})), (2, frozenset({"y"}))]
    wants = [(1, frozenset({"x"})), (3, frozenset({"y"})), (7, frozenset({"x"}))]
    assert envy_count(claims, wants) == Envy(placed=2, seats_over=1, passed_over=1)


def window_closed(city, day: dt.date, record: dict) -> WindowAllocation:
    window = ClaimWindow.objects.create(
        city=city,
        cohort=2021,
        language="kk",
        group_type="general",
        stage="general",
        opens_at=at(day, 0),
        closes_at=at(day, 9),
    )
    return WindowAllocation.objects.create(window=window, ran_at=at(day, 9), bids=3, placed=2, record=record)


def test_the_fairness_report_shows_both_modes_side_by_side_R_W_4(city, first_come_day, client, officer):
    market, _ = first_come_day
    window_closed(
        city,
        D,
        {
            "turn_limit": None,
            "groups": [{"id": 1, "seats": 1}, {"id": 2, "seats": 1}],
            "bids": [
                {"applications": ["T-1"], "rank": 1, "eligible": True, "groups": [1, 2], "result": 1},
                {"applications": ["T-2"], "rank": 2, "eligible": True, "groups": [1, 2], "result": 2},
                {"applications": ["T-3"], "rank": 3, "eligible": True, "groups": [1], "result": None},
                {"applications": ["T-4"], "rank": None, "eligible": False, "groups": [1], "result": None},
            ],
        },
    )
    report = report_fairness(city=city, period=Period(D, D + dt.timedelta(days=3)))

    [day, later] = report.envy
    assert (day.day, day.market, later.day) == (D, market, D + dt.timedelta(days=2))
    assert day.first_come == Envy(placed=3, seats_over=2, passed_over=3)
    assert day.window == Envy(placed=2, seats_over=0, passed_over=0)
    assert later.window is None
    with translation.override("en"):
        summary = {str(label): value for label, value in report.summary}
    assert summary["Seats over a better-ranked child, first come"] == 2
    assert summary["Seats over a better-ranked child, claim window"] == 0

    client.force_login(officer)
    page = client.get(f"/en/department/{city.slug}/reports/fairness/?from=2024-06-06&to=2024-06-09")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="fairness-envy"' in body
    assert "Children passed over" in body


def test_a_record_given_out_of_order_shows_its_envy_R_W_5():
    bids = [
        {"applications": ["T-1"], "rank": 1, "eligible": True, "groups": [1, 2], "result": 2},
        {"applications": ["T-2"], "rank": 2, "eligible": True, "groups": [1], "result": 1},
        # Beyond the priority turn: could take nothing, so envies nothing.
        {"applications": ["T-3"], "rank": 9, "eligible": True, "groups": [1], "result": None},
    ]
    record = {"turn_limit": 5, "groups": [{"id": 1, "seats": 1}, {"id": 2, "seats": 1}], "bids": bids}
    assert record_envy(record) == Envy(placed=2, seats_over=1, passed_over=1)


def test_a_window_allocated_seat_is_not_a_first_come_claim(city, kindergarten_a):
    group = GroupFactory(kindergarten=kindergarten_a)
    application(city, prefer=[kindergarten_a])  # ranked first, wanted the seat too: envy, were it a race
    second = application(city, prefer=[kindergarten_a])
    given = seat(group)
    claim(second, given, at(D, 9))
    SeatEvent.objects.create(seat=given, kind="claimed", at=at(D, 9), data={"window": "2021-kk-general-…"})

    assert first_come_envy(city=city, start=D, end=D) == {}


def test_its_ranking_less_the_placed_is_the_queue_then_R_Q_2(city, kindergarten_a):
    """One ranking per market and period: the queue later is that ranking less the children placed
    since, in R-Q-2's interleave again; checked against the queue's own SQL."""
    first = PrivilegeCategoryFactory(city=city, code="large_family", tier="first")
    extraordinary = PrivilegeCategoryFactory(city=city, code="military", tier="extraordinary")
    group = GroupFactory(kindergarten=kindergarten_a, capacity=40)
    children = []
    for number in range(24):
        app = application(city)
        category = extraordinary if number % 11 == 5 else first if number % 3 == 0 else None
        if category is not None:
            Privilege.objects.create(
                application=app,
                category=category,
                evidence="№1",
                state="confirmed",
                claimed_at=app.filed_at,
                decided_at=app.filed_at,
            )
        children.append(app)
    market = Market(city.pk, 2021, "kk", "general")
    before = queue_ordered(market=market, city=city, scope=Scope.ELIGIBLE, at=at(D, 8))
    placed = [children[i] for i in (0, 3, 4, 5, 9, 17)]
    for number, child in enumerate(placed):
        claim(child, seat(group), at(D, 9) + dt.timedelta(minutes=number))
    after = queue_ordered(market=market, city=city, scope=Scope.ELIGIBLE, at=at(D, 12))

    gone = {child.pk for child in placed}
    assert _reorder(before, gone, city.interleave_privileged, city.interleave_general) == {
        pk: position for pk, _tier, position in after
    }
