"""Read paths ask a bounded number of queries, whatever the size of the queue or the registry (DESIGN §5).

The city-scale timings are bench/readpaths.py's; here the counts, on small data: the same request
against a short and a long queue (or registry) must ask exactly as many queries, under a fixed bound.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indigo.clock import at_local
from tests.factories import GroupFactory
from tests.placement.conftest import PUBLISHED, RELEASED, family
from vacancies.protocol import protocol_publish
from vacancies.services import seat_release

AFTER_PROTOCOL = at_local(dt.date(2024, 6, 3), dt.time(10))
POSITION_MAX_QUERIES = 12
REGISTRY_MAX_QUERIES = 6
REGISTRY_PAGE_MAX_QUERIES = 8


@pytest.fixture
def group(kindergarten_a):
    return GroupFactory(kindergarten=kindergarten_a, cohort=2021, language="kk", capacity=80, name="Айгөлек")


def _position_queries(client, user, application) -> int:
    client.force_login(user)
    with time_machine.travel(AFTER_PROTOCOL, tick=False), CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/v1/applications/{application.pk}/position/")
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


def test_it_answers_a_position_in_few_queries_whatever_the_queue(city, group, client, django_assert_max_num_queries):
    seat_release(group=group, count=2, at=RELEASED)
    protocol_publish(city=city, cutoff=PUBLISHED)
    families = [family(city, n) for n in range(1, 41)]
    # The first question after a protocol ranks the market at its cutoff once (then cached): one more query.
    first = _position_queries(client, *families[0])
    short = _position_queries(client, *families[2])
    long = _position_queries(client, *families[39])
    assert short == long == first - 1
    client.force_login(families[20][0])
    with time_machine.travel(AFTER_PROTOCOL, tick=False), django_assert_max_num_queries(POSITION_MAX_QUERIES):
        response = client.get(f"/api/v1/applications/{families[20][1].pk}/position/")
    assert response.json()["position"] == 21


def _registry_queries(client, query: str = "") -> tuple[int, int]:
    with time_machine.travel(AFTER_PROTOCOL, tick=False), CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/v1/vacancies/?city=temirtau&{query}")
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), response.json()["count"]


def test_it_lists_the_registry_in_few_queries_whatever_its_size(
    city, group, kindergarten_b, client, django_assert_max_num_queries
):
    seat_release(group=group, count=3, at=RELEASED)
    protocol_publish(city=city, cutoff=PUBLISHED)
    few, count = _registry_queries(client)
    assert count == 3
    other = GroupFactory(kindergarten=kindergarten_b, cohort=2020, language="ru", capacity=80, name="Радуга")
    seat_release(group=group, count=40, at=PUBLISHED + dt.timedelta(hours=1))
    seat_release(group=other, count=40, at=PUBLISHED + dt.timedelta(hours=1))
    protocol_publish(city=city, cutoff=PUBLISHED + dt.timedelta(days=1))
    many, count = _registry_queries(client)
    assert count == 83
    assert many == few
    # A later page asks what the first one does: its ids and rows in one query, the exact total in another.
    assert _registry_queries(client, "page=2") == (few, 83)
    with time_machine.travel(AFTER_PROTOCOL, tick=False), django_assert_max_num_queries(REGISTRY_MAX_QUERIES):
        client.get("/api/v1/vacancies/?city=temirtau&cohort=2021&language=kk&page=2")
    with time_machine.travel(AFTER_PROTOCOL, tick=False), django_assert_max_num_queries(REGISTRY_PAGE_MAX_QUERIES):
        response = client.get("/ru/vacancies/")
    # The page shows a row per group and access times (issue 12): 3 + 40 in one group, 40 in the other.
    rows = [int(n) for n in re.findall(rb'data-seats="(\d+)"', response.content)]
    assert sorted(rows) == [3, 40, 40]
