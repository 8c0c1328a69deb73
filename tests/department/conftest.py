"""Department console fixtures: the 2024 summer window of the 2021 cohort and an administrator."""

import datetime as dt

import pytest

from accounts.models import User
from indigo.clock import at_local
from tests.factories import UserFactory
from vacancies.models import SummerWindow

D = dt.date


def local(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return at_local(day, dt.time(hour, minute))


@pytest.fixture
def window_2021(city):
    """Temirtau's 2024 dates for children born in 2021: priority Mon 03.06–Wed 05.06, general Thu 06.06."""
    return SummerWindow.objects.create(
        city=city,
        year=2024,
        cohort=2021,
        priority_start=D(2024, 6, 3),
        priority_end=D(2024, 6, 5),
        general_date=D(2024, 6, 6),
    )


@pytest.fixture
def administrator(db):
    return UserFactory(username="root", role=User.Role.ADMIN, is_staff=True, is_superuser=True)
