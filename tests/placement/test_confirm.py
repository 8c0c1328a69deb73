"""Issue 12 item 2: what cannot be undone asks first. Each action's page (GET) and a POST without the
confirmation field show the consequence and change nothing; the confirmed POST acts."""

import datetime as dt

import pytest
import time_machine

from indigo.clock import at_local
from placement.models import Application, Referral
from placement.services import referral_enrol, seat_claim
from tests.placement.conftest import family

MONDAY = at_local(dt.date(2024, 6, 3), dt.time(10, 0))
CONFIRMED = {"confirmed": "yes"}


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


def test_it_asks_before_claiming_and_names_the_group_and_the_deadline(client, city, open_seats, monday):
    [seat] = open_seats(1)
    user, application = family(city, 1)
    client.force_login(user)
    url = f"/ru/cabinet/applications/{application.pk}/claim/{seat.pk}/"
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 200
        page = response.content.decode()
        assert seat.group.kindergarten.name in page and seat.group.name in page
        # Valid 5 working days from Mon 3 June: enrol by Mon 10 June; another claim is impossible meanwhile.
        assert "5 рабочих дней" in page and "10 июня 2024" in page
        assert "нельзя занять другое место" in page
        assert 'name="confirmed" value="yes"' in page and "csrfmiddlewaretoken" in page
    assert not Referral.objects.exists()
    response = client.post(url, CONFIRMED)
    referral = Referral.objects.get()
    assert response["Location"] == f"/ru/cabinet/referrals/{referral.pk}/"


def test_the_cabinet_opens_the_confirmation_without_javascript(client, city, open_seats, monday):
    [seat] = open_seats(1)
    user, application = family(city, 1)
    client.force_login(user)
    page = client.get("/kk/cabinet/").content.decode()
    # Plain GET forms: the button leads to the question, and no CSRF token travels in a URL.
    assert f'<form method="get" action="/kk/cabinet/applications/{application.pk}/claim/{seat.pk}/"' in page
    assert f'<form method="get" action="/kk/cabinet/applications/{application.pk}/withdraw/"' in page


def test_it_asks_before_withdrawing_an_application(client, city, monday):
    user, application = family(city, 1)
    client.force_login(user)
    url = f"/en/cabinet/applications/{application.pk}/withdraw/"
    for response in (client.get(url), client.post(url)):
        assert "the child leaves the queue and loses its place" in response.content.decode().lower()
    assert Application.objects.get(pk=application.pk).state == "active"
    assert client.post(url, CONFIRMED).status_code == 302
    assert Application.objects.get(pk=application.pk).state == "withdrawn"


def test_it_asks_the_family_before_refusing_a_referral(client, city, open_seats, monday):
    [seat] = open_seats(1)
    user, application = family(city, 1)
    referral = seat_claim(seat=seat, application=application, by=user)
    client.force_login(user)
    url = f"/kk/cabinet/referrals/{referral.pk}/refuse/"
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 200
        assert referral.number in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).state == "issued"
    client.post(url, CONFIRMED)
    assert Referral.objects.get(pk=referral.pk).state == "refused"


def test_it_asks_the_kindergarten_before_recording_a_refusal(client, city, open_seats, staff_a, monday):
    [seat] = open_seats(1)
    user, application = family(city, 1)
    referral = seat_claim(seat=seat, application=application, by=user)
    client.force_login(staff_a)
    url = f"/en/referrals/verify/{referral.token}/"
    response = client.post(url, {"action": "refuse", "reason": "moved", "note": "to Karaganda"})
    page = response.content.decode()
    assert response.status_code == 200 and "Refuse this referral?" in page
    # The reason chosen on the first step is chosen on the second (R-P-4: from the list), the note kept.
    assert 'value="moved" selected' in page and 'value="to Karaganda"' in page
    assert 'name="action" value="refuse"' in page
    assert Referral.objects.get(pk=referral.pk).state == "issued"
    client.post(url, {"action": "refuse", "reason": "moved", **CONFIRMED})
    assert Referral.objects.get(pk=referral.pk).state == "refused"


def test_it_asks_before_recording_a_departure(client, city, open_seats, staff_a, monday):
    [seat] = open_seats(1)
    user, application = family(city, 1)
    referral = referral_enrol(referral=seat_claim(seat=seat, application=application, by=user), by=staff_a)
    client.force_login(staff_a)
    url = f"/ru/staff/referrals/{referral.pk}/departure/"
    response = client.get(url, {"reason": "moved", "note": "Переезд"})
    page = response.content.decode()
    assert response.status_code == 200 and 'value="moved" selected' in page and 'value="Переезд"' in page
    client.post(url, {"reason": "moved"})
    assert Referral.objects.get(pk=referral.pk).state == "enrolled"
    client.post(url, {"reason": "moved", **CONFIRMED})
    assert Referral.objects.get(pk=referral.pk).state == "left"


def test_a_confirmation_keeps_csrf(city, open_seats, monday):
    from django.test import Client

    [seat] = open_seats(1)
    user, application = family(city, 1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(f"/kk/cabinet/applications/{application.pk}/claim/{seat.pk}/", CONFIRMED)
    assert response.status_code == 403
    assert not Referral.objects.exists()
