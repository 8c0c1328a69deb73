"""R-S-7: every referral issued is told to the family once, and in a rush the claims of one moment share
one task instead of publishing one each (placement/notifications.py)."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache

from indigo.clock import at_local
from placement import notifications
from placement.services import seat_claim
from placement.tasks import notify_referrals_untold
from tests.placement.conftest import family

MONDAY = at_local(dt.date(2024, 6, 3), dt.time(10, 0))


class _Calls(list):
    clock: list[float]


@pytest.fixture
def scheduled(monkeypatch):
    """Tasks go to a broker (not run inline); what the claims schedule is recorded instead of sent."""
    from indigo.celery import app

    monkeypatch.setattr(app.conf, "task_always_eager", False)
    calls = _Calls()
    monkeypatch.setattr(notify_referrals_untold, "apply_async", lambda **options: calls.append(options))
    cache.delete(notifications._NOTICE_SCHEDULED)
    # The process's memory of a scheduled task runs on a monotonic clock, which time_machine leaves alone.
    clock = [1000.0]
    monkeypatch.setattr(notifications, "_clock", lambda: clock[0])
    monkeypatch.setattr(notifications, "_scheduled_until", [0.0])
    calls.clock = clock
    yield calls
    cache.delete(notifications._NOTICE_SCHEDULED)


def _claims(city, open_seats, count):
    seats = open_seats(count)
    referrals = []
    with time_machine.travel(MONDAY, tick=False):
        for number, seat in enumerate(seats, start=1):
            user, application = family(city, number)
            referrals.append(seat_claim(seat=seat, application=application, by=user))
    return referrals


def test_the_claims_of_one_moment_schedule_one_task_that_tells_every_family_once_R_S_7(
    city, open_seats, outbox, scheduled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referrals = _claims(city, open_seats, 3)
    assert len(scheduled) == 1  # one task for the three claims
    assert scheduled[0]["countdown"] > notifications.NOTICE_BATCH_S  # after the key is gone
    with time_machine.travel(MONDAY + dt.timedelta(seconds=2), tick=False):
        assert notify_referrals_untold() == 3
        assert notify_referrals_untold() == 0  # run again (a retry, the beat): nobody hears it twice
    assert len(outbox) == 3
    assert all(any(referral.number in message.body for message in outbox) for referral in referrals)


def test_once_the_moment_has_passed_the_next_claim_schedules_again(
    city, open_seats, scheduled, django_capture_on_commit_callbacks
):
    seats = open_seats(2)
    with time_machine.travel(MONDAY, tick=False):
        for number, seat in enumerate(seats, start=1):
            user, application = family(city, number)
            with django_capture_on_commit_callbacks(execute=True):
                seat_claim(seat=seat, application=application, by=user)
            cache.delete(notifications._NOTICE_SCHEDULED)  # the key's second is over
            scheduled.clock[0] += notifications.NOTICE_BATCH_S
    assert len(scheduled) == 2


def test_a_process_asks_the_cache_once_a_moment_not_once_a_claim_R_S_7(
    city, open_seats, scheduled, django_capture_on_commit_callbacks, monkeypatch
):
    asked = []
    real_add = cache.add
    monkeypatch.setattr(cache, "add", lambda *args, **kwargs: asked.append(args[0]) or real_add(*args, **kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        _claims(city, open_seats, 3)
    assert asked.count(notifications._NOTICE_SCHEDULED) == 1 and len(scheduled) == 1


def test_a_task_scheduled_by_another_process_takes_this_ones_claims_until_it_may_start_R_S_7(
    city, open_seats, scheduled, django_capture_on_commit_callbacks
):
    cache.add(notifications._NOTICE_SCHEDULED, 0, timeout=notifications.NOTICE_BATCH_S)  # another server's
    seats = open_seats(2)
    with time_machine.travel(MONDAY, tick=False):
        user, application = family(city, 1)
        with django_capture_on_commit_callbacks(execute=True):
            seat_claim(seat=seats[0], application=application, by=user)
        assert scheduled == []  # the other's task, due at least the margin from now, takes it
        # Past the margin this process no longer counts on that task: it asks, and with the key gone schedules.
        cache.delete(notifications._NOTICE_SCHEDULED)
        scheduled.clock[0] += notifications._NOTICE_MARGIN_S
        user, application = family(city, 2)
        with django_capture_on_commit_callbacks(execute=True):
            seat_claim(seat=seats[1], application=application, by=user)
    assert len(scheduled) == 1


def test_a_referral_nobody_scheduled_is_told_by_the_beats_run_R_S_7(city, open_seats, outbox, scheduled):
    # The server died between the commit and the scheduling: no on-commit callback ran.
    [referral] = _claims(city, open_seats, 1)
    assert scheduled == []
    with time_machine.travel(MONDAY + dt.timedelta(minutes=1), tick=False):
        assert notify_referrals_untold() == 1
    [message] = outbox
    assert referral.number in message.body
