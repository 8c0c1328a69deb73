"""The day's close (placement/day_close.py, R-P-1…R-P-4, R-S-8): referrals end before the protocol is
written, in its transaction, so the seats they return are published in that same protocol."""

import json

import pytest

from placement.day_close import day_close, days_close
from placement.models import Referral
from tests.factories import ApplicationFactory, ChildFactory, GroupFactory
from tests.vacancies.helpers import D, local
from vacancies.models import Protocol, Seat
from vacancies.protocol import protocol_csv, protocol_document, protocol_publish
from vacancies.services import seat_release

FRIDAY_CUTOFF = local(D(2024, 5, 31), 18)


@pytest.fixture
def group(kindergarten_a):
    return GroupFactory(kindergarten=kindergarten_a, cohort=2018, capacity=10)


def test_it_returns_an_expired_referrals_seat_in_the_next_protocol(city, group):
    [seat] = seat_release(group=group, count=1, at=local(D(2024, 5, 31), 9))
    day_close(city=city, cutoff=FRIDAY_CUTOFF)
    child = ChildFactory(last_name="Сейтқали", first_name="Айлин")
    application = ApplicationFactory(city=city, child=child)
    Seat.objects.filter(pk=seat.pk).update(state="claimed", claimed_at=local(D(2024, 6, 3), 10))
    Referral.objects.create(
        number="TMT-R-1",
        seat=seat,
        application=application,
        child=child,
        issued_at=local(D(2024, 6, 3), 10),
        valid_until=local(D(2024, 6, 10), 10),
    )
    days_close(city=city, until=local(D(2024, 6, 10), 18))

    seat.refresh_from_db()
    assert seat.state == "open"
    assert seat.published_at == local(D(2024, 6, 10), 18)
    assert Referral.objects.get().state == "expired"
    application.refresh_from_db()
    assert application.stop_listed_until == local(D(2024, 6, 20), 10)
    kinds = list(Protocol.objects.get(day=D(2024, 6, 10)).entries.values_list("kind", flat=True))
    assert kinds == ["expired", "returned", "published"]


def test_it_never_shows_an_iin_or_a_full_name(city, group):
    [seat] = seat_release(group=group, count=1, at=local(D(2024, 5, 31), 9))
    day_close(city=city, cutoff=FRIDAY_CUTOFF)
    child = ChildFactory(last_name="Сейтқали", first_name="Айлин")
    application = ApplicationFactory(city=city, child=child)
    Seat.objects.filter(pk=seat.pk).update(state="claimed")
    Referral.objects.create(
        number="TMT-R-2",
        seat=seat,
        application=application,
        child=child,
        issued_at=local(D(2024, 6, 3), 10),
        valid_until=local(D(2024, 6, 4), 10),
    )
    days_close(city=city, until=local(D(2024, 6, 4), 18))
    for protocol in Protocol.objects.all():
        text = json.dumps(protocol_document(protocol), ensure_ascii=False) + protocol_csv(protocol)
        assert child.iin not in text
        assert "Сейтқали" not in text and "Айлин" not in text
    assert "С. А." in protocol_csv(Protocol.objects.get(day=D(2024, 6, 4)))


def test_issue13_the_protocol_alone_leaves_the_referrals_to_the_day_close(city, group):
    """vacancies publishes supply only; the referral expiries are placement's, run by the day close."""
    [seat] = seat_release(group=group, count=1, at=local(D(2024, 5, 31), 9))
    day_close(city=city, cutoff=FRIDAY_CUTOFF)
    child = ChildFactory()
    application = ApplicationFactory(city=city, child=child)
    Seat.objects.filter(pk=seat.pk).update(state="claimed", claimed_at=local(D(2024, 6, 3), 10))
    Referral.objects.create(
        number="TMT-R-3",
        seat=seat,
        application=application,
        child=child,
        issued_at=local(D(2024, 6, 3), 10),
        valid_until=local(D(2024, 6, 4), 10),
    )
    protocol_publish(city=city, cutoff=local(D(2024, 6, 4), 18))
    assert Referral.objects.get().state == "issued"
    # Once a day is closed, closing it again changes nothing: the protocol is found, not rewritten.
    assert day_close(city=city, cutoff=local(D(2024, 6, 4), 18)).day == D(2024, 6, 4)
    assert Referral.objects.get().state == "issued"
    day_close(city=city, cutoff=local(D(2024, 6, 5), 18))
    assert Referral.objects.get().state == "expired"
    assert Seat.objects.get(pk=seat.pk).state == "open"
