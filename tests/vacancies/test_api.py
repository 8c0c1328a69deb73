"""The seats and protocol API: stable error codes, scoping (R-A-1), registry filters, downloads."""

import pytest
import time_machine
from rest_framework.test import APIClient

from tests.factories import GroupFactory
from tests.vacancies.helpers import D, local
from vacancies.models import Seat
from vacancies.protocol import protocol_publish
from vacancies.services import seat_release


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def group_a(kindergarten_a):
    return GroupFactory(kindergarten=kindergarten_a, cohort=2018, capacity=6)


@pytest.fixture
def group_b(kindergarten_b):
    return GroupFactory(kindergarten=kindergarten_b, cohort=2019, language="ru", capacity=6)


def test_it_lets_staff_release_in_their_own_kindergarten(api, staff_a, group_a):
    api.force_authenticate(staff_a)
    response = api.post(f"/api/v1/groups/{group_a.pk}/release/", {"count": 3}, format="json")
    assert response.status_code == 201
    assert len(response.json()["seats"]) == 3


def test_it_refuses_staff_of_another_kindergarten(api, staff_b, group_a):
    api.force_authenticate(staff_b)
    response = api.post(f"/api/v1/groups/{group_a.pk}/release/", {"count": 1}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "not_your_kindergarten"
    [seat] = seat_release(group=group_a, count=1, at=local(D(2024, 5, 31), 9))
    response = api.post(f"/api/v1/seats/{seat.pk}/withdraw/", {"reason": "other"}, format="json")
    assert response.status_code == 403
    assert Seat.objects.get(pk=seat.pk).state == "released"


@pytest.mark.parametrize("actor", ["parent", "officer", "outsider"])
def test_it_refuses_people_who_are_not_the_kindergartens_staff(api, group_a, actor, request):
    api.force_authenticate(request.getfixturevalue(actor))
    response = api.post(f"/api/v1/groups/{group_a.pk}/release/", {"count": 1}, format="json")
    assert response.status_code == 403


def test_it_refuses_anonymous_writes(api, group_a):
    response = api.post(f"/api/v1/groups/{group_a.pk}/release/", {"count": 1}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"count": 0}, 400, "invalid"),
        ({"count": "many"}, 400, "invalid"),
        ({}, 400, "invalid"),
        ({"count": 7}, 409, "not_enough_places"),
    ],
)
def test_it_explains_bad_releases(api, staff_a, group_a, body, status, code):
    api.force_authenticate(staff_a)
    response = api.post(f"/api/v1/groups/{group_a.pk}/release/", body, format="json")
    assert response.status_code == status
    assert response.json()["code"] == code
    assert not Seat.objects.filter(group=group_a).exists()


def test_it_answers_in_the_users_language(api, staff_a, group_a):
    api.force_authenticate(staff_a)
    response = api.post(f"/api/v1/groups/{group_a.pk}/release/", {"count": 7}, format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 409
    assert response.json()["detail"] != "Only 6 of the group's 6 places are free to release."


def test_it_answers_404_for_unknown_rows(api, staff_a):
    api.force_authenticate(staff_a)
    assert api.post("/api/v1/groups/999999/release/", {"count": 1}, format="json").status_code == 404
    assert api.post("/api/v1/seats/999999/withdraw/", {"reason": "x"}, format="json").status_code == 404


def test_it_withdraws_and_refuses_twice(api, staff_a, group_a):
    [seat] = seat_release(group=group_a, count=1, at=local(D(2024, 5, 31), 9))
    api.force_authenticate(staff_a)
    response = api.post(f"/api/v1/seats/{seat.pk}/withdraw/", {"reason": "repairs"}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "withdrawn"
    again = api.post(f"/api/v1/seats/{seat.pk}/withdraw/", {"reason": "repairs"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "seat_not_withdrawable"


def test_it_lists_open_seats_with_filters(api, city, group_a, group_b):
    seat_release(group=group_a, count=2, at=local(D(2024, 5, 31), 9))
    seat_release(group=group_b, count=1, at=local(D(2024, 5, 31), 9))
    seat_release(group=group_b, count=1, at=local(D(2024, 6, 3), 9))
    protocol_publish(city=city, cutoff=local(D(2024, 5, 31), 18))
    protocol_publish(city=city, cutoff=local(D(2024, 6, 3), 18))
    with time_machine.travel(local(D(2024, 6, 6), 10)):
        everything = api.get("/api/v1/vacancies/", {"city": city.slug}).json()
        general = api.get("/api/v1/vacancies/", {"stage": "general"}).json()
        priority = api.get("/api/v1/vacancies/", {"stage": "priority", "language": "ru"}).json()
        cohort = api.get("/api/v1/vacancies/", {"cohort": 2018}).json()
    assert everything["count"] == 4
    assert general["count"] == 3
    assert priority["count"] == 1 and priority["results"][0]["priority_until"] == "2024-06-06"
    assert cohort["count"] == 2 and cohort["results"][0]["kindergarten"]["id"] == group_a.kindergarten_id


def test_it_rejects_bad_filters_clearly(api, city):
    response = api.get("/api/v1/vacancies/", {"stage": "soon", "cohort": "abc"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"stage", "cohort"}


def test_it_serves_protocols_as_json_and_csv(api, city, group_a):
    seat_release(group=group_a, count=1, at=local(D(2024, 5, 31), 9))
    protocol = protocol_publish(city=city, cutoff=local(D(2024, 5, 31), 18))
    listing = api.get("/api/v1/protocols/", {"city": city.slug}).json()
    assert [p["sha256"] for p in listing["results"]] == [protocol.sha256]
    document = api.get(f"/api/v1/protocols/{protocol.pk}/").json()
    assert document["sha256"] == protocol.sha256
    assert [e["kind"] for e in document["entries"]] == ["released", "published"]
    csv_response = api.get(f"/api/v1/protocols/{protocol.pk}/", {"format": "csv"})
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")
    lines = csv_response.content.decode().splitlines()
    assert lines[0].startswith("format=indigo-protocol/1,") and lines[1].startswith("position,at,kind,seat")


def test_it_publishes_an_openapi_schema(api):
    response = api.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/vacancies/" in response.content
