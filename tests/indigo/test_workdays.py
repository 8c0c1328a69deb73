"""R-CAL-1 on real 2024 dates of Kazakhstan's calendar."""

import datetime as dt

import pytest

from indigo.workdays import WorkingCalendar, add_working_days, is_working_day
from vacancies.models import CalendarOverride

D = dt.date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2024, 5, 4), True),  # Saturday worked in exchange for Wednesday 8 May
        (D(2024, 5, 8), False),
        (D(2024, 3, 21), False),  # Nauryz
        (D(2024, 3, 22), False),
        (D(2024, 3, 23), False),
        (D(2024, 3, 25), False),  # Nauryz falling on Saturday, observed on Monday
        (D(2024, 3, 26), True),
        (D(2024, 5, 31), True),
        (D(2024, 6, 1), False),
        (D(2024, 7, 8), False),  # Capital Day observed
    ],
)
def test_it_knows_the_2024_calendar(day, working):
    assert is_working_day(day) is working


def test_it_adds_working_days_like_temirtaus_schedule():
    # Published Friday 31 May → priority Mon 3 – Wed 5 June.
    assert add_working_days(D(2024, 5, 31), 3) == D(2024, 6, 5)


def test_it_skips_holidays_and_counts_worked_saturdays():
    assert add_working_days(D(2024, 5, 3), 1) == D(2024, 5, 4)
    assert add_working_days(D(2024, 5, 6), 1) == D(2024, 5, 10)  # 7, 8 and 9 May are off
    assert add_working_days(D(2024, 5, 6), 2) == D(2024, 5, 13)
    assert add_working_days(D(2024, 3, 20), 1) == D(2024, 3, 26)


def test_it_returns_the_same_day_for_zero():
    assert add_working_days(D(2024, 6, 1), 0) == D(2024, 6, 1)


def test_it_refuses_negative_counts():
    with pytest.raises(ValueError):
        add_working_days(D(2024, 6, 1), -1)


@pytest.mark.django_db
def test_it_applies_the_city_overrides(city, other_city):
    CalendarOverride.objects.create(city=city, day=D(2024, 6, 4), kind="day_off", reason="Local mourning day")
    CalendarOverride.objects.create(city=city, day=D(2024, 6, 8), kind="working_day", reason="Moved working day")

    assert is_working_day(D(2024, 6, 4), city) is False
    assert is_working_day(D(2024, 6, 8), city) is True
    assert is_working_day(D(2024, 6, 4), other_city) is True
    assert add_working_days(D(2024, 5, 31), 3, city) == D(2024, 6, 6)
    assert add_working_days(D(2024, 5, 31), 3, other_city) == D(2024, 6, 5)


@pytest.mark.django_db
def test_it_reads_overrides_once_per_year(city, django_assert_num_queries):
    calendar = WorkingCalendar(city)
    with django_assert_num_queries(1):
        calendar.add_working_days(D(2024, 1, 1), 200)


def test_issue13_a_caller_may_give_the_overrides_instead_of_vacancies():
    """indigo imports no app: the overrides come from a loader (vacancies registers the usual one)."""
    asked = []

    def overrides(city, year):
        asked.append((city, year))
        return {D(2024, 6, 4): False, D(2024, 6, 8): True}

    calendar = WorkingCalendar("a city", overrides=overrides)
    assert calendar.is_working_day(D(2024, 6, 4)) is False
    assert calendar.is_working_day(D(2024, 6, 8)) is True
    assert calendar.is_working_day(D(2024, 6, 5)) is True
    assert asked == [("a city", 2024)]
