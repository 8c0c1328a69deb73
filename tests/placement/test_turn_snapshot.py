"""placement/queue/turns.py: "not your turn" refused from a market's recent ranking, never a referral out of turn."""

import datetime as dt

import pytest
import time_machine

from indigo.errors import ServiceError
from placement.models import Privilege, PrivilegeCategory
from placement.queue import priority_turn
from placement.queue.turns import turn_snapshot
from tests.placement.conftest import family
from tests.placement.test_claim import MONDAY, claim


@pytest.fixture
def snapshots(settings):
    settings.TURN_SNAPSHOT_MS = 1000


def refused(user, application, seat, when=MONDAY) -> ServiceError:
    with pytest.raises(ServiceError) as excinfo:
        claim(user, application, seat, when)
    return excinfo.value


def test_it_refuses_from_the_snapshot_without_ranking_the_market_again(
    city, open_seats, snapshots, django_assert_max_num_queries
):
    [seat] = open_seats(1)
    family(city, 1)
    families = [family(city, n) for n in (2, 3, 4)]
    user, application = families[0]
    error = refused(user, application, seat)  # reads the snapshot
    assert error.code == "not_your_turn" and "2" in error.detail
    for user, application in families[1:]:
        # The claim's own reads only (application, seat, the cabinet's block), no pass over the market.
        with django_assert_max_num_queries(3):
            assert refused(user, application, seat).code == "not_your_turn"


def test_a_child_let_through_by_a_stale_snapshot_is_refused_under_the_lock(city, open_seats, snapshots):
    [seat] = open_seats(1)
    user, first = family(city, 1)
    with time_machine.travel(MONDAY, tick=False):
        assert turn_snapshot(application=first, at=MONDAY).has_come
        # Within the snapshot's second, a child with an extraordinary right is filed: first is second now.
        _other, ahead = family(city, 0)
        category = PrivilegeCategory.objects.create(
            city=city, code="military", tier="extraordinary", name_kk="Әскери", name_ru="Военные", name_en="Military"
        )
        Privilege.objects.create(
            application=ahead, category=category, evidence="Справка", claimed_at=MONDAY - dt.timedelta(hours=1)
        )
        assert turn_snapshot(application=first, at=MONDAY).has_come  # the snapshot has not seen it
        assert not priority_turn(application=first, at=MONDAY).has_come
    error = refused(user, first, seat)
    assert error.code == "not_your_turn"
    seat.refresh_from_db()
    assert seat.state == "open"


def test_the_snapshot_is_read_again_a_second_later(city, open_seats, snapshots):
    seats = open_seats(2)
    first_user, first = family(city, 1)
    family(city, 2)
    third_user, third = family(city, 3)
    assert refused(third_user, third, seats[1]).code == "not_your_turn"
    claim(first_user, first, seats[0])  # third moves up to second, with one seat left
    later = MONDAY + dt.timedelta(seconds=2)
    assert refused(third_user, third, seats[1], when=later).code == "not_your_turn"
    assert turn_snapshot(application=third, at=later).rank == 2


def test_snapshots_are_off_at_zero(city, open_seats, settings):
    settings.TURN_SNAPSHOT_MS = 0
    [_seat] = open_seats(1)
    _user, application = family(city, 1)
    assert turn_snapshot(application=application, at=MONDAY) is None


def test_a_claim_after_the_moment_asked_counts_neither_its_seat_nor_its_child(city, open_seats):
    """The turn is a question as of one moment: seats and children both as they were then."""
    seats = open_seats(2)
    first_user, first = family(city, 1)
    _user, second = family(city, 2)
    claim(first_user, first, seats[0], when=MONDAY + dt.timedelta(seconds=1))
    then = priority_turn(application=second, at=MONDAY)
    assert (then.rank, then.allowed) == (2, 2)
    now = priority_turn(application=second, at=MONDAY + dt.timedelta(seconds=2))
    assert (now.rank, now.allowed) == (1, 1)
