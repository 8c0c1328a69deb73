"""R-A-1: the console of a city is its own officers' (and administrators'); everyone else is turned away.

The URL list is read from vacancies.department_urls, so a page added later is covered without
touching this file.
"""

import datetime as dt

import pytest
from django.urls import URLPattern, reverse

from indigo.clock import at_local
from placement.models import Privilege
from tests.factories import ApplicationFactory, PrivilegeCategoryFactory
from vacancies import department_urls
from vacancies.reports import REPORTS


@pytest.fixture
def privilege(city):
    return Privilege.objects.create(
        application=ApplicationFactory(city=city),
        category=PrivilegeCategoryFactory(city=city),
        evidence="Certificate No. 5",
        claimed_at=at_local(dt.date(2024, 5, 2), dt.time(10, 0)),
    )


@pytest.fixture
def city_urls(city, kindergarten_a, privilege):
    """Every console URL of `city`, with real objects of that city in it."""
    values = {
        "city_slug": city.slug,
        "kindergarten_id": kindergarten_a.pk,
        "privilege_id": privilege.pk,
    }
    urls = []
    for pattern in department_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        names = pattern.pattern.converters.keys()
        if "city_slug" not in names:
            continue
        # Each report is its own page and export.
        for report in REPORTS if "report" in names else [None]:
            kwargs = {name: report if name == "report" else values[name] for name in names}
            urls.append(reverse(pattern.name, kwargs=kwargs))
    assert len(urls) >= 12 + len(REPORTS)
    return urls


def test_it_gives_403_to_an_officer_of_another_city_on_every_page_and_endpoint(client, outsider, city_urls, privilege):
    client.force_login(outsider)
    for url in city_urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"action": "add", "reason": "x"}).status_code == 403, url
        assert client.get(url, {"format": "csv"}).status_code == 403, url
    privilege.refresh_from_db()
    assert privilege.state == "pending"


@pytest.mark.parametrize("role", ["staff_a", "parent"])
def test_it_gives_403_to_staff_and_parents(client, request, role, city_urls):
    client.force_login(request.getfixturevalue(role))
    for url in city_urls:
        assert client.get(url).status_code == 403, url


def test_it_sends_anonymous_visitors_to_sign_in(client, city_urls):
    for url in city_urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"]


def test_it_lets_the_citys_officer_and_an_administrator_in(client, officer, administrator, city_urls):
    pages = [url for url in city_urls if not url.endswith(("/confirm/", "/reject/"))]
    for user in (officer, administrator):
        client.force_login(user)
        for url in pages:
            assert client.get(url).status_code == 200, url


def test_it_does_not_reach_another_citys_objects_through_ones_own_city(client, outsider, other_city, privilege):
    client.force_login(outsider)
    url = reverse("department-privilege-confirm", kwargs={"city_slug": other_city.slug, "privilege_id": privilege.pk})
    assert client.post(url).status_code == 404
    privilege.refresh_from_db()
    assert privilege.state == "pending"


def test_it_sends_an_officer_to_their_own_city(client, officer, outsider, city, other_city):
    client.force_login(officer)
    assert client.get("/kk/department/")["Location"] == f"/kk/department/{city.slug}/"
    client.force_login(outsider)
    assert client.get("/kk/department/")["Location"] == f"/kk/department/{other_city.slug}/"


def test_it_lists_the_cities_for_an_administrator_only(client, administrator, staff_a, city, other_city):
    client.force_login(administrator)
    response = client.get("/ru/department/")
    assert response.status_code == 200
    assert city.name_ru.encode() in response.content and other_city.name_ru.encode() in response.content
    client.force_login(staff_a)
    assert client.get("/ru/department/").status_code == 403
