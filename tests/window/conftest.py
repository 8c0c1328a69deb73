"""A Temirtau market (2021, kk, general) in window mode: seats published Fri 31.05.2024 18:00 are in
the priority window until Sat 01.06 09:00; general access opens Thu 06.06 00:00, its window until 09:00."""

import datetime as dt

import pytest

from indigo.clock import at_local
from tests.factories import GroupFactory
from tests.placement.conftest import PUBLISHED, RELEASED, family  # noqa: F401
from vacancies.models import ClaimMode
from vacancies.protocol import protocol_publish
from vacancies.services import seat_release

IN_WINDOW = at_local(dt.date(2024, 5, 31), dt.time(21, 0))
CLOSE = at_local(dt.date(2024, 6, 1), dt.time(9, 0))
AFTER_CLOSE = at_local(dt.date(2024, 6, 1), dt.time(9, 0, 30))
GENERAL_OPEN = at_local(dt.date(2024, 6, 6), dt.time(0, 0))
GENERAL_CLOSE = at_local(dt.date(2024, 6, 6), dt.time(9, 0))


@pytest.fixture
def window_city(city):
    city.priority_mode = ClaimMode.WINDOW
    city.general_mode = ClaimMode.WINDOW
    city.save()
    return city


@pytest.fixture
def groups(kindergarten_a, kindergarten_b):
    return [
        GroupFactory(kindergarten=kindergarten_a, cohort=2021, language="kk", capacity=60, name="Айгөлек"),
        GroupFactory(kindergarten=kindergarten_b, cohort=2021, language="kk", capacity=60, name="Балапан"),
        GroupFactory(kindergarten=kindergarten_b, cohort=2021, language="kk", capacity=60, name="Құлыншақ"),
    ]


@pytest.fixture
def publish(window_city, groups):
    """Release seats per group (a list of counts) on Fri 31.05.2024 and publish them at 18:00."""

    def make(*counts: int):
        seats = []
        for group, count in zip(groups, counts, strict=False):
            if count:
                seats += seat_release(group=group, count=count, at=RELEASED)
        protocol_publish(city=window_city, cutoff=PUBLISHED)
        return seats

    return make
