"""Issue 16: the expected wait in the cabinet and the API, the kindergartens' releases, the OpenAPI schema."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from indigo.clock import at_local
from placement.day_close import day_close
from placement.services import seat_claim
from tests.placement.conftest import family
from vacancies.release_stats import release_stats

ASKED = at_local(dt.date(2024, 10, 16), dt.time(10, 0))


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "When is your turn likely to come?"),
        ("ru", "Когда, вероятно, подойдёт ваша очередь?"),
        ("kk", "Кезегіңіз қашан келуі мүмкін?"),
    ],
)
def test_it_shows_the_estimate_in_the_cabinet(client, city, market_protocols, language, words):
    user, application = family(city, 1)
    client.force_login(user)
    with time_machine.travel(ASKED, tick=False):
        page = client.get(f"/{language}/cabinet/")
    assert page.status_code == 200
    html = page.content.decode()
    assert words in html
    assert 'data-testid="wait-range"' in html
    assert 'data-testid="wait-alerts"' in html


def test_it_says_when_history_is_thin(client, city, kindergarten_a):
    from tests.placement.conftest import _protocol

    user, application = family(city, 1)
    _protocol(city, dt.date(2024, 10, 15), [])
    client.force_login(user)
    with time_machine.travel(ASKED, tick=False):
        page = client.get("/en/cabinet/")
    assert 'data-testid="wait-thin"' in page.content.decode()


def test_it_serves_the_estimate_by_the_api(city, market_protocols):
    user, application = family(city, 1)
    api = APIClient()
    api.force_authenticate(user)
    with time_machine.travel(ASKED, tick=False):
        answer = api.get(f"/api/v1/applications/{application.pk}/wait/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "estimated"
    assert body["position"] == 1
    assert body["placements_last_12_months"] == 22
    assert body["expected"] == "2025-06-20"
    assert body["history_until"] == "2024-10-15"


def test_it_hides_another_familys_estimate(city, market_protocols, other_parent):
    _user, application = family(city, 1)
    api = APIClient()
    api.force_authenticate(other_parent)
    assert api.get(f"/api/v1/applications/{application.pk}/wait/").status_code == 404


def test_it_documents_the_wait_in_the_openapi_schema(client):
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/applications/{application_id}/wait/" in schema
    assert "/api/v1/applications/{application_id}/wait-alert/" in schema
    assert "Start of the 80 % interval." in schema


def test_it_shows_each_kindergartens_releases_and_claim_time(client, city, kindergarten_a, open_seats):
    # Two seats published Fri 31.05.2024 18:00; one claimed Mon 03.06 10:00 (64 hours later), in the
    # protocol of 03.06.
    seats = open_seats(2)
    user, application = family(city, 1)
    with time_machine.travel(at_local(dt.date(2024, 6, 3), dt.time(10, 0)), tick=False):
        seat_claim(seat=seats[0], application=application, by=user)
    day_close(city=city, cutoff=at_local(dt.date(2024, 6, 3), dt.time(18, 0)))
    with time_machine.travel(at_local(dt.date(2024, 6, 3), dt.time(19, 0)), tick=False):
        [row] = release_stats(city=city)[(2021, "kk", "general")]
        page = client.get("/en/kindergartens/").content.decode()
    assert (row.kindergarten_id, row.released, row.claimed, row.median_hours) == (kindergarten_a.pk, 2, 1, 64.0)
    assert 'data-testid="releases"' in page
    assert "3 days" in page
