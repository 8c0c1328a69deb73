"""A Temirtau market (2021, kk, general) with parents whose children queue for it."""

import datetime as dt
import hashlib

import pytest

from accounts.models import RepresentativeLink, User
from indigo.clock import at_local
from placement.day_close import day_close
from tests.factories import ApplicationFactory, ChildFactory, GroupFactory, UserFactory
from vacancies.models import Protocol, ProtocolEntry
from vacancies.services import seat_release

FILED = at_local(dt.date(2022, 1, 10), dt.time(9, 0))
RELEASED = at_local(dt.date(2024, 5, 31), dt.time(9, 0))
PUBLISHED = at_local(dt.date(2024, 5, 31), dt.time(18, 0))


def family(city, n: int, *, username: str | None = None, birth=dt.date(2021, 3, 15)):
    """A verified parent and the n-th application of the market (filed n minutes after the first)."""
    user = UserFactory(username=username or f"parent-{n}", role=User.Role.PARENT, phone=f"+7702{n:07d}")
    child = ChildFactory(birth_date=birth)
    RepresentativeLink.objects.create(user=user, child=child, relation="parent", state="verified")
    application = ApplicationFactory(city=city, child=child, filed_at=FILED + dt.timedelta(minutes=n))
    return user, application


@pytest.fixture
def group(kindergarten_a):
    return GroupFactory(kindergarten=kindergarten_a, cohort=2021, language="kk", capacity=60, name="Айгөлек")


@pytest.fixture
def open_seats(city, group):
    """Release n seats on Fri 31.05.2024 and publish them at 18:00: priority access until Wed 05.06."""

    def make(n: int):
        seats = seat_release(group=group, count=n, at=RELEASED)
        day_close(city=city, cutoff=PUBLISHED)
        return seats

    return make


# -- Issue 16: a market's published history, made by hand --------------------------------------------

LAST_DAY = dt.date(2024, 10, 15)  # a Tuesday: the day of the last protocol of market_protocols
_protocol_serial = iter(range(1, 10_000))


def _protocol(city, day: dt.date, entries: list[tuple[str, dt.datetime, dict]]) -> Protocol:
    protocol = Protocol.objects.create(
        city=city,
        day=day,
        cutoff=at_local(day, dt.time(18, 0)),
        published_at=at_local(day, dt.time(18, 1)),
        entry_count=len(entries),
        sha256=hashlib.sha256(str(next(_protocol_serial)).encode()).hexdigest(),
    )
    for position, (kind, at, payload) in enumerate(entries, start=1):
        ProtocolEntry.objects.create(protocol=protocol, position=position, at=at, kind=kind, payload=payload)
    return protocol


@pytest.fixture
def market_protocols(city, kindergarten_a):
    """A hand-made protocol history of the 2021 / kk / general market, with noise the estimate must ignore."""
    GroupFactory(kindergarten=kindergarten_a, cohort=2021, language="kk", name="Айгөлек")
    facts = {
        "kindergarten": {"id": kindergarten_a.pk, "name_kk": "Балапан", "name_ru": "Балапан"},
        "cohort": 2021,
        "language": "kk",
        "group_type": "general",
    }
    other_market = {**facts, "language": "ru"}
    _protocol(city, dt.date(2023, 9, 1), [])  # the city's first protocol: the year is complete
    # 20 claims on 20.06.2024 and 2 referrals that expired unused: 18 net placements that day.
    claims = [("claimed", at_local(dt.date(2024, 6, 20), dt.time(10, minute)), facts) for minute in range(20)]
    expired = [("expired", at_local(dt.date(2024, 6, 20), dt.time(17, minute)), facts) for minute in range(2)]
    noise = [("claimed", at_local(dt.date(2024, 6, 20), dt.time(11, 0)), other_market)] * 5
    _protocol(city, dt.date(2024, 6, 20), claims + expired + noise)
    # 2 claims on each of 1.10 and 2.10; and 9 more claims after the cutoff of 15.10 (not yet published).
    _protocol(city, dt.date(2024, 10, 1), [("claimed", at_local(dt.date(2024, 10, 1), dt.time(9, 0)), facts)] * 2)
    _protocol(city, dt.date(2024, 10, 2), [("claimed", at_local(dt.date(2024, 10, 2), dt.time(9, 0)), facts)] * 2)
    _protocol(city, LAST_DAY, [])
    _protocol(city, dt.date(2024, 10, 16), [("claimed", at_local(dt.date(2024, 10, 16), dt.time(9, 0)), facts)] * 9)
