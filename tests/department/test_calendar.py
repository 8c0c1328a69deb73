"""R-CAL-1: the city's own days off and working days, and which seats they move."""

import pytest
import time_machine

from accounts.models import AuditLog
from indigo.errors import Conflict, NotAllowed, ServiceError
from indigo.workdays import WorkingCalendar
from tests.department.conftest import D, local
from tests.factories import GroupFactory
from vacancies.calendar_services import calendar_override_add, calendar_override_remove
from vacancies.models import CalendarOverride, Seat
from vacancies.protocol import protocol_publish
from vacancies.services import seat_release


@pytest.fixture(autouse=True)
def _late_may_2024():
    with time_machine.travel(local(D(2024, 5, 27), 9), tick=False):
        yield


def test_it_moves_the_general_access_of_an_unpublished_seat_only(city, officer, kindergarten_a):
    group = GroupFactory(kindergarten=kindergarten_a, cohort=2018, capacity=10)
    # Published Monday 27.05: priority until Thursday 30.05, general from Friday 31.05.
    [published] = seat_release(group=group, count=1, at=local(D(2024, 5, 27), 10))
    protocol_publish(city=city, cutoff=local(D(2024, 5, 27), 18))
    [waiting] = seat_release(group=group, count=1, at=local(D(2024, 5, 28), 10))

    with time_machine.travel(local(D(2024, 5, 28), 11), tick=False):
        calendar_override_add(city=city, day=D(2024, 5, 30), kind="day_off", reason="City Day", by=officer)
    protocol_publish(city=city, cutoff=local(D(2024, 5, 28), 18))

    published = Seat.objects.get(pk=published.pk)
    waiting = Seat.objects.get(pk=waiting.pk)
    assert (published.priority_until, published.general_from) == (D(2024, 5, 30), local(D(2024, 5, 31)))
    # Published Tuesday 28.05: Wed 29, (Thu 30 off), Fri 31, Mon 03.06, so general access on Tuesday 04.06.
    assert (waiting.priority_until, waiting.general_from) == (D(2024, 6, 3), local(D(2024, 6, 4)))


def test_it_can_make_a_saturday_a_working_day(city, officer):
    calendar_override_add(city=city, day=D(2024, 6, 1), kind="working_day", reason="Worked Saturday", by=officer)
    assert WorkingCalendar(city).is_working_day(D(2024, 6, 1))


def test_it_audits_adding_and_removing(city, officer):
    override = calendar_override_add(city=city, day=D(2024, 6, 4), kind="day_off", reason="Flood", by=officer)
    assert override.created_by == officer
    calendar_override_remove(override=override, reason="Water receded", by=officer)
    assert not CalendarOverride.objects.exists()
    actions = list(AuditLog.objects.filter(city=city).order_by("pk").values_list("action", "data"))
    assert actions == [
        ("calendar.override_add", {"day": "2024-06-04", "kind": "day_off", "reason": "Flood"}),
        ("calendar.override_remove", {"day": "2024-06-04", "kind": "day_off", "reason": "Water receded"}),
    ]


@pytest.mark.parametrize(
    ("day", "kind", "code"),
    [
        (D(2024, 6, 1), "day_off", "already_day_off"),  # a Saturday
        (D(2024, 7, 8), "day_off", "already_day_off"),  # Capital Day moved to Monday 8 July 2024
        (D(2024, 6, 4), "working_day", "already_working_day"),
        (D(2024, 5, 20), "day_off", "day_in_past"),
        (D(2024, 6, 4), "holiday", "invalid_kind"),
    ],
)
def test_it_refuses_a_change_that_changes_nothing_or_the_past(city, officer, day, kind, code):
    with pytest.raises(ServiceError) as refused:
        calendar_override_add(city=city, day=day, kind=kind, reason="Because", by=officer)
    assert refused.value.code == code


def test_it_wants_a_reason(city, officer):
    with pytest.raises(ServiceError) as refused:
        calendar_override_add(city=city, day=D(2024, 6, 4), kind="day_off", reason="", by=officer)
    assert refused.value.code == "reason_required"


def test_it_refuses_a_second_change_of_one_day(city, officer):
    calendar_override_add(city=city, day=D(2024, 6, 4), kind="day_off", reason="Flood", by=officer)
    with pytest.raises(Conflict):
        calendar_override_add(city=city, day=D(2024, 6, 4), kind="day_off", reason="Again", by=officer)


def test_it_refuses_an_officer_of_another_city(city, outsider):
    with pytest.raises(NotAllowed):
        calendar_override_add(city=city, day=D(2024, 6, 4), kind="day_off", reason="Flood", by=outsider)
