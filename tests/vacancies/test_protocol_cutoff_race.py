"""Issue 14 item 8 (R-P-1): a change stamped before 18:00 and committed after the protocol ran is in it.

Real sessions on PostgreSQL. A holder locks a seat row; at 17:59:59 a writer (a withdrawal, or a claim)
stamps its change and waits on that row; the clock moves to 18:00:05 and the 18:00 job runs; then the
holder lets go. The control switches the writer lock off and shows the change falling into no protocol.
"""

import datetime as dt
import threading
import time

import pytest
import time_machine
from django.db import connection, transaction

from indigo.clock import at_local
from placement.services import claims
from placement.tasks import close_days
from tests.factories import GroupFactory
from tests.placement.conftest import family
from tests.vacancies.helpers import D, local
from vacancies import services
from vacancies.models import Protocol, ProtocolEntry, Seat, SeatEvent
from vacancies.protocol import protocol_publish, protocols_catch_up
from vacancies.services import seat_release, seat_withdraw

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concurrency")]

BEFORE_CUTOFF = at_local(D(2024, 6, 6), dt.time(17, 59, 59))
JOB_RUNS = at_local(D(2024, 6, 6), dt.time(18, 0, 5))


@pytest.fixture
def seat(city, kindergarten_a):
    group = GroupFactory(kindergarten=kindergarten_a, cohort=2021, language="kk", capacity=5)
    [seat] = seat_release(group=group, count=1, at=local(D(2024, 5, 31), 9))
    protocol_publish(city=city, cutoff=local(D(2024, 5, 31), 18))
    # Protocols up to Wednesday; the seat is in general access from Thursday 06.06 00:00.
    protocols_catch_up(city=city, until=local(D(2024, 6, 5), 19))
    return Seat.objects.get(pk=seat.pk)


def wait_until(condition, timeout=10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def someone_waits_on_a_row() -> bool:
    with connection.cursor() as cursor:
        # pg_locks is the whole cluster's: count only waits in this test's database, or another suite
        # running beside this one makes the clock move before our writer has even reached the row.
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE NOT l.granted AND l.locktype IN ('transactionid', 'tuple') AND a.datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


def across_the_cutoff(seat: Seat, write) -> dict:
    """Hold the seat's row; `write` at 17:59:59 waits on it; the 18:00 job runs at 18:00:05; then let go."""
    held, release = threading.Event(), threading.Event()
    outcome = {}

    def hold():
        try:
            with transaction.atomic():
                # NO KEY UPDATE: it stops the writer, not the protocol's rows referring to the seat.
                Seat.objects.select_for_update(no_key=True).get(pk=seat.pk)
                held.set()
                release.wait(timeout=20)
        finally:
            connection.close()

    def run(name, action):
        try:
            outcome[name] = action()
        except Exception as error:  # noqa: BLE001 - the test asserts on it
            outcome[name] = error
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    writer = threading.Thread(target=run, args=("write", write))
    job = threading.Thread(target=run, args=("job", close_days))
    with time_machine.travel(BEFORE_CUTOFF, tick=False) as traveller:
        holder.start()
        assert held.wait(timeout=10)
        writer.start()
        assert wait_until(someone_waits_on_a_row), "the writer should wait on the seat's row"
        traveller.move_to(JOB_RUNS, tick=False)
        job.start()
        job.join(timeout=1.0)
        outcome["job_waited"] = job.is_alive()
        release.set()
        for thread in (holder, writer, job):
            thread.join(timeout=20)
    return outcome


def listed(event: SeatEvent) -> list[dt.date]:
    """The days of the protocols that list this change."""
    return list(
        ProtocolEntry.objects.filter(kind=event.kind, seat_id=event.seat_id, at=event.at)
        .order_by("protocol__day")
        .values_list("protocol__day", flat=True)
    )


def test_it_item_8_r_p_1_lists_a_withdrawal_stamped_before_the_cutoff_and_committed_after(city, seat, staff_a):
    outcome = across_the_cutoff(seat, lambda: seat_withdraw(seat=seat, reason="repairs", by=staff_a))
    assert outcome["job_waited"], "the protocol should wait for the change stamped before its cutoff"
    assert outcome["write"].state == "withdrawn"
    assert outcome["job"] == {city.slug: ["2024-06-06"]}
    protocols_catch_up(city=city, until=local(D(2024, 6, 7), 19))

    withdrawal = SeatEvent.objects.get(kind="withdrawn")
    assert withdrawal.at == BEFORE_CUTOFF
    assert listed(withdrawal) == [D(2024, 6, 6)]
    thursday = Protocol.objects.get(day=D(2024, 6, 6))
    entries = list(thursday.entries.order_by("position"))
    assert [entry.at for entry in entries] == sorted(entry.at for entry in entries)


def test_it_item_8_r_p_1_lists_a_claim_stamped_before_the_cutoff_and_committed_after(city, seat):
    user, application = family(city, 1)
    outcome = across_the_cutoff(seat, lambda: claims.seat_claim(seat=seat, application=application, by=user))
    assert outcome["job_waited"]
    assert outcome["write"].seat_id == seat.pk, outcome["write"]
    protocols_catch_up(city=city, until=local(D(2024, 6, 7), 19))
    claim = SeatEvent.objects.get(kind="claimed")
    assert claim.at == BEFORE_CUTOFF
    assert listed(claim) == [D(2024, 6, 6)]


def test_it_item_8_control_without_the_writer_lock_a_late_commit_is_in_no_protocol(city, seat, staff_a, monkeypatch):
    from indigo import clock

    monkeypatch.setattr(services, "protocol_write_begin", lambda city_id: clock.now())
    outcome = across_the_cutoff(seat, lambda: seat_withdraw(seat=seat, reason="repairs", by=staff_a))
    assert not outcome["job_waited"]
    assert outcome["write"].state == "withdrawn"
    protocols_catch_up(city=city, until=local(D(2024, 6, 7), 19))

    withdrawal = SeatEvent.objects.get(kind="withdrawn")
    assert withdrawal.at == BEFORE_CUTOFF
    assert listed(withdrawal) == []
