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


@pytest.fixture
def scheduled(monkeypatch):
    """Tasks go to a broker (not run inline); what the claims schedule is recorded instead of sent."""
    from indigo.celery import app

    monkeypatch.setattr(app.conf, "task_always_eager", False)
    calls = []
    monkeypatch.setattr(notify_referrals_untold, "apply_async", lambda **options: calls.append(options))
    cache.delete(notifications._NOTICE_SCHEDULED)
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
    assert len(scheduled) == 2


def test_a_referral_nobody_scheduled_is_told_by_the_beats_run_R_S_7(city, open_seats, outbox, scheduled):
    # The server died between the commit and the scheduling: no on-commit callback ran.
    [referral] = _claims(city, open_seats, 1)
    assert scheduled == []
    with time_machine.travel(MONDAY + dt.timedelta(minutes=1), tick=False):
        assert notify_referrals_untold() == 1
    [message] = outbox
    assert referral.number in message.body
