"""R-S-5 (a withdrawal at any time) and R-S-7 (claims under a lock): every path that locks rows waits
a bounded time (indigo/locking.py). A withdrawal behind a claim that holds the seat is told "busy, try
again" within the lock timeout; the control shows that without the timeout it waits for as long as
the lock is held."""

import threading
import time

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from indigo import locking
from indigo.errors import Busy
from tests.factories import GroupFactory
from vacancies.models import Seat
from vacancies.services import seat_release, seat_withdraw

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concurrency")]

TIMEOUT_MS = 300


@pytest.fixture
def seat(kindergarten_a, settings):
    settings.LOCK_TIMEOUT_MS = TIMEOUT_MS
    return seat_release(group=GroupFactory(kindergarten=kindergarten_a, capacity=5), count=1)[0]


class HeldLock:
    """Another transaction (a claim in flight) holding the seat's row lock until released."""

    def __init__(self, seat_pk: int):
        self.locked, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold, args=(seat_pk,))

    def _hold(self, seat_pk: int) -> None:
        try:
            with transaction.atomic():
                list(Seat.objects.select_for_update().filter(pk=seat_pk))
                self.locked.set()
                self.release.wait(timeout=30)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.locked.wait(timeout=10)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(timeout=10)


def test_it_answers_busy_within_the_timeout_when_the_seat_is_locked(seat, staff_a):
    with HeldLock(seat.pk):
        started = time.monotonic()
        with pytest.raises(Busy) as error:
            seat_withdraw(seat=seat, reason="repairs", by=staff_a)
        waited = time.monotonic() - started
    assert error.value.code == "busy" and error.value.status == 503
    assert TIMEOUT_MS / 1000 * 0.8 <= waited < TIMEOUT_MS / 1000 + 2
    seat.refresh_from_db()
    assert seat.state == Seat.State.RELEASED


def test_the_api_answers_503_with_a_message_in_the_users_language(seat, staff_a):
    api = APIClient()
    api.force_authenticate(staff_a)
    with HeldLock(seat.pk):
        response = api.post(
            f"/api/v1/seats/{seat.pk}/withdraw/", {"reason": "repairs"}, format="json", HTTP_ACCEPT_LANGUAGE="ru"
        )
    assert response.status_code == 503
    assert response.json()["code"] == "busy"
    assert "Попробуйте" in response.json()["detail"]


def test_control_without_the_timeout_the_withdrawal_waits_for_the_lock(seat, staff_a, monkeypatch):
    monkeypatch.setattr(locking, "lock_timeout_set", lambda: None)
    outcome = []

    def withdraw():
        try:
            outcome.append(seat_withdraw(seat=seat, reason="repairs", by=staff_a).state)
        except Exception as error:  # noqa: BLE001 - reported by the test
            outcome.append(error)
        finally:
            connection.close()

    worker = threading.Thread(target=withdraw)
    with HeldLock(seat.pk):
        worker.start()
        worker.join(timeout=TIMEOUT_MS / 1000 * 4)
        assert worker.is_alive(), outcome  # still waiting, well past the timeout it no longer has
    worker.join(timeout=10)
    assert outcome == [Seat.State.WITHDRAWN]
