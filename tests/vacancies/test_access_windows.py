"""R-S-2, R-S-3, R-S-4 and the time zone: when published seats open, derived from timestamps."""

import datetime as dt

import pytest

from tests.factories import GroupFactory
from tests.vacancies.helpers import D, local
from vacancies.access import Stage, cutoffs_between, stage_at
from vacancies.models import CalendarOverride, Seat, SummerWindow, SummerWindowChange
from vacancies.protocol import protocol_publish
from vacancies.services import seat_release


@pytest.fixture
def group(kindergarten_a):
    return GroupFactory(kindergarten=kindergarten_a, cohort=2018, capacity=10)


def release_and_publish(group, released: dt.datetime, cutoff: dt.datetime) -> Seat:
    [seat] = seat_release(group=group, count=1, at=released)
    protocol_publish(city=group.kindergarten.city, cutoff=cutoff)
    return Seat.objects.get(pk=seat.pk)


def test_it_follows_temirtaus_example(group):
    seat = release_and_publish(group, local(D(2024, 5, 31), 10), local(D(2024, 5, 31), 18))
    assert seat.published_at == local(D(2024, 5, 31), 18)
    assert seat.priority_until == D(2024, 6, 5)
    assert seat.general_from == local(D(2024, 6, 6))
    assert stage_at(seat, local(D(2024, 6, 3), 9)) == Stage.PRIORITY
    assert stage_at(seat, local(D(2024, 6, 5), 23, 59)) == Stage.PRIORITY
    assert stage_at(seat, local(D(2024, 6, 6))) == Stage.GENERAL


def test_it_skips_public_holidays(group):
    # Published Wednesday 20 March 2024; 21–23 and the observed 25 March are Nauryz days off.
    seat = release_and_publish(group, local(D(2024, 3, 20), 9), local(D(2024, 3, 20), 18))
    assert seat.priority_until == D(2024, 3, 28)
    assert seat.general_from == local(D(2024, 3, 29))


def test_it_follows_a_calendar_override(group, city):
    CalendarOverride.objects.create(city=city, day=D(2024, 6, 4), kind="day_off", reason="Local day off")
    seat = release_and_publish(group, local(D(2024, 5, 31), 10), local(D(2024, 5, 31), 18))
    assert seat.priority_until == D(2024, 6, 6)
    assert seat.general_from == local(D(2024, 6, 7))


def test_it_can_count_calendar_days_as_astana_once_did(group, city):
    city.priority_window_unit = "calendar"
    city.priority_window_length = 1
    city.save()
    seat = release_and_publish(group, local(D(2024, 5, 31), 10), local(D(2024, 5, 31), 18))
    assert seat.priority_until == D(2024, 6, 1)
    assert seat.general_from == local(D(2024, 6, 2))


def test_it_does_not_publish_a_seat_released_after_the_cutoff(group):
    seat = release_and_publish(group, local(D(2024, 5, 31), 18, 1), local(D(2024, 5, 31), 18))
    assert seat.state == "released"
    assert stage_at(seat, local(D(2024, 6, 1))) == Stage.HELD


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [(D(2024, 2, 29), 12), (D(2024, 3, 1), 13), (D(2023, 12, 1), 12), (D(2024, 6, 1), 13)],
)
def test_it_cuts_off_at_18_astana_whatever_the_utc_offset(city, day, utc_hour):
    [cutoff] = cutoffs_between(city, None, local(day, 20))
    assert cutoff.astimezone(dt.UTC).hour == utc_hour
    assert cutoff.astimezone(dt.UTC).date() == day


class TestSummerSchedule:
    @pytest.fixture
    def window(self, city):
        return SummerWindow.objects.create(
            city=city,
            year=2024,
            cohort=2021,
            priority_start=D(2024, 6, 3),
            priority_end=D(2024, 6, 5),
            general_date=D(2024, 6, 6),
        )

    @pytest.fixture
    def group_2021(self, kindergarten_a):
        return GroupFactory(kindergarten=kindergarten_a, cohort=2021, capacity=10)

    def test_it_holds_seats_until_the_cohorts_window(self, window, group_2021):
        seat = release_and_publish(group_2021, local(D(2024, 5, 20), 10), local(D(2024, 5, 20), 18))
        assert seat.state == "open"
        assert seat.priority_from == local(D(2024, 6, 3))
        assert seat.priority_until == D(2024, 6, 5)
        assert seat.general_from == local(D(2024, 6, 6))
        assert stage_at(seat, local(D(2024, 5, 31), 12)) == Stage.SCHEDULED

    def test_it_honours_a_kindergartens_own_dates(self, window, group_2021, kindergarten_b):
        SummerWindowChange.objects.create(
            window=window,
            kindergarten=group_2021.kindergarten,
            priority_start=D(2024, 6, 10),
            priority_end=D(2024, 6, 12),
            general_date=D(2024, 6, 13),
            reason="Current repairs",
            created_at=local(D(2024, 5, 1)),
        )
        other = GroupFactory(kindergarten=kindergarten_b, cohort=2021, capacity=10)
        seat = release_and_publish(group_2021, local(D(2024, 5, 20), 10), local(D(2024, 5, 20), 18))
        other_seat = release_and_publish(other, local(D(2024, 5, 21), 10), local(D(2024, 5, 21), 18))
        assert (seat.priority_from, seat.general_from) == (local(D(2024, 6, 10)), local(D(2024, 6, 13)))
        assert (other_seat.priority_from, other_seat.general_from) == (local(D(2024, 6, 3)), local(D(2024, 6, 6)))

    def test_it_uses_the_regular_rule_after_the_window(self, window, group_2021):
        seat = release_and_publish(group_2021, local(D(2024, 6, 7), 10), local(D(2024, 6, 7), 18))
        assert seat.priority_from == local(D(2024, 6, 7), 18)
        assert seat.priority_until == D(2024, 6, 12)

    def test_it_publishes_nothing_in_the_august_pause(self, group_2021, city):
        [seat] = seat_release(group=group_2021, count=1, at=local(D(2024, 8, 5), 10))
        protocol_publish(city=city, cutoff=local(D(2024, 8, 5), 18))
        assert Seat.objects.get(pk=seat.pk).state == "released"
        protocol_publish(city=city, cutoff=local(D(2024, 9, 2), 18))
        assert Seat.objects.get(pk=seat.pk).state == "open"
