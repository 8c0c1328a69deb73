"""Families hear what matters: the turn has come, a referral issued, ending tomorrow, expired."""

import datetime as dt

import pytest
import time_machine

from indigo.clock import at_local
from placement.models import TurnNotice
from placement.services import seat_claim
from placement.tasks import notify_referral_expired, notify_referral_issued, notify_referrals_expiring, notify_turns
from tests.placement.conftest import family

MONDAY = at_local(dt.date(2024, 6, 3), dt.time(10, 0))


def test_it_tells_the_first_families_their_turn_has_come_once_a_day(city, open_seats, outbox):
    open_seats(2)
    families = [family(city, n) for n in range(1, 5)]
    assert notify_turns(at=MONDAY.isoformat()) == 2
    assert {m.to for m in outbox} == {families[0][0].phone, families[1][0].phone}
    assert notify_turns(at=(MONDAY + dt.timedelta(hours=1)).isoformat()) == 0
    assert TurnNotice.objects.count() == 2


def test_it_sends_the_referral_in_the_parents_language(city, open_seats, outbox):
    [seat] = open_seats(1)
    user, application = family(city, 1)
    user.language = "ru"
    user.save()
    with time_machine.travel(MONDAY, tick=False):
        referral = seat_claim(seat=seat, application=application, by=user)
    assert notify_referral_issued(referral.pk) == 1
    [message] = outbox
    assert message.to == user.phone and referral.number in message.body


def test_it_reminds_the_day_before_the_end_once(city, open_seats, outbox):
    [seat] = open_seats(1)
    user, application = family(city, 1)
    with time_machine.travel(MONDAY, tick=False):
        referral = seat_claim(seat=seat, application=application, by=user)
    assert notify_referrals_expiring(at=at_local(dt.date(2024, 6, 8), dt.time(10)).isoformat()) == 0
    assert notify_referrals_expiring(at=at_local(dt.date(2024, 6, 10), dt.time(10)).isoformat()) == 1
    assert notify_referrals_expiring(at=at_local(dt.date(2024, 6, 10), dt.time(11)).isoformat()) == 0
    assert referral.number in outbox[0].body


def test_it_tells_the_family_the_referral_expired(city, open_seats, outbox):
    from placement.day_close import days_close

    [seat] = open_seats(1)
    user, application = family(city, 1)
    with time_machine.travel(MONDAY, tick=False):
        referral = seat_claim(seat=seat, application=application, by=user)
    days_close(city=city, until=at_local(dt.date(2024, 6, 11), dt.time(18)))
    assert notify_referral_expired(referral.pk) == 1
    assert referral.number in outbox[-1].body


def test_a_retried_referral_issued_task_sends_one_sms_R_S_8(city, open_seats, outbox):
    """ACKS_LATE runs a task again after a worker dies: the family still gets one message."""
    [seat] = open_seats(1)
    user, application = family(city, 1)
    with time_machine.travel(MONDAY, tick=False):
        referral = seat_claim(seat=seat, application=application, by=user)
    assert notify_referral_issued(referral.pk) == 1
    assert notify_referral_issued(referral.pk) == 0
    assert len(outbox) == 1


def test_a_referral_issued_task_that_failed_to_send_sends_on_retry_R_S_8(city, open_seats, outbox, monkeypatch):
    from indigo import senders
    from placement import tasks

    [seat] = open_seats(1)
    user, application = family(city, 1)
    with time_machine.travel(MONDAY, tick=False):
        referral = seat_claim(seat=seat, application=application, by=user)

    def gateway_down(phone, text):
        raise senders.SendError("gateway down")

    monkeypatch.setattr(tasks, "send_sms", gateway_down)
    with pytest.raises(senders.SendError):
        notify_referral_issued(referral.pk)
    monkeypatch.undo()
    assert notify_referral_issued(referral.pk) == 1
    assert notify_referral_issued(referral.pk) == 0
    assert [m.to for m in outbox] == [user.phone]
