"""R-S-6, R-S-7: who may claim which seat, and the referral a claim issues."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from accounts.models import AccountBlock
from indigo.clock import at_local
from indigo.errors import NotAllowed, ServiceError
from placement.models import Application, Referral
from placement.services.claims import seat_claim, seats_claim
from tests.factories import GroupFactory
from tests.placement.conftest import family
from vacancies.models import Seat, SeatEvent

MONDAY = at_local(dt.date(2024, 6, 3), dt.time(10, 0))
THURSDAY = at_local(dt.date(2024, 6, 6), dt.time(10, 0))


def claim(user, application, seat, when=MONDAY):
    with time_machine.travel(when, tick=False):
        return seat_claim(seat=seat, application=application, by=user)


def test_it_issues_a_referral_to_the_first_in_the_queue(city, open_seats):
    [seat] = open_seats(1)
    user, application = family(city, 1)
    referral = claim(user, application, seat)
    assert referral.state == "issued"
    assert referral.child_id == application.child_id
    # Five working days from Monday 3 June: valid through Monday 10 June.
    assert referral.valid_until == at_local(dt.date(2024, 6, 11), dt.time(0, 0))
    assert Seat.objects.get(pk=seat.pk).state == "claimed"
    event = SeatEvent.objects.get(seat=seat, kind="claimed")
    assert event.data["stage"] == "priority" and event.data["position"] == 1
    assert event.data["application"] == application.reference


def test_it_refuses_a_child_whose_turn_has_not_come_until_general_access(city, open_seats):
    [seat] = open_seats(1)
    family(city, 1)
    user, second = family(city, 2)
    with pytest.raises(ServiceError) as excinfo:
        claim(user, second, seat)
    assert excinfo.value.code == "not_your_turn"
    assert "2" in excinfo.value.detail and excinfo.value.status == 409
    assert claim(user, second, seat, when=THURSDAY).state == "issued"


def test_it_counts_the_turn_against_the_seats_in_priority_access(city, open_seats):
    seats = open_seats(2)
    family(city, 1)
    user, second = family(city, 2)
    assert claim(user, second, seats[1]).state == "issued"


def test_it_widens_the_turn_by_the_citys_pool_factor(city, open_seats):
    """R-S-6: the seats in priority access times the city's pool factor, rounded down."""
    city.priority_pool_factor = Decimal("2.5")
    city.save(update_fields=["priority_pool_factor"])
    [seat] = open_seats(1)
    family(city, 1)
    second_user, second = family(city, 2)
    third_user, third = family(city, 3)
    with pytest.raises(ServiceError) as excinfo:
        claim(third_user, third, seat)  # one seat × 2.5: two children in turn
    assert excinfo.value.code == "not_your_turn"
    assert claim(second_user, second, seat).state == "issued"


def test_it_lets_the_next_child_in_once_a_child_ahead_is_placed(city, open_seats):
    seats = open_seats(2)
    first_user, first = family(city, 1)
    family(city, 2)
    third_user, third = family(city, 3)
    claim(first_user, first, seats[0])
    with pytest.raises(ServiceError) as excinfo:
        claim(third_user, third, seats[1])
    assert excinfo.value.code == "not_your_turn"


def test_it_refuses_a_seat_already_taken(city, open_seats):
    [seat] = open_seats(1)
    user, application = family(city, 1)
    other, other_application = family(city, 2)
    claim(user, application, seat)
    with pytest.raises(ServiceError) as excinfo:
        claim(other, other_application, seat, when=THURSDAY)
    assert excinfo.value.code == "seat_taken"


def test_it_refuses_a_second_referral_for_one_child(city, open_seats):
    seats = open_seats(2)
    user, application = family(city, 1)
    claim(user, application, seats[0])
    with pytest.raises(ServiceError) as excinfo:
        claim(user, application, seats[1])
    assert excinfo.value.code == "has_referral"


def test_it_refuses_a_stop_listed_child_with_the_date(city, open_seats):
    [seat] = open_seats(1)
    user, application = family(city, 1)
    Application.objects.filter(pk=application.pk).update(stop_listed_until=at_local(dt.date(2024, 6, 8), dt.time(12)))
    with pytest.raises(ServiceError) as excinfo:
        claim(user, application, seat, when=THURSDAY)
    assert excinfo.value.code == "stop_listed"
    assert "2024" in excinfo.value.detail or "08" in excinfo.value.detail


def test_it_refuses_a_blocked_cabinet_with_423(city, open_seats):
    [seat] = open_seats(1)
    user, application = family(city, 1)
    AccountBlock.objects.create(
        user=user,
        reason="Cabinet shared with an intermediary",
        starts_at=at_local(dt.date(2024, 5, 1), dt.time(9)),
        ends_at=at_local(dt.date(2024, 11, 1), dt.time(9)),
    )
    with pytest.raises(ServiceError) as excinfo:
        claim(user, application, seat)
    assert excinfo.value.code == "blocked" and excinfo.value.status == 423
    assert "intermediary" in excinfo.value.detail


@pytest.mark.parametrize(("field", "value"), [("cohort", 2020), ("language", "ru"), ("group_type", "speech")])
def test_it_refuses_a_seat_of_another_market_with_the_reason(city, kindergarten_a, field, value):
    from placement.day_close import day_close
    from vacancies.services import seat_release

    group = GroupFactory(
        kindergarten=kindergarten_a, **{"cohort": 2021, "language": "kk", "group_type": "general", field: value}
    )
    [seat] = seat_release(group=group, count=1, at=at_local(dt.date(2024, 5, 31), dt.time(9)))
    day_close(city=city, cutoff=at_local(dt.date(2024, 5, 31), dt.time(18)))
    user, application = family(city, 1)
    with pytest.raises(ServiceError) as excinfo:
        claim(user, application, seat, when=THURSDAY)
    assert excinfo.value.code == "mismatch"


def test_it_refuses_another_familys_child(city, open_seats, other_parent):
    [seat] = open_seats(1)
    _user, application = family(city, 1)
    with pytest.raises(NotAllowed) as excinfo:
        claim(other_parent, application, seat)
    assert excinfo.value.code == "not_your_child"
    assert not Referral.objects.exists()


def test_it_refuses_a_seat_not_yet_published(city, group):
    from vacancies.services import seat_release

    [seat] = seat_release(group=group, count=1, at=at_local(dt.date(2024, 5, 31), dt.time(9)))
    user, application = family(city, 1)
    with pytest.raises(ServiceError) as excinfo:
        claim(user, application, seat)
    assert excinfo.value.code == "not_published"


def test_it_issues_nothing_in_the_august_pause(city, open_seats):
    [seat] = open_seats(1)
    user, application = family(city, 1)
    with pytest.raises(ServiceError) as excinfo:
        claim(user, application, seat, when=at_local(dt.date(2024, 8, 12), dt.time(10)))
    assert excinfo.value.code == "paused"


class TestTwins:
    def twins(self, city):
        user, first = family(city, 1, username="twins-parent")
        from accounts.models import RepresentativeLink
        from tests.factories import ApplicationFactory, ChildFactory

        child = ChildFactory(birth_date=dt.date(2021, 3, 15), last_name=first.child.last_name)
        RepresentativeLink.objects.create(user=user, child=child, relation="parent", state="verified")
        second = ApplicationFactory(city=city, child=child, filed_at=first.filed_at)
        return user, first, second

    def test_it_places_twins_together_in_one_group(self, city, open_seats):
        seats = open_seats(2)
        user, first, second = self.twins(city)
        with time_machine.travel(MONDAY, tick=False):
            referrals = seats_claim(seats=seats, applications=[first, second], by=user)
        assert len(referrals) == 2 and referrals[0].batch == referrals[1].batch is not None

    def test_it_places_neither_twin_when_one_seat_is_gone(self, city, open_seats):
        seats = open_seats(3)
        user, first, second = self.twins(city)
        other_user, other = family(city, 5)
        claim(other_user, other, seats[1], when=THURSDAY)
        with time_machine.travel(THURSDAY, tick=False), pytest.raises(ServiceError):
            seats_claim(seats=seats[:2], applications=[first, second], by=user)
        assert not Referral.objects.filter(child__in=[first.child, second.child]).exists()
        assert Seat.objects.get(pk=seats[0].pk).state == "open"

    def test_it_refuses_seats_in_two_groups(self, city, open_seats, kindergarten_b):
        from placement.day_close import day_close
        from vacancies.services import seat_release

        [seat] = open_seats(1)
        other_group = GroupFactory(kindergarten=kindergarten_b, cohort=2021, language="kk")
        [far] = seat_release(group=other_group, count=1, at=at_local(dt.date(2024, 6, 3), dt.time(9)))
        day_close(city=city, cutoff=at_local(dt.date(2024, 6, 3), dt.time(18)))
        user, first, second = self.twins(city)
        with time_machine.travel(THURSDAY, tick=False), pytest.raises(ServiceError) as excinfo:
            seats_claim(seats=[seat, far], applications=[first, second], by=user)
        assert excinfo.value.code == "twins_apart"
