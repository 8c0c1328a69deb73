"""Every account page renders in Kazakh and Russian for the role it is for (screenshots in test-artifacts/)."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation
from playwright.sync_api import expect

from accounts.models import AccountBlock, AuditLog, RepresentativeLink
from indigo import clock
from tests.factories import ApplicationFactory, ChildFactory, UserFactory

pytestmark = pytest.mark.browser

LANGUAGES = ("kk", "ru")


def signed_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.session.session_key, "url": live_server.url}]
    )


def visit(page, url, status=200):
    response = page.goto(url)
    assert response.status == status, f"{url}: {response.status}"
    expect(page.locator("main h1")).to_be_visible()


def test_it_renders_the_sign_in_pages(live_server, page, screenshot, outbox, eager_celery, parent, city):
    for language in LANGUAGES:
        base = f"{live_server.url}/{language}/accounts"
        for name in ("login", "signup", "password-reset"):
            visit(page, f"{base}/{name}/")
            screenshot(page, f"{name}-{language}")
        # The second language asks for an unknown account: one code a minute per phone.
        page.fill("input[name=identifier]", parent.iin if language == LANGUAGES[0] else "+77019999999")
        page.locator("main form button[type=submit]").click()
        expect(page.locator("input[name=code]")).to_be_visible()
        screenshot(page, f"password-reset-confirm-{language}")
        visit(page, f"{base}/signup/")
        page.locator("main button[type=submit]").click()
        expect(page.locator(".field__error").first).to_be_visible()
        screenshot(page, f"signup-errors-{language}")
        page.fill("input[name=iin]", "900515412345" if language == LANGUAGES[0] else "880101441232")
        page.fill("input[name=last_name]", "Серікова")
        page.fill("input[name=first_name]", "Дана")
        page.fill("input[name=phone]", "+7 701 555 12 3" + str(LANGUAGES.index(language)))
        page.fill("input[name=password1]", "Balapan-2024-kokte")
        page.fill("input[name=password2]", "Balapan-2024-kokte")
        page.locator("main button[type=submit]").click()
        expect(page.locator("input[name=code]")).to_be_visible()
        screenshot(page, f"signup-confirm-{language}")


def test_it_renders_the_rate_limit_page(live_server, page, screenshot, rf, db):
    for language in LANGUAGES:
        page.goto(f"{live_server.url}/{language}/")
        with translation.override(language):
            request = rf.get(f"/{language}/")
            request.user = AnonymousUser()
            html = render_to_string("accounts/rate_limited.html", {"retry_after": 42}, request=request)
        page.set_content(html)
        expect(page.locator("main .message--warning")).to_contain_text("42")
        screenshot(page, f"rate-limited-{language}")


def test_it_renders_the_parents_pages(live_server, page, screenshot, parent, city):
    child = ChildFactory(last_name="Серікова", first_name="Айша", birth_date=dt.date(2021, 3, 15))
    RepresentativeLink.objects.create(user=parent, child=child, relation="parent", state="verified", city=city)
    ApplicationFactory(child=child, city=city, reference="TMT-000001")
    ward = ChildFactory(last_name="Серікова", first_name="Әлия", birth_date=dt.date(2020, 2, 2))
    RepresentativeLink.objects.create(
        user=parent, child=ward, relation="guardian", state="pending", city=city, document="Act 3/2024"
    )
    signed_in(page, live_server, parent)
    for language in LANGUAGES:
        visit(page, f"{live_server.url}/{language}/accounts/children/")
        expect(page.locator("tr[data-link]")).to_have_count(2)
        screenshot(page, f"children-{language}")
        visit(page, f"{live_server.url}/{language}/accounts/children/add/")
        screenshot(page, f"child-link-{language}")


def test_it_renders_the_departments_pages(live_server, page, screenshot, officer, parent, staff_a, city):
    now = clock.now()
    ward = ChildFactory(last_name="Болатов", first_name="Ерасыл", birth_date=dt.date(2020, 7, 1))
    other = UserFactory(username="guardian", iin="880101300123", first_name="Бақыт", last_name="Ахметов")
    RepresentativeLink.objects.create(
        user=other, child=ward, relation="guardian", state="pending", city=city, document="Қамқоршылық актісі №12"
    )
    AccountBlock.objects.create(
        user=parent,
        city=city,
        reason="Shared with an intermediary",
        starts_at=now,
        ends_at=now + dt.timedelta(days=182),
    )
    AuditLog.objects.create(at=now, action="login.failure", city=city, ip="95.56.1.1", data={"identifier": "aigerim"})
    signed_in(page, live_server, officer)
    for language in LANGUAGES:
        for section in ("flags", "blocks", "links", "staff", "audit"):
            visit(page, f"{live_server.url}/{language}/department/{city.slug}/{section}/")
            screenshot(page, f"department-{section}-{language}")


def test_it_renders_the_lockout_page(live_server, page, screenshot, parent, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for language in LANGUAGES:
        for _attempt in range(2):
            page.goto(f"{live_server.url}/{language}/accounts/login/")
            page.fill("input[name=username]", f"nobody-{language}")
            page.fill("input[name=password]", "wrong")
            page.locator("main form button[type=submit]").click()
        expect(page.locator("main h1")).to_be_visible()
        assert page.locator(".message--error").count() == 1
        screenshot(page, f"locked-out-{language}")
