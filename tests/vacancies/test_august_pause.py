"""Issue 14 item 10 (R-S-4): days of the August pause count toward no window.

Dates from the 2024 and 2025 calendars as the `holidays` package (KZ) knows them: Capital Day moved
to Mon 08.07.2024 and Mon 07.07.2025; Constitution Day (30 August) fell on a Saturday in 2025 and moved
to Mon 01.09.2025, so that year the first working day after the pause is Tue 02.09.
"""

import datetime as dt

import pytest
import time_machine

from indigo.workdays import WorkingCalendar
from placement.services import claims
from tests.factories import GroupFactory
from tests.placement.conftest import family
from tests.vacancies.helpers import D, local
from vacancies.access import Stage, stage_at
from vacancies.models import Seat
from vacancies.protocol import protocol_publish
from vacancies.services import seat_release


@pytest.fixture
def group(kindergarten_a):
    return GroupFactory(kindergarten=kindergarten_a, cohort=2021, language="kk", capacity=10)


def published(group, day: dt.date) -> Seat:
    [seat] = seat_release(group=group, count=1, at=local(day, 9))
    protocol_publish(city=group.kindergarten.city, cutoff=local(day, 18))
    return Seat.objects.get(pk=seat.pk)


@pytest.mark.parametrize(
    ("publication", "priority_until", "general_from"),
    [
        # Tue 30.07.2024: Wed 31.07, then Mon 02.09 and Tue 03.09 → general access Wed 04.09.
        (D(2024, 7, 30), D(2024, 9, 3), D(2024, 9, 4)),
        # Fri 26.07.2024: Mon 29, Tue 30, Wed 31.07 → general access on the first working day after the pause.
        (D(2024, 7, 26), D(2024, 7, 31), D(2024, 9, 2)),
        # Wed 30.07.2025: Thu 31.07, then Tue 02.09 and Wed 03.09 (Mon 01.09 is Constitution Day's day off).
        (D(2025, 7, 30), D(2025, 9, 3), D(2025, 9, 4)),
        # Mon 28.07.2025: Tue 29, Wed 30, Thu 31.07 → general access Tue 02.09.2025.
        (D(2025, 7, 28), D(2025, 7, 31), D(2025, 9, 2)),
        # Thu 24.07.2025: untouched by the pause.
        (D(2025, 7, 24), D(2025, 7, 29), D(2025, 7, 30)),
    ],
)
def test_it_r_s_4_keeps_priority_days_across_the_august_pause(group, publication, priority_until, general_from):
    seat = published(group, publication)
    assert seat.priority_until == priority_until
    assert seat.general_from == local(general_from)


def test_it_r_s_4_lets_children_in_turn_claim_after_the_pause_in_priority_access(city, group):
    seats = seat_release(group=group, count=2, at=local(D(2024, 7, 30), 9))
    protocol_publish(city=city, cutoff=local(D(2024, 7, 30), 18))
    first_user, first = family(city, 1)
    second_user, second = family(city, 2)
    with time_machine.travel(local(D(2024, 7, 31), 10), tick=False):
        before_pause = claims.seat_claim(seat=seats[1], application=second, by=second_user)
    # R-S-8's five working days to enrol do not count the pause either: Mon 02.09 … Fri 06.09.
    assert before_pause.valid_until == local(D(2024, 9, 7))
    assert stage_at(Seat.objects.get(pk=seats[0].pk), local(D(2024, 8, 20), 10)) == Stage.PRIORITY
    with time_machine.travel(local(D(2024, 9, 3), 10), tick=False):
        after_pause = claims.seat_claim(seat=seats[0], application=first, by=first_user)
    assert after_pause.seat_id == seats[0].pk
    assert after_pause.valid_until == local(D(2024, 9, 11))


def test_it_r_s_4_does_not_count_the_pause_in_calendar_days(city, group):
    city.priority_window_unit, city.priority_window_length = "calendar", 1
    city.save()
    seat = published(group, D(2024, 7, 31))
    assert seat.priority_until == D(2024, 9, 1)
    assert seat.general_from == local(D(2024, 9, 2))


def test_it_r_s_4_skips_the_citys_own_pause_dates(city):
    city.august_pause_start, city.august_pause_end = "08-05", "08-25"
    calendar = WorkingCalendar(city)
    # Thu 01.08.2024 (1), Fri 02.08 (2), then Mon 26.08 (3).
    assert calendar.add_window_days(D(2024, 7, 31), 3) == D(2024, 8, 26)
    assert WorkingCalendar().add_window_days(D(2024, 7, 31), 3) == D(2024, 8, 5)


def test_it_r_s_4_explains_the_kept_days_on_the_rules_page(client, city, settings):
    settings.DEFAULT_CITY_SLUG = city.slug
    assert "Дни паузы не засчитываются" in client.get("/ru/how-it-works/").content.decode()
    assert "Үзіліс күндері есептелмейді" in client.get("/kk/how-it-works/").content.decode()
