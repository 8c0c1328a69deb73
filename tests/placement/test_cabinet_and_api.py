"""The cabinet pages and the family/kindergarten API: outcomes, and nobody reaches another family's data."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from indigo.clock import at_local
from placement.models import Referral
from placement.services import seat_claim
from tests.placement.conftest import family

MONDAY = at_local(dt.date(2024, 6, 3), dt.time(10, 0))
CONFIRMED = {"confirmed": "yes"}  # the second step (issue 12); tests/placement/test_confirm.py checks the first


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def claimed(city, open_seats):
    seats = open_seats(2)
    user, application = family(city, 1, username="mother")
    with time_machine.travel(MONDAY, tick=False):
        referral = seat_claim(seat=seats[0], application=application, by=user)
    return user, application, referral, seats[1]


def test_it_shows_the_position_and_the_claimable_seats(client, city, open_seats):
    seats = open_seats(1)
    user, application = family(city, 1)
    client.force_login(user)
    with time_machine.travel(MONDAY, tick=True):
        page = client.get("/kk/cabinet/")
    assert page.status_code == 200
    assert application.reference.encode() in page.content
    assert f'data-seat="{seats[0].pk}"'.encode() in page.content


def test_it_claims_in_one_click_and_shows_the_referral_with_a_qr_code(client, city, open_seats):
    [seat] = open_seats(1)
    user, application = family(city, 1)
    client.force_login(user)
    with time_machine.travel(MONDAY, tick=True):
        response = client.post(f"/ru/cabinet/applications/{application.pk}/claim/{seat.pk}/", CONFIRMED)
        referral = Referral.objects.get()
        assert response["Location"] == f"/ru/cabinet/referrals/{referral.pk}/"
        page = client.get(response["Location"])
    assert b"<svg" in page.content
    assert referral.token.encode() in page.content


def test_it_explains_a_refused_claim_on_the_cabinet(client, city, open_seats):
    [seat] = open_seats(1)
    family(city, 1)
    user, second = family(city, 2)
    client.force_login(user)
    with time_machine.travel(MONDAY, tick=True):
        response = client.post(f"/en/cabinet/applications/{second.pk}/claim/{seat.pk}/", CONFIRMED, follow=True)
    assert b"Not your turn yet" in response.content
    assert not Referral.objects.exists()


def test_it_hides_another_familys_child_application_and_referral(client, api, claimed, other_parent):
    _user, application, referral, free_seat = claimed
    client.force_login(other_parent)
    assert client.get(f"/kk/cabinet/referrals/{referral.pk}/").status_code == 404
    assert client.post(f"/kk/cabinet/referrals/{referral.pk}/refuse/").status_code == 404
    assert client.post(f"/kk/cabinet/applications/{application.pk}/withdraw/").status_code == 404
    assert client.get(f"/kk/cabinet/children/{application.child_id}/apply/").status_code == 404
    api.force_authenticate(other_parent)
    assert api.get(f"/api/v1/referrals/{referral.pk}/").status_code == 404
    assert api.get(f"/api/v1/applications/{application.pk}/position/").status_code == 404
    response = api.post("/api/v1/claims/", {"seats": [free_seat.pk], "applications": [application.pk]}, format="json")
    assert response.status_code == 404
    assert api.post(f"/api/v1/referrals/{referral.pk}/refuse/", {}, format="json").status_code == 403
    assert Referral.objects.get(pk=referral.pk).state == "issued"


def test_it_shows_the_child_on_the_qr_page_to_the_kindergartens_staff_only(client, claimed, staff_a, staff_b):
    _user, application, referral, _seat = claimed
    anonymous = client.get(f"/kk/referrals/verify/{referral.token}/")
    assert application.child.iin.encode() not in anonymous.content
    assert application.child.last_name.encode() not in anonymous.content
    client.force_login(staff_b)
    assert application.child.iin.encode() not in client.get(f"/kk/referrals/verify/{referral.token}/").content
    assert client.post(f"/kk/referrals/verify/{referral.token}/", {"action": "enrol"}).status_code == 404
    client.force_login(staff_a)
    assert application.child.iin.encode() in client.get(f"/kk/referrals/verify/{referral.token}/").content
    with time_machine.travel(MONDAY + dt.timedelta(hours=3), tick=True):
        client.post(f"/kk/referrals/verify/{referral.token}/", {"action": "enrol"})
    assert Referral.objects.get(pk=referral.pk).state == "enrolled"


def test_it_claims_through_the_api_with_clear_codes(api, city, open_seats):
    seats = open_seats(1)
    family(city, 1)
    user, second = family(city, 2)
    api.force_authenticate(user)
    with time_machine.travel(MONDAY, tick=True):
        refused = api.post("/api/v1/claims/", {"seats": [seats[0].pk], "applications": [second.pk]}, format="json")
        claimable = api.get(f"/api/v1/applications/{second.pk}/claimable-seats/")
        position = api.get(f"/api/v1/applications/{second.pk}/position/")
    assert refused.status_code == 409 and refused.json()["code"] == "not_your_turn"
    assert claimable.json() == []
    assert position.json()["position"] == 2
    with time_machine.travel(at_local(dt.date(2024, 6, 6), dt.time(9)), tick=True):
        accepted = api.post("/api/v1/claims/", {"seats": [seats[0].pk], "applications": [second.pk]}, format="json")
    assert accepted.status_code == 201
    assert accepted.json()[0]["number"].startswith(city.code)
    # The claim's answer is written out for speed (api.referral_answer); ReferralOutput is what OpenAPI
    # describes and what GET /api/v1/referrals/<id>/ answers: the two agree.
    [answer] = accepted.json()
    assert api.get(f"/api/v1/referrals/{answer['id']}/").json() == answer


def test_it_answers_an_unknown_seat_with_404_in_the_users_language(api, city, open_seats):
    open_seats(1)
    user, application = family(city, 1)
    api.force_authenticate(user)
    with time_machine.travel(MONDAY, tick=True):
        response = api.post(
            "/api/v1/claims/",
            {"seats": [999999], "applications": [application.pk]},
            format="json",
            HTTP_ACCEPT_LANGUAGE="ru",
        )
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Такого места нет."}
    assert not Referral.objects.exists()


def test_it_lets_staff_enrol_through_the_api_and_refuses_others(api, claimed, staff_a, staff_b):
    _user, _application, referral, _seat = claimed
    api.force_authenticate(staff_b)
    response = api.post(f"/api/v1/referrals/{referral.pk}/enrol/")
    assert response.status_code == 403 and response.json()["code"] == "not_your_kindergarten"
    api.force_authenticate(staff_a)
    with time_machine.travel(MONDAY + dt.timedelta(hours=2), tick=True):
        assert api.post(f"/api/v1/referrals/{referral.pk}/enrol/").status_code == 200
        again = api.post(f"/api/v1/referrals/{referral.pk}/enrol/")
    assert again.status_code == 409 and again.json()["code"] == "referral_not_active"
    assert (
        api.post(f"/api/v1/referrals/{referral.pk}/departure/", {"reason": "moved"}, format="json").status_code == 200
    )


def test_it_files_an_application_for_a_linked_child_only(api, city, parent, other_parent):
    from accounts.models import RepresentativeLink
    from tests.factories import ChildFactory

    child = ChildFactory(birth_date=dt.date(2022, 2, 2))
    RepresentativeLink.objects.create(user=parent, child=child, relation="parent", state="verified")
    body = {
        "child": child.pk,
        "city": city.slug,
        "language": "ru",
        "group_type": "general",
        "desired_start": "2099-09-01",
    }
    api.force_authenticate(other_parent)
    assert api.post("/api/v1/applications/", body, format="json").status_code == 404
    api.force_authenticate(parent)
    created = api.post("/api/v1/applications/", body, format="json")
    assert created.status_code == 201 and created.json()["reference"] == f"{city.code}-22-000001"
    again = api.post("/api/v1/applications/", body, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_queued"


def test_it_slows_down_a_parent_who_claims_too_fast(api, city, open_seats):
    from placement.services.claims import CLAIM_RATE

    open_seats(1)
    user, application = family(city, 1)
    api.force_authenticate(user)
    limit = int(CLAIM_RATE.split("/")[0])
    with time_machine.travel(MONDAY, tick=True):
        answers = [
            api.post("/api/v1/claims/", {"seats": [999999], "applications": [application.pk]}, format="json")
            for _ in range(limit + 1)
        ]
    assert {a.status_code for a in answers[:limit]} == {404}
    assert answers[-1].status_code == 429 and answers[-1].json()["code"] == "rate_limited"
    assert "Retry-After" in answers[-1]


PLAIN = [
    {"seats": [5], "applications": [7]},
    {"seats": [5, 6], "applications": [7, 8], "extra": "ignored"},
    {"seats": [1, 2, 3, 4], "applications": [9, 10, 11, 12]},
]
OTHER = [
    {"seats": ["5"], "applications": [7]},
    {"seats": [5.0], "applications": [7]},
    {"seats": [True], "applications": [7]},
    {"seats": [0], "applications": [7]},
    {"seats": [], "applications": [7]},
    {"seats": [1, 2, 3, 4, 5], "applications": [7]},
    {"seats": 5, "applications": [7]},
    {"applications": [7]},
    [5, 7],
    "seats",
]


@pytest.mark.parametrize("data", PLAIN + OTHER)
def test_the_plain_claim_check_takes_only_what_claim_input_takes_unchanged(data):
    from placement.api import ClaimApi, plain_claim_ids

    applications, seats = plain_claim_ids(data)
    plain = applications is not None and seats is not None
    assert plain == any(data is sent for sent in PLAIN)  # identity: {"seats": [5.0]} == {"seats": [5]}
    if plain:
        payload = ClaimApi.ClaimInput(data=data)
        assert payload.is_valid()
        assert (applications, seats) == (payload.validated_data["applications"], payload.validated_data["seats"])
    # Anything else goes to the serializer, which accepts or explains it as before.


def test_an_id_beyond_any_row_answers_not_found_not_a_server_error(api, city, open_seats):
    # Found by the OpenAPI fuzzing: the reads take bigint[], and a bigger whole number failed the call.
    [seat] = open_seats(1)
    user, application = family(city, 1)
    api.force_authenticate(user)
    with time_machine.travel(MONDAY, tick=True):
        huge = 12992107546550999187456
        for body in (
            {"seats": [huge], "applications": [application.pk]},
            {"seats": [seat.pk], "applications": [huge]},
        ):
            assert api.post("/api/v1/claims/", body, format="json").status_code == 404
        assert api.get(f"/api/v1/applications/{huge}/bid/").status_code == 404
        assert api.put(f"/api/v1/applications/{huge}/bid/", {"groups": [1]}, format="json").status_code == 404
    assert not Referral.objects.exists()
