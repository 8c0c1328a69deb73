"""R-A-1: the console of a city is its own officers' (and administrators'); everyone else is turned away.

The URL list is read from the URLconf (every page named department-… that takes a city, whichever app
holds it), so a page added later is covered without touching this file.
"""

import datetime as dt

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import AccountBlock, AccountFlag
from indigo import clock
from indigo.clock import at_local
from placement.models import Privilege
from tests.accounts.conftest import link
from tests.factories import ApplicationFactory, ChildFactory, PrivilegeCategoryFactory
from vacancies.reports import REPORTS


@pytest.fixture
def privilege(city):
    return Privilege.objects.create(
        application=ApplicationFactory(city=city),
        category=PrivilegeCategoryFactory(city=city),
        evidence="Certificate No. 5",
        claimed_at=at_local(dt.date(2024, 5, 2), dt.time(10, 0)),
    )


def console_patterns(patterns=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from console_patterns(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and (pattern.name or "").startswith("department-"):
            yield pattern


@pytest.fixture
def account_rows(city, parent):
    """A flag, a block and a pending guardian link of `city`, for the console's account pages."""
    now = clock.now()
    flag = AccountFlag.objects.create(
        user=parent, city=city, networks=4, devices=1, threshold=3, evidence=[], created_at=now, updated_at=now
    )
    block = AccountBlock.objects.create(
        user=parent, city=city, reason="Shared", starts_at=now, ends_at=now + dt.timedelta(days=1), lifted_at=now
    )
    pending = link(parent, ChildFactory(), relation="guardian", state="pending", city=city)
    return {"flag_id": flag.pk, "block_id": block.pk, "link_id": pending.pk}


@pytest.fixture
def city_urls(city, kindergarten_a, privilege, account_rows):
    """Every console URL of `city`, with real objects of that city in it."""
    values = {
        "city_slug": city.slug,
        "kindergarten_id": kindergarten_a.pk,
        "privilege_id": privilege.pk,
        **account_rows,
    }
    urls = []
    for pattern in console_patterns():
        names = pattern.pattern.converters.keys()
        if "city_slug" not in names:
            continue
        # Each report is its own page and export.
        for report in REPORTS if "report" in names else [None]:
            kwargs = {name: report if name == "report" else values[name] for name in names}
            urls.append(reverse(pattern.name, kwargs=kwargs))
    assert len(urls) >= 21 + len(REPORTS)
    return urls


POST_ONLY = ("/confirm/", "/reject/", "/block/", "/dismiss/", "/lift/", "/decide/")


def test_it_gives_403_to_an_officer_of_another_city_on_every_page_and_endpoint(
    client, outsider, city_urls, privilege, account_rows
):
    client.force_login(outsider)
    for url in city_urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"action": "add", "reason": "x"}).status_code == 403, url
        assert client.get(url, {"format": "csv"}).status_code == 403, url
    privilege.refresh_from_db()
    assert privilege.state == "pending"
    assert AccountFlag.objects.get(pk=account_rows["flag_id"]).state == AccountFlag.State.OPEN


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
    pages = [url for url in city_urls if not url.endswith(POST_ONLY)]
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
