import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from indigo.clock import at_local
from tests.factories import GroupFactory
from vacancies.models import Group, Protocol, Seat

CUTOFF = at_local(dt.date(2024, 5, 31), dt.time(18, 0))


def test_it_keeps_one_protocol_per_city_and_day(city):
    Protocol.objects.create(city=city, day=CUTOFF.date(), cutoff=CUTOFF, published_at=CUTOFF, sha256="a" * 64)
    with pytest.raises(IntegrityError, match="protocol_one_per_city_and_day"), transaction.atomic():
        Protocol.objects.create(
            city=city, day=CUTOFF.date(), cutoff=CUTOFF + dt.timedelta(minutes=1), published_at=CUTOFF, sha256="b" * 64
        )


def test_it_refuses_a_negative_capacity(kindergarten_a):
    group = GroupFactory(kindergarten=kindergarten_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Group.objects.filter(pk=group.pk).update(capacity=-1)


def test_it_refuses_an_open_seat_without_access_times(kindergarten_a):
    group = GroupFactory(kindergarten=kindergarten_a)
    with pytest.raises(IntegrityError, match="seat_open_has_access_times"), transaction.atomic():
        Seat.objects.create(group=group, state=Seat.State.OPEN, released_at=CUTOFF)


def test_it_refuses_general_access_before_priority_access(kindergarten_a):
    group = GroupFactory(kindergarten=kindergarten_a)
    with pytest.raises(IntegrityError, match="seat_general_after_priority"), transaction.atomic():
        Seat.objects.create(
            group=group,
            state=Seat.State.OPEN,
            released_at=CUTOFF,
            published_at=CUTOFF,
            priority_from=CUTOFF,
            general_from=CUTOFF - dt.timedelta(days=1),
        )
