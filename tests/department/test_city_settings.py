"""City rules: bounded, logged with before and after, and in force from the next protocol."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from accounts.models import AuditLog
from indigo.errors import NotAllowed, ServiceError
from tests.department.conftest import D, local
from tests.factories import GroupFactory
from vacancies.city_settings import city_settings_update
from vacancies.models import City, CitySettingsChange, Seat, SummerWindow
from vacancies.protocol import protocol_publish
from vacancies.services import seat_release


@pytest.fixture(autouse=True)
def _spring_2024():
    with time_machine.travel(local(D(2024, 5, 27), 9), tick=False):
        yield


def update(city, officer, reason="Decision of the akimat", **values):
    return city_settings_update(city=city, values=values, reason=reason, by=officer)


def test_it_logs_only_what_changed_as_json(city, officer):
    change = update(city, officer, priority_window_length=5, priority_pool_factor=Decimal("1.50"), stop_list_days=10)
    assert change.before == {"priority_window_length": 3, "priority_pool_factor": "1"}
    assert change.after == {"priority_window_length": 5, "priority_pool_factor": "1.50"}
    assert (change.actor, change.reason, change.at) == (officer, "Decision of the akimat", local(D(2024, 5, 27), 9))
    stored = City.objects.get(pk=city.pk)
    assert (stored.priority_window_length, stored.priority_pool_factor) == (5, Decimal("1.50"))
    assert AuditLog.objects.get(action="city.settings_update").data["after"] == change.after


def test_it_logs_times_and_month_days_readably(city, officer):
    change = update(city, officer, publication_time=dt.time(17, 0), august_pause_end="08-25")
    assert change.after == {"august_pause_end": "08-25", "publication_time": "17:00"}


def test_it_applies_from_the_next_protocol(city, officer, kindergarten_a):
    group = GroupFactory(kindergarten=kindergarten_a, cohort=2018, capacity=10)
    [before] = seat_release(group=group, count=1, at=local(D(2024, 5, 27), 10))
    protocol_publish(city=city, cutoff=local(D(2024, 5, 27), 18))
    [after] = seat_release(group=group, count=1, at=local(D(2024, 5, 28), 10))
    with time_machine.travel(local(D(2024, 5, 28), 12), tick=False):
        update(city, officer, priority_window_length=5)
    protocol_publish(city=city, cutoff=local(D(2024, 5, 28), 18))
    assert Seat.objects.get(pk=before.pk).priority_until == D(2024, 5, 30)
    # Tuesday 28.05 + 5 working days: 29, 30, 31 May, 3 and 4 June.
    assert Seat.objects.get(pk=after.pk).priority_until == D(2024, 6, 4)


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"priority_window_length": 0}, "setting_out_of_range"),
        ({"priority_window_length": 40}, "setting_out_of_range"),
        ({"priority_pool_factor": Decimal("0.5")}, "setting_out_of_range"),
        ({"stop_list_days": 500}, "setting_out_of_range"),
        ({"referral_extension_max_days": 31}, "setting_out_of_range"),
        ({"publication_time": dt.time(19, 0)}, "setting_out_of_range"),
        ({"publication_time": dt.time(17, 0, 30)}, "setting_invalid"),
        ({"priority_window_unit": "weeks"}, "setting_invalid"),
        ({"august_pause_start": "02-30"}, "setting_invalid"),
        ({"august_pause_start": "08-20", "august_pause_end": "08-10"}, "setting_invalid"),
        ({"recruitment_season_start": "08-05"}, "setting_invalid"),
        ({"interleave_general": None}, "setting_required"),
        ({"role": "admin"}, "setting_unknown"),
    ],
)
def test_it_refuses_unsafe_values(city, officer, values, code):
    with pytest.raises(ServiceError) as refused:
        update(city, officer, **values)
    assert refused.value.code == code
    assert refused.value.detail
    assert not CitySettingsChange.objects.exists()


def test_it_refuses_a_season_that_would_strand_the_announced_schedule(city, officer):
    SummerWindow.objects.create(
        city=city,
        year=2024,
        cohort=2021,
        priority_start=D(2024, 6, 3),
        priority_end=D(2024, 6, 5),
        general_date=D(2024, 6, 6),
    )
    with pytest.raises(ServiceError) as refused:
        update(city, officer, recruitment_season_start="06-05")
    assert refused.value.code == "schedule_outside_season"
    with pytest.raises(ServiceError):
        update(city, officer, august_pause_start="06-06")


def test_it_says_when_nothing_changed(city, officer):
    with pytest.raises(ServiceError) as refused:
        update(city, officer, priority_window_length=3)
    assert refused.value.code == "settings_unchanged"


def test_it_wants_a_reason(city, officer):
    with pytest.raises(ServiceError) as refused:
        update(city, officer, reason="", priority_window_length=4)
    assert refused.value.code == "reason_required"


def test_it_refuses_an_officer_of_another_city(city, outsider):
    with pytest.raises(NotAllowed):
        update(city, outsider, priority_window_length=4)
    assert City.objects.get(pk=city.pk).priority_window_length == 3
