"""R-A-3 in Chromium: the officer blocks a flagged cabinet; the parent then sees only the reason and
the end date, whether signing in or opening any page with a session that was already open."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from accounts.models import AccountBlock, AccountFlag, RepresentativeLink
from accounts.services.blocks import account_block, block_end_text
from indigo import clock
from tests.factories import ApplicationFactory, ChildFactory

pytestmark = pytest.mark.browser

REASON = "Кабинетпен делдал жұмыс істеді / кабинетом пользовался посредник"


@pytest.fixture
def flagged(parent, city):
    child = ChildFactory(last_name="Серікова", first_name="Айша", birth_date=dt.date(2021, 3, 15))
    RepresentativeLink.objects.create(user=parent, child=child, relation="parent", state="verified", city=city)
    ApplicationFactory(child=child, city=city, reference="TMT-000001")
    now = clock.now()
    evidence = [
        {
            "at": now.isoformat(),
            "ip": f"95.56.{n}.10",
            "network": f"95.56.{n}.0/24",
            "device": "ab12cd34ef56ab12",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/127.0",
        }
        for n in range(4)
    ]
    return AccountFlag.objects.create(
        user=parent, city=city, networks=4, devices=1, threshold=3, evidence=evidence, created_at=now, updated_at=now
    )


PASSWORD = "pass-for-tests"


def sign_in(page, base, username, language="ru"):
    page.goto(f"{base}/{language}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()


def test_it_blocks_from_the_flag_and_shows_the_parent_the_reason_and_end_date(
    live_server, page, screenshot, flagged, officer, parent, outbox, eager_celery
):
    sign_in(page, live_server.url, "officer")
    page.goto(f"{live_server.url}/ru/department/{flagged.city.slug}/flags/")
    card = page.locator(f"[data-flag='{flagged.pk}']")
    card.locator("summary").click()
    expect(card.locator("table.evidence tbody tr")).to_have_count(4)
    screenshot(page, "flags-ru")
    card.locator("input[name=reason]").first.fill(REASON)
    card.locator("button.button--danger").click()
    expect(page.locator(".confirm")).to_contain_text(parent.iin)
    screenshot(page, "block-confirm-ru")
    page.locator(".confirm__actions button[type=submit]").click()
    expect(page.locator(".message--success")).to_be_visible()
    block = AccountBlock.objects.get(user=parent)
    ends = block_end_text(block)
    expect(page.locator(".message--success")).to_contain_text(ends)
    page.locator("header .site-nav button.link-button").click()

    sign_in(page, live_server.url, parent.iin)
    error = page.locator("main .message--error")
    expect(error).to_contain_text(ends)
    expect(error).to_contain_text(REASON)
    expect(page).to_have_url(re.compile(r"/ru/accounts/login/$"))
    screenshot(page, "login-refused-ru")
    assert any(ends in message.body for message in outbox if message.to == parent.phone)


def test_it_shows_an_open_session_only_the_block_page(
    live_server, page, screenshot, flagged, officer, parent, outbox, eager_celery
):
    browser_session = Client()
    browser_session.force_login(parent)
    account_block(user=parent, reason=REASON, by=officer)
    # A session made after the block (the block ended the older ones), as a stolen cookie would be.
    browser_session.force_login(parent)
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": browser_session.session.session_key, "url": live_server.url}]
    )
    block = AccountBlock.objects.get(user=parent)
    for language in ("kk", "ru"):
        response = page.goto(f"{live_server.url}/{language}/cabinet/")
        assert response.status == 423
        expect(page.get_by_test_id("block-ends")).to_have_text(block_end_text(block))
        expect(page.get_by_test_id("block-reason")).to_have_text(REASON)
        screenshot(page, f"blocked-{language}")
    assert page.goto(f"{live_server.url}/ru/accounts/blocked/").status == 200
