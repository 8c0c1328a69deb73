"""Issue 4 end to end in Chromium: a parent sees the position, claims a seat in priority access and
prints the referral; the kindergarten opens its QR link and confirms enrolment."""

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import expect

from indigo import clock
from placement.day_close import day_close
from placement.models import Referral
from tests.factories import GroupFactory
from tests.placement.conftest import family
from vacancies.services import seat_release

pytestmark = pytest.mark.browser


def sign_in(page, base, username, language="ru"):
    page.goto(f"{base}/{language}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass-for-tests")
    page.locator("main button[type=submit]").click()


def test_it_claims_prints_and_enrols(live_server, browser, city, kindergarten_a, staff_a, screenshot):
    group = GroupFactory(kindergarten=kindergarten_a, cohort=2021, language="kk", capacity=5, name="Балдырған")
    user, application = family(city, 1, username="mother")
    family(city, 2)
    seat_release(group=group, count=1, at=clock.at_local(dt.date(2024, 5, 31), dt.time(9)))
    day_close(city=city, cutoff=clock.at_local(dt.date(2024, 5, 31), dt.time(18)))
    # Monday 3 June 2024: the seat is in priority access and the mother's child is first in the queue.
    traveller = time_machine.travel(clock.at_local(dt.date(2024, 6, 3), dt.time(10)), tick=True)
    traveller.start()
    try:
        run_flow(live_server, browser, application, screenshot)
    finally:
        traveller.stop()


def run_flow(live_server, browser, application, screenshot):
    parent_page = browser.new_context(locale="ru-RU").new_page()
    sign_in(parent_page, live_server.url, "mother")
    parent_page.goto(f"{live_server.url}/ru/cabinet/")
    expect(parent_page.get_by_test_id("position")).to_contain_text("1")
    expect(parent_page.locator("tr[data-seat] .tag--stage-priority")).to_have_count(1)
    screenshot(parent_page, "cabinet")
    parent_page.locator("tr[data-seat]").get_by_role("button").click()
    # The second step (issue 12): the group, the 5 working days, then the claim.
    expect(parent_page.locator(".confirm")).to_contain_text("5 рабочих дней")
    screenshot(parent_page, "claim-confirm")
    parent_page.locator(".confirm__actions button[type=submit]").click()
    expect(parent_page.get_by_test_id("referral")).to_be_visible()
    referral = Referral.objects.get(application=application)
    expect(parent_page.get_by_test_id("referral")).to_contain_text(referral.number)
    parent_page.emulate_media(media="print")
    screenshot(parent_page, "referral-print")
    verify_url = parent_page.get_by_test_id("verify-link").get_attribute("href")

    staff_page = browser.new_context(locale="kk-KZ").new_page()
    sign_in(staff_page, live_server.url, "staff_a", language="kk")
    staff_page.goto(verify_url)
    expect(staff_page.get_by_test_id("child-name")).to_contain_text(application.child.last_name)
    staff_page.locator("main form").first.get_by_role("button").click()
    expect(staff_page.get_by_test_id("verdict")).to_be_visible()
    screenshot(staff_page, "verified")
    referral.refresh_from_db()
    assert referral.state == "enrolled"
