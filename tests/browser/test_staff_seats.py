"""Issue 3 end to end in Chromium: staff release 3 seats, withdraw 1, the 18:00 protocol runs,
and the public registry shows the 2 that are left."""

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import expect

from indigo import clock
from tests.factories import GroupFactory
from vacancies.access import next_cutoff
from vacancies.protocol import protocol_publish

pytestmark = pytest.mark.browser


def test_it_releases_withdraws_and_publishes(live_server, page, screenshot, staff_a, kindergarten_a, city):
    group = GroupFactory(kindergarten=kindergarten_a, cohort=2018, capacity=10, name="Күншуақ")

    page.goto(f"{live_server.url}/ru/accounts/login/?next=/ru/staff/")
    page.fill("input[name=username]", "staff_a")
    page.fill("input[name=password]", "pass-for-tests")
    page.locator("main").get_by_role("button", name="Войти").click()
    card = page.locator(f"[data-testid=group-{group.pk}]")
    expect(card).to_be_visible()

    card.locator("input[name=count]").fill("3")
    card.get_by_role("button", name="Высвободить").click()
    expect(card.locator("tr[data-seat]")).to_have_count(3)
    first = card.locator("tr[data-seat]").first
    first.locator("select[name=reason]").select_option("repairs")  # R-P-4: a reason from the list
    first.locator("input[name=note]").fill("Группа закрыта на ремонт")
    first.get_by_role("button", name="Отозвать").click()
    expect(page.locator(f"[data-testid=group-{group.pk}] tr[data-seat]")).to_have_count(2)
    screenshot(page, "staff-desk")

    cutoff = next_cutoff(city, clock.now())
    with time_machine.travel(cutoff + dt.timedelta(minutes=1), tick=True):
        protocol_publish(city=city, cutoff=cutoff)
        page.goto(f"{live_server.url}/ru/vacancies/")
        # The two seats left of one release share one row of the registry (issue 12).
        expect(page.locator("tr[data-group]")).to_have_count(1)
        expect(page.locator("tr[data-group]")).to_have_attribute("data-seats", "2")
        expect(page.get_by_test_id("registry-count")).to_contain_text("2")
        screenshot(page, "registry")
        page.goto(f"{live_server.url}/ru/protocols/{clock.local_date(cutoff).isoformat()}/")
        expect(page.locator("tr[data-kind=withdrawn]")).to_have_count(1)
        expect(page.locator("tr[data-kind=published]")).to_have_count(2)
        screenshot(page, "protocol")
