"""R-S-9 on the kindergarten's pages, and the department's view of a whole queue (R-Q-2)."""

import datetime as dt

import time_machine

from indigo.clock import at_local
from placement.models import Referral
from placement.services import referral_enrol, seat_claim
from tests.placement.conftest import family

MONDAY = at_local(dt.date(2024, 6, 3), dt.time(10, 0))


def test_it_lists_referrals_and_records_a_departure(client, city, open_seats, staff_a, staff_b, kindergarten_a):
    [seat] = open_seats(1)
    user, application = family(city, 1)
    with time_machine.travel(MONDAY, tick=False):
        referral = referral_enrol(referral=seat_claim(seat=seat, application=application, by=user), by=staff_a)
    client.force_login(staff_b)
    assert client.get(f"/kk/staff/kindergartens/{kindergarten_a.pk}/referrals/").status_code == 403
    assert client.post(f"/kk/staff/referrals/{referral.pk}/departure/").status_code == 403
    client.force_login(staff_a)
    page = client.get(f"/kk/staff/kindergartens/{kindergarten_a.pk}/referrals/")
    assert referral.number.encode() in page.content
    client.post(f"/kk/staff/referrals/{referral.pk}/departure/", {"reason": "moved", "confirmed": "yes"})
    assert Referral.objects.get(pk=referral.pk).state == "left"


def test_it_shows_the_officer_the_queue_of_their_city_only(client, city, officer, outsider, parent):
    families = [family(city, n) for n in range(1, 4)]
    client.force_login(officer)
    page = client.get(
        f"/ru/department/{city.slug}/queue/", {"cohort": "2021", "language": "kk", "group_type": "general"}
    )
    assert page.status_code == 200
    for _user, application in families:
        assert application.reference.encode() in page.content
    client.force_login(outsider)
    page = client.get(
        f"/ru/department/{city.slug}/queue/", {"cohort": "2021", "language": "kk", "group_type": "general"}
    )
    assert page.status_code == 403
    client.force_login(parent)
    assert client.get(f"/ru/department/{city.slug}/queue/").status_code == 403


def test_issue12_the_queue_keeps_the_console_tabs_and_says_what_is_wrong(client, city, officer):
    family(city, 1)
    client.force_login(officer)
    page = client.get(
        f"/ru/department/{city.slug}/queue/", {"cohort": "abc", "language": "xx", "group_type": "general"}
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert 'class="dept-nav"' in body and 'aria-current="page">Очередь</a>' in body
    assert body.count('class="field__error"') == 2  # the birth year and the language
    first = client.get(f"/ru/department/{city.slug}/queue/").content.decode()
    assert 'class="field__error"' not in first and "— выберите год рождения —" in first
