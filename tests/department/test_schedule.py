"""R-S-3: the department's summer schedule — validation, the public log, and which seats a change moves."""

import pytest
import time_machine
from django.utils import translation

from accounts.models import AuditLog
from indigo.errors import NotAllowed, ServiceError
from tests.department.conftest import D, local
from tests.factories import GroupFactory
from vacancies.models import CalendarOverride, Protocol, ScheduleLogEntry, Seat, SummerWindow, SummerWindowChange
from vacancies.protocol import SCHEDULE_CHANGE, protocol_publish
from vacancies.schedule.services import SummerDates, summer_change_delete, summer_change_save, summer_window_save
from vacancies.services import seat_release

GOOD = SummerDates(D(2024, 6, 3), D(2024, 6, 5), D(2024, 6, 6))


def save(city, officer, dates, cohort=2021, reason="Schedule approved"):
    return summer_window_save(city=city, year=2024, cohort=cohort, dates=dates, reason=reason, by=officer)


@pytest.fixture(autouse=True)
def _spring_2024():
    # Messages are checked in English, whatever language an earlier test left active.
    with time_machine.travel(local(D(2024, 5, 15), 10), tick=False), translation.override("en"):
        yield


def test_it_saves_a_new_window_and_logs_it_with_iso_dates(city, officer):
    window = save(city, officer, GOOD)
    assert (window.priority_start, window.priority_end, window.general_date) == (
        D(2024, 6, 3),
        D(2024, 6, 5),
        D(2024, 6, 6),
    )
    [entry] = ScheduleLogEntry.objects.filter(city=city)
    assert entry.before == {}
    assert entry.after == {"priority_start": "2024-06-03", "priority_end": "2024-06-05", "general_date": "2024-06-06"}
    assert entry.actor == officer
    assert entry.reason == "Schedule approved"
    assert entry.at == local(D(2024, 5, 15), 10)
    assert AuditLog.objects.filter(action="schedule.window_save", actor=officer, city=city).count() == 1


def test_it_logs_the_dates_before_and_after_a_change(city, officer, window_2021):
    moved = SummerDates(D(2024, 6, 10), D(2024, 6, 12), D(2024, 6, 13))
    save(city, officer, moved, reason="Heating repairs across the city")
    window_2021.refresh_from_db()
    assert window_2021.general_date == D(2024, 6, 13)
    entry = ScheduleLogEntry.objects.get(city=city)
    assert entry.before["general_date"] == "2024-06-06"
    assert entry.after["general_date"] == "2024-06-13"


@pytest.mark.parametrize(
    ("dates", "code", "words"),
    [
        (SummerDates(D(2024, 6, 5), D(2024, 6, 3), D(2024, 6, 6)), "dates_out_of_order", "cannot end before it starts"),
        (SummerDates(D(2024, 6, 3), D(2024, 6, 5), D(2024, 6, 5)), "dates_out_of_order", "after the last day"),
        (SummerDates(D(2024, 6, 3), D(2024, 6, 5), D(2024, 6, 4)), "dates_out_of_order", "after the last day"),
        # Saturday 1 June 2024.
        (SummerDates(D(2024, 6, 1), D(2024, 6, 5), D(2024, 6, 6)), "not_a_working_day", "start of priority access"),
        # Sunday 9 June 2024.
        (SummerDates(D(2024, 6, 3), D(2024, 6, 9), D(2024, 6, 10)), "not_a_working_day", "end of priority access"),
        # Saturday 8 June 2024.
        (SummerDates(D(2024, 6, 3), D(2024, 6, 5), D(2024, 6, 8)), "not_a_working_day", "general access date"),
        # 7 May is Defender of the Fatherland Day, a public holiday.
        (SummerDates(D(2024, 5, 7), D(2024, 5, 8), D(2024, 5, 10)), "not_a_working_day", "07.05.2024"),
        (SummerDates(D(2024, 4, 22), D(2024, 4, 24), D(2024, 4, 25)), "outside_season", "01.05.2024"),
        (SummerDates(D(2024, 7, 29), D(2024, 7, 31), D(2024, 8, 1)), "in_august_pause", "August pause"),
        (SummerDates(D(2024, 8, 5), D(2024, 8, 7), D(2024, 8, 8)), "in_august_pause", "August pause"),
        (SummerDates(D(2024, 9, 2), D(2024, 9, 4), D(2024, 9, 5)), "outside_season", "August pause"),
        (SummerDates(D(2025, 6, 2), D(2025, 6, 4), D(2025, 6, 5)), "wrong_year", "2024"),
    ],
)
def test_it_refuses_a_bad_date_range_with_a_clear_message(city, officer, dates, code, words):
    with pytest.raises(ServiceError) as refused:
        save(city, officer, dates)
    assert refused.value.code == code
    assert words in refused.value.detail
    assert not SummerWindow.objects.exists()
    assert not ScheduleLogEntry.objects.exists()


def test_it_refuses_a_day_the_city_made_a_day_off(city, officer):
    CalendarOverride.objects.create(city=city, day=D(2024, 6, 5), kind="day_off", reason="City day")
    with pytest.raises(ServiceError) as refused:
        save(city, officer, GOOD)
    assert refused.value.code == "not_a_working_day"


def test_it_follows_the_citys_own_august_pause(city, officer):
    city.august_pause_start = "07-15"
    city.save()
    with pytest.raises(ServiceError) as refused:
        save(city, officer, SummerDates(D(2024, 7, 15), D(2024, 7, 17), D(2024, 7, 18)))
    assert refused.value.code == "in_august_pause"


def test_it_refuses_a_cohort_not_of_kindergarten_age(city, officer):
    with pytest.raises(ServiceError) as refused:
        save(city, officer, GOOD, cohort=2024)
    assert refused.value.code == "invalid_cohort"


def test_it_wants_a_reason(city, officer):
    with pytest.raises(ServiceError) as refused:
        save(city, officer, GOOD, reason="   ")
    assert refused.value.code == "reason_required"


def test_it_says_when_nothing_changed(city, officer, window_2021):
    with pytest.raises(ServiceError) as refused:
        save(city, officer, GOOD)
    assert refused.value.code == "schedule_unchanged"


def test_it_refuses_an_officer_of_another_city(city, outsider):
    with pytest.raises(NotAllowed):
        save(city, outsider, GOOD)


def test_it_logs_a_kindergarten_change_and_its_removal(city, officer, window_2021, kindergarten_a):
    own = SummerDates(D(2024, 6, 17), D(2024, 6, 19), D(2024, 6, 20))
    change = summer_change_save(
        window=window_2021, kindergarten=kindergarten_a, dates=own, reason="Current repairs", by=officer
    )
    entry = ScheduleLogEntry.objects.get(kindergarten=kindergarten_a)
    assert entry.before == GOOD.as_json()
    assert entry.after == own.as_json()
    assert entry.reason == "Current repairs"

    summer_change_delete(change=change, reason="Repairs finished early", by=officer)
    assert not SummerWindowChange.objects.exists()
    last = ScheduleLogEntry.objects.order_by("-pk").first()
    assert (last.before, last.after, last.reason) == (own.as_json(), GOOD.as_json(), "Repairs finished early")


def test_it_refuses_a_kindergarten_of_another_city(window_2021, officer, other_city):
    from tests.factories import DistrictFactory, KindergartenFactory

    foreign = KindergartenFactory(district=DistrictFactory(city=other_city))
    with pytest.raises(NotAllowed):
        summer_change_save(window=window_2021, kindergarten=foreign, dates=GOOD, reason="x", by=officer)


def test_it_moves_the_unpublished_seats_of_that_kindergarten_only(
    city, officer, window_2021, kindergarten_a, kindergarten_b
):
    group_a = GroupFactory(kindergarten=kindergarten_a, cohort=2021, capacity=10)
    group_b = GroupFactory(kindergarten=kindergarten_b, cohort=2021, capacity=10)
    [published_a] = seat_release(group=group_a, count=1, at=local(D(2024, 5, 20), 10))
    protocol_publish(city=city, cutoff=local(D(2024, 5, 20), 18))

    [waiting_a] = seat_release(group=group_a, count=1, at=local(D(2024, 5, 21), 10))
    [waiting_b] = seat_release(group=group_b, count=1, at=local(D(2024, 5, 21), 10))
    with time_machine.travel(local(D(2024, 5, 21), 12), tick=False):
        summer_change_save(
            window=window_2021,
            kindergarten=kindergarten_a,
            dates=SummerDates(D(2024, 6, 10), D(2024, 6, 12), D(2024, 6, 13)),
            reason="Water pipes replaced",
            by=officer,
        )
    protocol = protocol_publish(city=city, cutoff=local(D(2024, 5, 21), 18))

    def windows(seat):
        seat = Seat.objects.get(pk=seat.pk)
        return seat.priority_from, seat.priority_until, seat.general_from

    assert windows(published_a) == (local(D(2024, 6, 3)), D(2024, 6, 5), local(D(2024, 6, 6)))
    assert windows(waiting_a) == (local(D(2024, 6, 10)), D(2024, 6, 12), local(D(2024, 6, 13)))
    assert windows(waiting_b) == (local(D(2024, 6, 3)), D(2024, 6, 5), local(D(2024, 6, 6)))
    [logged] = protocol.entries.filter(kind=SCHEDULE_CHANGE)
    assert logged.payload["reason"] == "Water pipes replaced"
    assert Protocol.objects.count() == 2


def test_it_moves_unpublished_seats_when_the_city_window_moves(city, officer, window_2021, kindergarten_a):
    group = GroupFactory(kindergarten=kindergarten_a, cohort=2021, capacity=10)
    [early] = seat_release(group=group, count=1, at=local(D(2024, 5, 20), 10))
    protocol_publish(city=city, cutoff=local(D(2024, 5, 20), 18))
    [late] = seat_release(group=group, count=1, at=local(D(2024, 5, 21), 10))
    with time_machine.travel(local(D(2024, 5, 21), 12), tick=False):
        save(city, officer, SummerDates(D(2024, 6, 4), D(2024, 6, 6), D(2024, 6, 7)), reason="Moved by a day")
    protocol_publish(city=city, cutoff=local(D(2024, 5, 21), 18))
    assert Seat.objects.get(pk=early.pk).general_from == local(D(2024, 6, 6))
    assert Seat.objects.get(pk=late.pk).general_from == local(D(2024, 6, 7))
