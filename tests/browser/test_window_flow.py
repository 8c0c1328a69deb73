"""Issue 11 end to end in Chromium: on a 375-px phone a mother lists two groups in the claim window and
orders them, the allocation runs at the close, and she sees the referral and why she did not get her
first group (R-W-3, R-W-4, R-W-5)."""

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import expect

from accounts.models import RepresentativeLink
from indigo import clock
from placement.day_close import day_close
from placement.models import Referral
from placement.window.allocation import windows_allocate_due
from placement.window.bids import bid_place
from placement.window.models import Bid
from tests.browser.test_claim_flow import sign_in
from tests.factories import ApplicationFactory, ChildFactory, GroupFactory
from tests.placement.conftest import FILED, family
from vacancies.models import ClaimMode
from vacancies.services import seat_release

pytestmark = pytest.mark.browser

EVENING = clock.at_local(dt.date(2024, 5, 31), dt.time(21))
AFTER_CLOSE = clock.at_local(dt.date(2024, 6, 1), dt.time(9, 1))
PHONE = {"width": 375, "height": 812}
DESK = {"width": 1280, "height": 900}


def test_it_bids_from_a_phone_and_shows_the_referral_and_the_reasons(
    live_server, browser, city, kindergarten_a, kindergarten_b, screenshot
):
    city.priority_mode = ClaimMode.WINDOW
    city.save()
    first = GroupFactory(kindergarten=kindergarten_a, cohort=2021, language="kk", capacity=5, name="Айгөлек")
    second = GroupFactory(kindergarten=kindergarten_b, cohort=2021, language="kk", capacity=5, name="Балдырған")
    neighbour, ahead = family(city, 1)
    user, application = family(city, 2, username="mother")
    for group in (first, second):
        seat_release(group=group, count=1, at=clock.at_local(dt.date(2024, 5, 31), dt.time(9)))
    day_close(city=city, cutoff=clock.at_local(dt.date(2024, 5, 31), dt.time(18)))
    with time_machine.travel(EVENING, tick=False):
        bid_place(applications=[ahead], groups=[first.pk], by=neighbour)

    traveller = time_machine.travel(EVENING + dt.timedelta(minutes=5), tick=True)
    traveller.start()
    try:
        phone = browser.new_context(locale="ru-RU", viewport=PHONE).new_page()
        sign_in(phone, live_server.url, "mother")
        phone.goto(f"{live_server.url}/ru/cabinet/")
        expect(phone.get_by_test_id("window-open")).to_contain_text("09:00")
        phone.get_by_test_id("window-open").get_by_role("link").click()
        expect(phone.get_by_test_id("window-explainer")).to_contain_text("SMS")
        groups = phone.get_by_test_id("bid-groups")
        groups.locator(f"[data-group='{second.pk}'] button").click()
        phone.get_by_test_id("bid-groups").locator(f"[data-group='{first.pk}'] button").click()
        # Listed second then first; she moves her favourite up, without any script.
        phone.get_by_test_id("bid-list").locator(f"[data-group='{first.pk}'] button[value=up]").click()
        items = phone.get_by_test_id("bid-list").locator("li")
        expect(items.nth(0)).to_have_attribute("data-group", str(first.pk))
        expect(items.nth(1)).to_have_attribute("data-group", str(second.pk))
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        bid_url = phone.url
        screenshot(phone, "bid-ru-375")
        for language, viewport, label in (
            ("kk", PHONE, "bid-kk-375"),
            ("ru", DESK, "bid-ru-1280"),
            ("kk", DESK, "bid-kk-1280"),
        ):
            phone.set_viewport_size(viewport)
            phone.goto(bid_url.replace("/ru/", f"/{language}/"))
            screenshot(phone, label)
    finally:
        traveller.stop()

    with time_machine.travel(AFTER_CLOSE, tick=False):
        windows_allocate_due()
    referral = Referral.objects.get(application=application)
    assert referral.seat.group_id == second.pk

    traveller = time_machine.travel(AFTER_CLOSE + dt.timedelta(minutes=2), tick=True)
    traveller.start()
    try:
        phone.set_viewport_size(PHONE)
        phone.goto(f"{live_server.url}/ru/cabinet/")
        expect(phone.locator(".notice--referral")).to_contain_text(referral.number)
        expect(phone.get_by_test_id("window-result-short")).to_be_visible()
        screenshot(phone, "cabinet-after-ru-375")
        phone.get_by_test_id("window-result-short").get_by_role("link").click()
        expect(phone.get_by_test_id("window-got")).to_contain_text("Балдырған")
        # The reason she did not get her first group: the rank that took its last seat.
        expect(phone.get_by_test_id("window-reasons")).to_contain_text("Айгөлек")
        expect(phone.get_by_test_id("window-reasons")).to_contain_text("1")
        result_url = phone.url
        screenshot(phone, "result-ru-375")
        for language, viewport, label in (
            ("kk", PHONE, "result-kk-375"),
            ("ru", DESK, "result-ru-1280"),
            ("kk", DESK, "result-kk-1280"),
        ):
            phone.set_viewport_size(viewport)
            phone.goto(result_url.replace("/ru/", f"/{language}/"))
            expect(phone.get_by_test_id("window-reasons")).to_be_visible()
            screenshot(phone, label)
    finally:
        traveller.stop()


def test_twins_share_one_list_from_a_phone(live_server, browser, city, kindergarten_a, screenshot):
    """R-W-3 with R-S-7: a mother of twins lists a group and makes it one list for both, on a phone."""
    city.priority_mode = ClaimMode.WINDOW
    city.save()
    group = GroupFactory(kindergarten=kindergarten_a, cohort=2021, language="kk", capacity=5, name="Айгөлек")
    user, elder = family(city, 1, username="mother")
    twin = ChildFactory(birth_date=elder.child.birth_date, first_name="Айару")
    RepresentativeLink.objects.create(user=user, child=twin, relation="parent", state="verified")
    younger = ApplicationFactory(city=city, child=twin, filed_at=FILED + dt.timedelta(minutes=1, seconds=30))
    seat_release(group=group, count=2, at=clock.at_local(dt.date(2024, 5, 31), dt.time(9)))
    day_close(city=city, cutoff=clock.at_local(dt.date(2024, 5, 31), dt.time(18)))

    traveller = time_machine.travel(EVENING + dt.timedelta(minutes=5), tick=True)
    traveller.start()
    try:
        phone = browser.new_context(locale="ru-RU", viewport=PHONE).new_page()
        sign_in(phone, live_server.url, "mother")
        phone.goto(f"{live_server.url}/ru/cabinet/applications/{elder.pk}/bid/")
        phone.get_by_test_id("bid-groups").locator(f"[data-group='{group.pk}'] button").click()
        phone.get_by_test_id("bid-twin").get_by_role("button").click()
        expect(phone.get_by_test_id("bid-twin")).to_contain_text("Айару")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(phone, "twins-ru-375")
        for language, viewport, label in (("kk", PHONE, "twins-kk-375"), ("kk", DESK, "twins-kk-1280")):
            phone.set_viewport_size(viewport)
            phone.goto(phone.url.replace("/ru/", f"/{language}/"))
            screenshot(phone, label)
    finally:
        traveller.stop()
    rows = {bid.application_id: bid.batch for bid in Bid.objects.all()}
    assert set(rows) == {elder.pk, younger.pk} and len(set(rows.values())) == 1
