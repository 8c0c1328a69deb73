"""R-A-4 on the claim's hot path: the referral, the seat, its event and the audit entry are one statement
(placement/services/claims.py), so a claim leaves its audit entry, and a refused one leaves none."""

import datetime as dt

import pytest
import time_machine

from accounts.models import AuditLog
from indigo.clock import at_local
from indigo.errors import ServiceError
from placement.services import seat_claim
from tests.placement.conftest import family
from vacancies.models import SeatEvent

MONDAY = at_local(dt.date(2024, 6, 3), dt.time(10, 0))


def test_a_claim_writes_its_audit_entry_and_seat_event_with_the_referral_R_A_4_R_S_7(city, open_seats):
    [seat] = open_seats(1)
    user, application = family(city, 1)
    with time_machine.travel(MONDAY, tick=False):
        referral = seat_claim(seat=seat, application=application, by=user)
    [entry] = AuditLog.objects.filter(action="referral.issue")
    assert entry.actor_id == user.pk and entry.city_id == city.pk and entry.at == referral.issued_at
    assert entry.data == {"referrals": [referral.number], "seats": [seat.pk]}
    [event] = SeatEvent.objects.filter(seat=seat, kind=SeatEvent.Kind.CLAIMED)
    assert event.actor_id == user.pk and event.data["referral"] == referral.number


def test_a_refused_claim_leaves_no_audit_entry_R_A_4(city, open_seats):
    [seat] = open_seats(1)
    first_user, first = family(city, 1)
    user, second = family(city, 2)
    with time_machine.travel(MONDAY, tick=False):
        seat_claim(seat=seat, application=first, by=first_user)
        with pytest.raises(ServiceError):
            seat_claim(seat=seat, application=second, by=user)
    assert AuditLog.objects.filter(action="referral.issue").count() == 1
