"""Issue 14, item 6 (R-P-4): a reason that goes public is a choice from a list; what people type is a
note that is never published (not in the protocol, not on public pages, not in the public API).

Every place a reason is given: staff withdraw a seat (page, API), the family refuses a referral
(staff on the QR page, the parent in the cabinet, the API), staff record a departure (page, API).
"""

import datetime as dt
import importlib
import json

import pytest
import time_machine
from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import AuditLog
from indigo.clock import at_local
from indigo.errors import ServiceError
from placement.day_close import day_close
from placement.models import Referral
from placement.services import referral_enrol, seat_claim
from tests.factories import GroupFactory
from tests.placement.conftest import family
from vacancies.models import Protocol, Seat, SeatEvent
from vacancies.protocol import protocol_csv, protocol_document
from vacancies.reasons import REASON_CODES, RefusalReason, reason_label
from vacancies.services import seat_release, seat_withdraw

CONFIRMED = {"confirmed": "yes"}  # the second step of a refusal (issue 12)

pytestmark = pytest.mark.django_db

# Free text as staff or a parent might type it: a name that must never be published.
NOTE = "Айгерім Серікова asked us, call +77010000001"


def local(day, hour=0, minute=0):
    return at_local(day, dt.time(hour, minute))


@pytest.fixture
def group(kindergarten_a):
    return GroupFactory(kindergarten=kindergarten_a, cohort=2021, language="kk", capacity=10)


@pytest.fixture
def claimed(city, group):
    """A seat published Fri 26 Apr 2024 and claimed by a family on Mon 6 May."""
    [seat] = seat_release(group=group, count=1, at=local(dt.date(2024, 4, 26), 9))
    day_close(city=city, cutoff=local(dt.date(2024, 4, 26), 18))
    user, application = family(city, 1)
    with time_machine.travel(local(dt.date(2024, 5, 6), 10), tick=False):
        referral = seat_claim(seat=Seat.objects.get(pk=seat.pk), application=application, by=user)
    return user, referral


def published_everywhere(client, city, day: dt.date) -> str:
    """Everything the public can read about a day's protocol: JSON, CSV, the page, the API."""
    protocol = day_close(city=city, cutoff=local(day, 18))
    api = APIClient()
    return "\n".join(
        [
            json.dumps(protocol_document(protocol), ensure_ascii=False),
            protocol_csv(protocol),
            client.get(f"/ru/protocols/{protocol.day}/").content.decode(),
            api.get(f"/api/v1/protocols/{protocol.pk}/").content.decode(),
            api.get(f"/api/v1/protocols/{protocol.pk}/", {"format": "csv"}).content.decode(),
            client.get("/ru/vacancies/").content.decode(),
            api.get("/api/v1/vacancies/").content.decode(),
        ]
    )


def test_it_publishes_a_withdrawal_reason_from_the_list_and_never_the_note_R_P_4(client, city, group, staff_a):
    [seat] = seat_release(group=group, count=1, at=local(dt.date(2024, 5, 31), 9))
    client.force_login(staff_a)
    with time_machine.travel(local(dt.date(2024, 5, 31), 11), tick=False):
        response = client.post(f"/ru/staff/seats/{seat.pk}/withdraw/", {"reason": "repairs", "note": NOTE})
    assert response.status_code == 302
    event = SeatEvent.objects.get(seat=seat, kind="withdrawn")
    assert (event.reason, event.note) == ("repairs", NOTE)
    client.logout()
    public = published_everywhere(client, city, dt.date(2024, 5, 31))
    assert "Айгерім" not in public and "+77010000001" not in public
    assert '"reason": "repairs"' in public
    with translation.override("ru"):
        assert reason_label("repairs", "withdrawn") == "ремонт"
    assert "ремонт" in public  # the label on the Russian protocol page
    # The department still reads the note, in the audit log.
    assert AuditLog.objects.get(action="seat.withdraw").data["note"] == NOTE


def test_it_takes_a_withdrawal_reason_only_from_the_list_R_P_4(city, group, staff_a):
    [seat] = seat_release(group=group, count=1, at=local(dt.date(2024, 5, 31), 9))
    with pytest.raises(ServiceError) as refused:
        seat_withdraw(seat=seat, reason="Айгерім's mother asked", by=staff_a)
    assert refused.value.code == "reason_invalid"
    api = APIClient()
    api.force_authenticate(staff_a)
    response = api.post(f"/api/v1/seats/{seat.pk}/withdraw/", {"reason": "typed text"}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    response = api.post(f"/api/v1/seats/{seat.pk}/withdraw/", {"reason": "mistake", "note": NOTE}, format="json")
    assert response.status_code == 200
    assert NOTE not in response.content.decode()


@pytest.mark.parametrize("who", ["staff-page", "parent-page", "parent-api", "staff-api"])
def test_it_publishes_a_refusal_reason_from_the_list_and_never_the_note_R_P_4(client, city, claimed, staff_a, who):
    user, referral = claimed
    data = {"reason": "other_kindergarten", "note": NOTE}
    with time_machine.travel(local(dt.date(2024, 5, 7), 10), tick=False):
        if who == "staff-page":
            client.force_login(staff_a)
            client.post(f"/ru/referrals/verify/{referral.token}/", {"action": "refuse", **data, **CONFIRMED})
        elif who == "parent-page":
            client.force_login(user)
            client.post(f"/ru/cabinet/referrals/{referral.pk}/refuse/", {**data, **CONFIRMED})
        else:
            api = APIClient()
            api.force_authenticate(user if who == "parent-api" else staff_a)
            assert api.post(f"/api/v1/referrals/{referral.pk}/refuse/", data, format="json").status_code == 200
    referral.refresh_from_db()
    assert (referral.state, referral.close_reason, referral.close_note) == ("refused", "other_kindergarten", NOTE)
    client.logout()
    public = published_everywhere(client, city, dt.date(2024, 5, 7))
    assert "Айгерім" not in public
    entries = Protocol.objects.get(day=dt.date(2024, 5, 7)).entries.all()
    assert {e.payload.get("reason") for e in entries if e.kind in ("refused", "returned")} == {"other_kindergarten"}


def test_it_publishes_a_departure_reason_from_the_list_and_never_the_note_R_P_4(client, city, claimed, staff_a):
    _user, referral = claimed
    with time_machine.travel(local(dt.date(2024, 5, 7), 10), tick=False):
        referral_enrol(referral=referral, by=staff_a)
        api = APIClient()
        api.force_authenticate(staff_a)
        response = api.post(
            f"/api/v1/referrals/{referral.pk}/departure/", {"reason": "school", "note": NOTE}, format="json"
        )
    assert response.status_code == 200
    public = published_everywhere(client, city, dt.date(2024, 5, 7))
    assert "Айгерім" not in public
    [vacated] = Protocol.objects.get(day=dt.date(2024, 5, 7)).entries.filter(kind="vacated")
    assert vacated.payload["reason"] == "school"


def test_it_defaults_a_refusal_without_a_reason_to_other(city, claimed):
    user, referral = claimed
    api = APIClient()
    api.force_authenticate(user)
    with time_machine.travel(local(dt.date(2024, 5, 7), 10), tick=False):
        assert api.post(f"/api/v1/referrals/{referral.pk}/refuse/", {}, format="json").status_code == 200
    assert Referral.objects.get(pk=referral.pk).close_reason == RefusalReason.OTHER


def test_the_database_refuses_a_typed_reason_on_a_seat_event_R_P_4(group):
    [seat] = seat_release(group=group, count=1, at=local(dt.date(2024, 5, 31), 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        SeatEvent.objects.create(seat=seat, kind="withdrawn", at=local(dt.date(2024, 5, 31), 10), reason=NOTE)
    assert sorted(REASON_CODES) == REASON_CODES and "other" in REASON_CODES


def test_the_migration_moves_typed_reasons_into_the_note(claimed, staff_a):
    _user, referral = claimed
    Referral.objects.filter(pk=referral.pk).update(state="refused", close_reason="The family moved away")
    other = Referral.objects.create(
        application=referral.application, child=referral.child, seat=referral.seat, number="X-2",
        issued_at=referral.issued_at, valid_until=referral.valid_until, state="expired",
        close_reason="referral expired",
    )  # fmt: skip
    migration = importlib.import_module("placement.migrations.0003_referral_close_note")
    migration.reasons_to_codes(apps, None)
    referral.refresh_from_db()
    other.refresh_from_db()
    assert (referral.close_reason, referral.close_note) == ("other", "The family moved away")
    assert (other.close_reason, other.close_note) == ("expired", "")
