"""R-S-1 and R-S-5: staff release and withdraw seats; every change leaves a seat event."""

import pytest

from indigo.errors import Conflict, NotAllowed, ServiceError
from tests.factories import GroupFactory
from tests.vacancies.helpers import D, local
from vacancies.models import Seat, SeatEvent
from vacancies.services import group_free_places, seat_release, seat_withdraw

MOMENT = local(D(2024, 5, 31), 10)


@pytest.fixture
def group(kindergarten_a):
    return GroupFactory(kindergarten=kindergarten_a, capacity=5)


def test_it_releases_each_seat_as_its_own_row_with_history(group, staff_a):
    seats = seat_release(group=group, count=3, by=staff_a, at=MOMENT)
    assert len(seats) == 3
    assert Seat.objects.filter(group=group, state="released").count() == 3
    assert SeatEvent.objects.filter(seat__group=group, kind="released", actor=staff_a).count() == 3


def test_it_never_releases_more_than_the_free_places(group, staff_a):
    Seat.objects.create(group=group, state=Seat.State.OCCUPIED, source="existing", released_at=MOMENT)
    seat_release(group=group, count=2, by=staff_a, at=MOMENT)
    assert group_free_places(group=group) == 2
    with pytest.raises(Conflict) as excinfo:
        seat_release(group=group, count=3, by=staff_a, at=MOMENT)
    assert excinfo.value.code == "not_enough_places"
    assert "2" in excinfo.value.detail
    assert Seat.objects.filter(group=group).count() == 3


@pytest.mark.parametrize("count", [0, -1, 1000, "3", True])
def test_it_refuses_a_bad_count(group, staff_a, count):
    with pytest.raises(ServiceError) as excinfo:
        seat_release(group=group, count=count, by=staff_a, at=MOMENT)
    assert excinfo.value.code == "invalid_count"


def test_it_refuses_staff_of_another_kindergarten(group, staff_b):
    with pytest.raises(NotAllowed):
        seat_release(group=group, count=1, by=staff_b, at=MOMENT)
    [seat] = seat_release(group=group, count=1, at=MOMENT)
    with pytest.raises(NotAllowed):
        seat_withdraw(seat=seat, reason="repairs", by=staff_b)
    assert Seat.objects.get(pk=seat.pk).state == "released"


def test_it_withdraws_an_unclaimed_seat_with_its_reason(group, staff_a):
    [seat] = seat_release(group=group, count=1, by=staff_a, at=MOMENT)
    seat = seat_withdraw(
        seat=seat, reason="group_closed", note="Group merged after repairs", by=staff_a, at=local(D(2024, 5, 31), 11)
    )
    assert seat.state == "withdrawn"
    event = SeatEvent.objects.get(seat=seat, kind="withdrawn")
    assert (event.reason, event.note) == ("group_closed", "Group merged after repairs")
    assert group_free_places(group=group) == 5


def test_it_needs_a_reason_to_withdraw(group, staff_a):
    [seat] = seat_release(group=group, count=1, by=staff_a, at=MOMENT)
    with pytest.raises(ServiceError) as excinfo:
        seat_withdraw(seat=seat, reason="  ", by=staff_a)
    assert excinfo.value.code == "reason_required"


@pytest.mark.parametrize("state", ["claimed", "occupied", "withdrawn"])
def test_it_cannot_withdraw_a_claimed_or_enrolled_seat(group, staff_a, state):
    seat = Seat.objects.create(
        group=group, state=state, released_at=MOMENT, withdrawn_at=MOMENT if state == "withdrawn" else None
    )
    with pytest.raises(Conflict) as excinfo:
        seat_withdraw(seat=seat, reason="mistake", by=staff_a)
    assert excinfo.value.code == "seat_not_withdrawable"
    assert Seat.objects.get(pk=seat.pk).state == state
    assert not SeatEvent.objects.filter(seat=seat).exists()
