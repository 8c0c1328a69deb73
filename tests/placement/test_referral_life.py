"""R-S-8, R-S-9, R-Q-5: a referral's validity, expiry across a holiday, refusal, enrolment, departure."""

import datetime as dt

import pytest
import time_machine

from indigo.clock import at_local
from indigo.errors import ServiceError
from placement.day_close import day_close, days_close
from placement.models import Application, Privilege, PrivilegeCategory, Referral
from placement.services import (
    referral_departure,
    referral_enrol,
    referral_extend,
    referral_refuse,
    seat_claim,
)
from tests.factories import GroupFactory, PrivilegeCategoryFactory
from tests.placement.conftest import family
from vacancies.models import Protocol, Seat
from vacancies.services import seat_release


def local(day, hour=0, minute=0):
    return at_local(day, dt.time(hour, minute))


@pytest.fixture
def may_seat(city, kindergarten_a):
    """A seat published Fri 26 Apr 2024; 1 May is a holiday, so it is in general access from Fri 3 May."""
    group = GroupFactory(kindergarten=kindergarten_a, cohort=2021, language="kk", capacity=10)
    [seat] = seat_release(group=group, count=1, at=local(dt.date(2024, 4, 26), 9))
    day_close(city=city, cutoff=local(dt.date(2024, 4, 26), 18))
    return Seat.objects.get(pk=seat.pk)


def test_it_expires_five_working_days_later_across_a_holiday(city, may_seat):
    # Issued Monday 6 May 2024; 7, 8 and 9 May are days off, so the five working days are
    # 10, 13, 14, 15 and 16 May: valid through Thursday 16 May.
    user, application = family(city, 1)
    with time_machine.travel(local(dt.date(2024, 5, 6), 10), tick=False):
        referral = seat_claim(seat=may_seat, application=application, by=user)
    assert referral.valid_until == local(dt.date(2024, 5, 17))

    days_close(city=city, until=local(dt.date(2024, 5, 16), 18))
    assert Referral.objects.get(pk=referral.pk).state == "issued"
    [friday] = days_close(city=city, until=local(dt.date(2024, 5, 17), 18))

    referral.refresh_from_db()
    assert referral.state == "expired" and referral.closed_at == local(dt.date(2024, 5, 17))
    seat = Seat.objects.get(pk=may_seat.pk)
    assert seat.state == "open" and seat.published_at == local(dt.date(2024, 5, 17), 18)
    assert [e.kind for e in friday.entries.order_by("position")][:3] == ["expired", "returned", "published"]
    application.refresh_from_db()
    assert application.stop_listed_until == local(dt.date(2024, 5, 27))


def test_it_lets_the_child_back_after_the_stop_list_at_its_old_place(city, may_seat, kindergarten_a):
    from placement.queue import queue_position

    user, application = family(city, 1)
    family(city, 2)
    with time_machine.travel(local(dt.date(2024, 5, 6), 10), tick=False):
        seat_claim(seat=may_seat, application=application, by=user)
    days_close(city=city, until=local(dt.date(2024, 5, 17), 18))
    application.refresh_from_db()
    assert queue_position(application=application, at=local(dt.date(2024, 5, 20), 10)) == 1
    with time_machine.travel(local(dt.date(2024, 5, 20), 10), tick=False), pytest.raises(ServiceError) as excinfo:
        seat_claim(seat=Seat.objects.get(pk=may_seat.pk), application=application, by=user)
    assert excinfo.value.code == "stop_listed"
    with time_machine.travel(local(dt.date(2024, 5, 27), 10), tick=False):
        assert seat_claim(seat=Seat.objects.get(pk=may_seat.pk), application=application, by=user).state == "issued"


def test_it_returns_the_seat_and_stop_lists_on_refusal(city, may_seat, staff_a):
    user, application = family(city, 1)
    with time_machine.travel(local(dt.date(2024, 5, 6), 10), tick=False):
        referral = seat_claim(seat=may_seat, application=application, by=user)
        referral_refuse(referral=referral, reason="moved", note="The family moved away", by=staff_a)
    assert Referral.objects.get(pk=referral.pk).state == "refused"
    assert Seat.objects.get(pk=may_seat.pk).state == "released"
    assert Application.objects.get(pk=application.pk).stop_listed_until == local(dt.date(2024, 5, 16), 10)


def test_it_enrols_and_records_the_departure(city, may_seat, staff_a):
    user, application = family(city, 1)
    with time_machine.travel(local(dt.date(2024, 5, 6), 10), tick=False):
        referral = seat_claim(seat=may_seat, application=application, by=user)
        referral_enrol(referral=referral, by=staff_a)
    assert Referral.objects.get(pk=referral.pk).state == "enrolled"
    assert Seat.objects.get(pk=may_seat.pk).state == "occupied"
    assert Application.objects.get(pk=application.pk).state == "placed"
    referral_departure(referral=referral, reason="moved", note="Moved to Karaganda", by=staff_a)
    assert Seat.objects.get(pk=may_seat.pk).state == "vacated"
    assert Referral.objects.get(pk=referral.pk).state == "left"


def test_it_extends_once_up_to_thirty_days(city, may_seat, staff_a):
    user, application = family(city, 1)
    with time_machine.travel(local(dt.date(2024, 5, 6), 10), tick=False):
        referral = seat_claim(seat=may_seat, application=application, by=user)
        with pytest.raises(ServiceError) as excinfo:
            referral_extend(referral=referral, until=dt.date(2024, 6, 20), by=staff_a)
        assert excinfo.value.code == "bad_extension"
        referral = referral_extend(referral=referral, until=dt.date(2024, 6, 10), by=staff_a)
        assert referral.valid_until == local(dt.date(2024, 6, 11))
        with pytest.raises(ServiceError) as excinfo:
            referral_extend(referral=referral, until=dt.date(2024, 6, 12), by=staff_a)
        assert excinfo.value.code == "already_extended"


def test_it_cancels_when_an_extraordinary_right_is_not_confirmed_in_time(city, may_seat):
    user, application = family(city, 1)
    category = PrivilegeCategoryFactory(city=city, code="military", tier=PrivilegeCategory.Tier.EXTRAORDINARY)
    Privilege.objects.create(
        application=application, category=category, evidence="Certificate 12", claimed_at=local(dt.date(2024, 5, 1), 9)
    )
    with time_machine.travel(local(dt.date(2024, 5, 6), 10), tick=False):
        referral = seat_claim(seat=may_seat, application=application, by=user)
    # Five working days after Monday 6 May end with Thursday 16 May; the next protocol acts on it,
    # before the referral's own expiry, so it is cancelled (not expired).
    days_close(city=city, until=local(dt.date(2024, 5, 16), 18))
    assert Referral.objects.get(pk=referral.pk).state == "issued"
    days_close(city=city, until=local(dt.date(2024, 5, 17), 18))
    assert Referral.objects.get(pk=referral.pk).state == "cancelled"
    assert Privilege.objects.get().state == "removed"
    assert Application.objects.get(pk=application.pk).stop_listed_until is not None
    kinds = Protocol.objects.get(day=dt.date(2024, 5, 17)).entries.values_list("kind", flat=True)
    assert "cancelled" in kinds and "returned" in kinds
