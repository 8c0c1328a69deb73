"""Public pages without sign-in: how it works, the kindergarten directory, the summer schedule and its log."""

import pytest
import time_machine

from tests.department.conftest import D, local
from tests.factories import GroupFactory
from vacancies.models import Kindergarten
from vacancies.schedule.services import SummerDates, summer_change_save


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.parametrize("page", ["how-it-works", "kindergartens", "schedule"])
def test_it_shows_every_public_page_in_every_language(client, city, kindergarten_a, window_2021, page, language):
    response = client.get(f"/{language}/{page}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<html lang="{language}">' in body
    for path in ("how-it-works", "kindergartens", "schedule"):
        assert f'href="/{language}/{path}/"' in body


def test_it_lists_schedule_changes_with_reason_and_time(client, city, officer, window_2021, kindergarten_a):
    with time_machine.travel(local(D(2024, 5, 28), 11, 15), tick=False):
        summer_change_save(
            window=window_2021,
            kindergarten=kindergarten_a,
            dates=SummerDates(D(2024, 6, 17), D(2024, 6, 19), D(2024, 6, 20)),
            reason="Ағымдағы жөндеу / текущий ремонт",
            by=officer,
        )
    body = client.get("/ru/schedule/").content.decode()
    assert "Ағымдағы жөндеу / текущий ремонт" in body
    assert "28.05.2024 11:15" in body
    assert "17.06.2024 – 19.06.2024" in body
    assert "officer" not in body  # the public log names no department employee
    assert "Seats already published keep" in client.get("/en/schedule/").content.decode()


def test_it_explains_the_rules_with_the_citys_numbers(client, city):
    city.priority_window_length = 2
    city.save()
    body = client.get("/en/how-it-works/").content.decode()
    assert "within 2 working days" in body
    assert "from 09:00 to 18:00" in body
    assert "blocked for 6 months" in body


def test_it_explains_the_rules_before_any_city_is_loaded(client, db):
    assert client.get("/en/how-it-works/").status_code == 200


def test_it_filters_the_directory(client, city, kindergarten_a, kindergarten_b):
    Kindergarten.objects.filter(pk=kindergarten_b.pk).update(ownership="private", state_order_places=12)
    GroupFactory(kindergarten=kindergarten_a, language="ru")
    GroupFactory(kindergarten=kindergarten_b, language="kk")
    everything = client.get("/ru/kindergartens/").content.decode()
    assert kindergarten_a.name_ru in everything and kindergarten_b.name_ru in everything
    private = client.get("/ru/kindergartens/?ownership=private").content.decode()
    assert kindergarten_b.name_ru in private and kindergarten_a.name_ru not in private
    russian = client.get("/ru/kindergartens/?language=ru").content.decode()
    assert kindergarten_a.name_ru in russian and kindergarten_b.name_ru not in russian
    district = client.get(f"/ru/kindergartens/?district={kindergarten_b.district_id}").content.decode()
    assert kindergarten_b.name_ru in district and kindergarten_a.name_ru not in district
    assert client.get("/ru/kindergartens/?ownership=<b>&language=zz").status_code == 200
    assert client.get("/ru/kindergartens/?district=x").status_code == 400  # issue 14, item 2
