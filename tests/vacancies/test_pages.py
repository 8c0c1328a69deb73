"""Public seat pages and the staff seat desk, through the Django test client."""

import pytest
import time_machine

from tests.factories import GroupFactory
from tests.vacancies.helpers import D, local
from vacancies.models import Seat
from vacancies.protocol import protocol_publish
from vacancies.services import seat_release


@pytest.fixture
def group_a(kindergarten_a):
    return GroupFactory(kindergarten=kindergarten_a, cohort=2018, capacity=6, name="Балапан")


@pytest.fixture
def published(city, group_a):
    seat_release(group=group_a, count=2, at=local(D(2024, 5, 31), 9))
    return protocol_publish(city=city, cutoff=local(D(2024, 5, 31), 18))


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_it_shows_the_registry_in_every_language(client, published, language):
    with time_machine.travel(local(D(2024, 6, 3), 10)):
        response = client.get(f"/{language}/vacancies/")
    assert response.status_code == 200
    # Both seats came in one release to one group: one row says so (issue 12).
    assert response.content.count(b"data-group=") == 1
    assert b'data-seats="2"' in response.content


def test_it_answers_hand_edited_filters_with_a_400_instead_of_failing(client, published):
    # Issue 14, item 2: a number that is no number is a clear 400; an unknown choice or page is ignored.
    for number in ({"cohort": "20x1"}, {"district": "-3"}, {"cohort": "2²21"}):
        assert client.get("/kk/vacancies/", number).status_code == 400
    response = client.get("/kk/vacancies/", {"cohort": "٢٠٢١", "stage": "<b>", "page": "99"})
    assert response.status_code == 200


def test_it_shows_the_protocol_archive_and_one_protocol(client, published):
    archive = client.get("/ru/protocols/")
    assert archive.status_code == 200
    assert published.sha256[:16].encode() in archive.content
    detail = client.get("/ru/protocols/2024-05-31/")
    assert detail.status_code == 200
    assert published.sha256.encode() in detail.content
    assert client.get("/ru/protocols/2024-13-45/").status_code == 404
    assert client.get("/ru/protocols/2024-06-01/").status_code == 404


def test_it_sends_anonymous_staff_to_sign_in(client, kindergarten_a):
    response = client.get(f"/kk/staff/kindergartens/{kindergarten_a.pk}/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_it_shows_staff_their_own_kindergarten_only(client, staff_a, kindergarten_a, kindergarten_b, group_a):
    client.force_login(staff_a)
    assert client.get("/kk/staff/").status_code == 302
    assert client.get(f"/kk/staff/kindergartens/{kindergarten_a.pk}/").status_code == 200
    assert client.get(f"/kk/staff/kindergartens/{kindergarten_b.pk}/").status_code == 403


def test_it_releases_and_withdraws_with_htmx(client, staff_a, group_a):
    client.force_login(staff_a)
    response = client.post(f"/ru/staff/groups/{group_a.pk}/release/", {"count": "3"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.count(b"data-seat=") == 3
    seat = Seat.objects.filter(group=group_a).first()
    response = client.post(
        f"/ru/staff/seats/{seat.pk}/withdraw/", {"reason": "repairs", "note": "Ремонт"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert Seat.objects.get(pk=seat.pk).state == "withdrawn"
    assert response.content.count(b"data-seat=") == 2


@pytest.mark.parametrize("count", ["", "abc", "0", "99"])
def test_it_explains_a_bad_release_and_keeps_the_page(client, staff_a, group_a, count):
    client.force_login(staff_a)
    response = client.post(f"/en/staff/groups/{group_a.pk}/release/", {"count": count}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"message--error" in response.content
    assert not Seat.objects.filter(group=group_a).exists()


def test_it_refuses_staff_of_another_kindergarten_on_the_web(client, staff_b, group_a):
    client.force_login(staff_b)
    assert client.post(f"/kk/staff/groups/{group_a.pk}/release/", {"count": "1"}).status_code == 403
    [seat] = seat_release(group=group_a, count=1, at=local(D(2024, 5, 31), 9))
    assert client.post(f"/kk/staff/seats/{seat.pk}/withdraw/", {"reason": "other"}).status_code == 403
    assert Seat.objects.get(pk=seat.pk).state == "released"
