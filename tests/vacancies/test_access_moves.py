"""Issue 14 item 7 (R-P-1, R-P-2): two advance_access runs at once record each move to general access once.

Real concurrent sessions on PostgreSQL. The first run is held just before it writes, after it has
read which seats are due; the second starts then. The control switches the city lock off (and the
unique constraint behind it) to show the duplicate really happens.
"""

import threading

import pytest
from django.db import IntegrityError, connection

from tests.factories import GroupFactory
from tests.vacancies.helpers import D, local
from vacancies import services
from vacancies.models import SeatEvent
from vacancies.protocol import protocol_publish
from vacancies.services import access_moves_record, seat_release

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concurrency")]

AFTER_MIDNIGHT = local(D(2024, 6, 6), 0, 1)


@pytest.fixture
def due_seats(city, kindergarten_a):
    seat_release(group=GroupFactory(kindergarten=kindergarten_a, cohort=2018), count=2, at=local(D(2024, 5, 31), 9))
    protocol_publish(city=city, cutoff=local(D(2024, 5, 31), 18))  # general access from Thu 06.06 00:00
    return city


def race(city, monkeypatch):
    """Run two moves at once, the first paused right before its insert; (first outcome, second outcome)."""
    read, go = threading.Event(), threading.Event()
    original = SeatEvent.objects.bulk_create

    def paused_insert(objs, *args, **kwargs):
        if threading.current_thread().name == "first":
            read.set()
            go.wait(timeout=10)
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(SeatEvent.objects, "bulk_create", paused_insert)
    outcomes = {}

    def run():
        try:
            outcomes[threading.current_thread().name] = access_moves_record(city=city, until=AFTER_MIDNIGHT)
        except Exception as error:  # noqa: BLE001 - the test asserts on it
            outcomes[threading.current_thread().name] = error
        finally:
            connection.close()

    first = threading.Thread(target=run, name="first")
    second = threading.Thread(target=run, name="second")
    first.start()
    assert read.wait(timeout=10)
    second.start()
    second.join(timeout=1)
    second_waited = second.is_alive()
    go.set()
    first.join(timeout=10)
    second.join(timeout=10)
    return outcomes["first"], outcomes["second"], second_waited


def general_events():
    return SeatEvent.objects.filter(kind=SeatEvent.Kind.GENERAL_ACCESS).count()


def test_it_item_7_r_p_2_records_each_move_to_general_access_once_when_two_runs_race(due_seats, monkeypatch):
    first, second, second_waited = race(due_seats, monkeypatch)
    assert second_waited, "the second run should wait for the first one's city lock"
    assert (first, second) == (2, 0)
    assert general_events() == 2
    protocol = protocol_publish(city=due_seats, cutoff=local(D(2024, 6, 6), 18))
    assert list(protocol.entries.values_list("kind", flat=True)) == ["general", "general"]


def test_it_item_7_control_without_the_lock_the_constraint_refuses_the_second_record(due_seats, monkeypatch):
    monkeypatch.setattr(services, "city_lock", lambda city_id: None)
    first, second, second_waited = race(due_seats, monkeypatch)
    assert not second_waited
    assert second == 2
    assert isinstance(first, IntegrityError)
    assert "seat_event_general_once_per_opening" in str(first)
    assert general_events() == 2


def test_it_item_7_control_without_lock_and_constraint_records_every_move_twice(due_seats, monkeypatch):
    monkeypatch.setattr(services, "city_lock", lambda city_id: None)
    [constraint] = [c for c in SeatEvent._meta.constraints if c.name == "seat_event_general_once_per_opening"]
    with connection.schema_editor() as editor:
        editor.remove_constraint(SeatEvent, constraint)
    try:
        first, second, _waited = race(due_seats, monkeypatch)
        assert (first, second) == (2, 2)
        assert general_events() == 4
    finally:
        SeatEvent.objects.filter(kind=SeatEvent.Kind.GENERAL_ACCESS).delete()
        with connection.schema_editor() as editor:
            editor.add_constraint(SeatEvent, constraint)


def test_it_item_12_refuses_to_record_moves_for_a_future_moment(city):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="in the future"):
        call_command("advance_access", "--at", "2999-01-01T00:00")
