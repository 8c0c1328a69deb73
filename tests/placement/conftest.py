"""A Temirtau market (2021, kk, general) with parents whose children queue for it."""

import datetime as dt

import pytest

from accounts.models import RepresentativeLink, User
from indigo.clock import at_local
from tests.factories import ApplicationFactory, ChildFactory, GroupFactory, UserFactory
from vacancies.protocol import protocol_publish
from vacancies.services import seat_release

FILED = at_local(dt.date(2022, 1, 10), dt.time(9, 0))
RELEASED = at_local(dt.date(2024, 5, 31), dt.time(9, 0))
PUBLISHED = at_local(dt.date(2024, 5, 31), dt.time(18, 0))


def family(city, n: int, *, username: str | None = None, birth=dt.date(2021, 3, 15)):
    """A verified parent and the n-th application of the market (filed n minutes after the first)."""
    user = UserFactory(username=username or f"parent-{n}", role=User.Role.PARENT, phone=f"+7702{n:07d}")
    child = ChildFactory(birth_date=birth)
    RepresentativeLink.objects.create(user=user, child=child, relation="parent", state="verified")
    application = ApplicationFactory(city=city, child=child, filed_at=FILED + dt.timedelta(minutes=n))
    return user, application


@pytest.fixture
def group(kindergarten_a):
    return GroupFactory(kindergarten=kindergarten_a, cohort=2021, language="kk", capacity=60, name="Айгөлек")


@pytest.fixture
def open_seats(city, group):
    """Release n seats on Fri 31.05.2024 and publish them at 18:00: priority access until Wed 05.06."""

    def make(n: int):
        seats = seat_release(group=group, count=n, at=RELEASED)
        protocol_publish(city=city, cutoff=PUBLISHED)
        return seats

    return make
