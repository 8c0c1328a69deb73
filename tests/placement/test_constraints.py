"""The database itself holds the invariants (R-Q-1, R-S-7), whatever the code above it does."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from indigo.clock import at_local
from placement.models import Application, Referral
from tests.factories import ApplicationFactory, ChildFactory, GroupFactory
from vacancies.models import Seat

MOMENT = at_local(dt.date(2024, 6, 3), dt.time(10, 0))


def open_seat(group):
    return Seat.objects.create(
        group=group,
        state=Seat.State.OPEN,
        released_at=MOMENT,
        published_at=MOMENT,
        priority_from=MOMENT,
        general_from=MOMENT + dt.timedelta(days=3),
    )


def referral(seat, application, number, state=Referral.State.ISSUED):
    return Referral.objects.create(
        number=number,
        seat=seat,
        application=application,
        child=application.child,
        state=state,
        issued_at=MOMENT,
        valid_until=MOMENT + dt.timedelta(days=7),
    )


@pytest.fixture
def group(kindergarten_a):
    return GroupFactory(kindergarten=kindergarten_a)


def test_it_refuses_a_second_live_referral_for_one_seat(city, group):
    seat = open_seat(group)
    referral(seat, ApplicationFactory(city=city), "R-1")
    with pytest.raises(IntegrityError, match="referral_one_live_per_seat"), transaction.atomic():
        referral(seat, ApplicationFactory(city=city), "R-2")


def test_it_allows_a_new_referral_once_the_old_one_expired(city, group):
    seat = open_seat(group)
    old = referral(seat, ApplicationFactory(city=city), "R-1")
    Referral.objects.filter(pk=old.pk).update(state=Referral.State.EXPIRED, closed_at=MOMENT)
    referral(seat, ApplicationFactory(city=city), "R-2")
    assert Referral.objects.filter(seat=seat).count() == 2


def test_it_refuses_a_second_active_referral_for_one_child(city, group):
    application = ApplicationFactory(city=city)
    referral(open_seat(group), application, "R-1")
    with pytest.raises(IntegrityError, match="referral_one_active_per_child"), transaction.atomic():
        referral(open_seat(group), application, "R-2")


def test_it_refuses_a_second_active_application_for_one_child_in_one_city(city):
    child = ChildFactory()
    ApplicationFactory(child=child, city=city)
    with pytest.raises(IntegrityError, match="application_one_active_per_child_and_city"), transaction.atomic():
        ApplicationFactory(child=child, city=city)


def test_it_allows_a_new_application_after_the_old_one_was_withdrawn(city, other_city):
    child = ChildFactory()
    first = ApplicationFactory(child=child, city=city)
    ApplicationFactory(child=child, city=other_city)
    Application.objects.filter(pk=first.pk).update(state=Application.State.WITHDRAWN, closed_at=MOMENT)
    ApplicationFactory(child=child, city=city)
    assert Application.objects.filter(child=child, state="active").count() == 2


def test_it_refuses_a_referral_valid_before_it_was_issued(city, group):
    with pytest.raises(IntegrityError, match="referral_valid_after_issue"), transaction.atomic():
        Referral.objects.create(
            number="R-9",
            seat=open_seat(group),
            application=(app := ApplicationFactory(city=city)),
            child=app.child,
            issued_at=MOMENT,
            valid_until=MOMENT - dt.timedelta(hours=1),
        )
