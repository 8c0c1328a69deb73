"""Issue 15 item 6: the public pages read from the replica; every write and every claim from the primary.

The replica here is a second connection (alias "replica") to the test database, as the router sees
it in production with DATABASE_REPLICA_URL set; what is proven is which alias each query took.
"""

import datetime as dt

import pytest
import time_machine
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from indigo.db_router import REPLICA, public_read
from placement.models import Referral
from tests.factories import GroupFactory
from tests.placement.conftest import PUBLISHED, RELEASED, family
from vacancies.models import Protocol, Seat
from vacancies.protocol import protocol_publish
from vacancies.services import seat_release

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])

MONDAY = dt.datetime.fromisoformat("2024-06-03T10:00+05:00")
PUBLIC_PATHS = [
    "/kk/vacancies/",
    "/kk/protocols/",
    "/kk/kindergartens/",
    "/kk/schedule/",
    "/api/v1/vacancies/",
    "/api/v1/protocols/",
]


@pytest.fixture(scope="module", autouse=True)
def _replica_alias(django_db_setup):
    """A second connection to the test database, there before pytest-django opens the test's databases."""
    connections.settings[REPLICA] = dict(connections["default"].settings_dict)
    yield
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture
def replica(settings):
    """The router on, as settings.py makes it when DATABASE_REPLICA_URL is set."""
    settings.DATABASES = {**settings.DATABASES, REPLICA: connections.settings[REPLICA]}
    settings.DATABASE_ROUTERS = ["indigo.db_router.PublicReadRouter"]
    return connections[REPLICA]


@pytest.fixture
def market(city, kindergarten_a):
    group = GroupFactory(kindergarten=kindergarten_a, cohort=2021, language="kk", capacity=10, name="Айгөлек")
    seats = seat_release(group=group, count=2, at=RELEASED)
    protocol = protocol_publish(city=city, cutoff=PUBLISHED)
    return seats, protocol


def public_tables(queries) -> list[str]:
    return [q["sql"] for q in queries if '"vacancies_' in q["sql"] or '"placement_' in q["sql"]]


def test_it_reads_the_public_pages_from_the_replica(client, replica, market):
    _, protocol = market
    paths = [*PUBLIC_PATHS, f"/kk/protocols/{protocol.day.isoformat()}/", f"/api/v1/protocols/{protocol.pk}/"]
    for path in paths:
        with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(replica) as read:
            response = client.get(path)
        assert response.status_code == 200, path
        assert public_tables(read.captured_queries), f"{path} read nothing from the replica"
        assert public_tables(primary.captured_queries) == [], f"{path} read public data from the primary"


def test_it_sends_every_claim_and_write_to_the_primary(city, replica, market):
    seats, _ = market
    user, application = family(city, 1)
    api = APIClient()
    api.force_authenticate(user)
    with (
        time_machine.travel(MONDAY, tick=True),
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(replica) as read,
    ):
        claimed = api.post("/api/v1/claims/", {"seats": [seats[0].pk], "applications": [application.pk]}, format="json")
        cabinet = api.get(f"/api/v1/applications/{application.pk}/position/")
    assert claimed.status_code == 201 and cabinet.status_code == 200
    assert read.captured_queries == []
    assert any('INSERT INTO "placement_referral"' in q["sql"] for q in primary.captured_queries)
    assert Referral.objects.filter(application=application, seat=seats[0]).exists()


def test_it_keeps_writes_locks_and_transactions_on_the_primary_inside_a_public_view(replica, market):
    seats, protocol = market

    @public_read
    def view():
        Protocol.objects.get(pk=protocol.pk)  # plain reads: the replica
        seat = Seat.objects.get(pk=seats[1].pk)
        seat.save(update_fields=["state"])  # a write: the primary
        with transaction.atomic():
            Seat.objects.select_for_update().get(pk=seats[1].pk)  # a lock: the primary
            Seat.objects.get(pk=seats[1].pk)  # inside the primary's transaction: the primary

    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(replica) as read:
        view()
    replica_sql = public_tables(read.captured_queries)
    primary_sql = public_tables(primary.captured_queries)
    assert len(replica_sql) == 2 and all(sql.startswith("SELECT") for sql in replica_sql)
    assert any(sql.startswith("UPDATE") for sql in primary_sql)
    assert any("FOR UPDATE" in sql for sql in primary_sql)
    assert sum(sql.startswith("SELECT") and "FOR UPDATE" not in sql for sql in primary_sql) == 1
