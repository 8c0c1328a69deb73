"""The department console in Chromium: an officer moves the 2021 cohort's dates and the public schedule shows
them with the reason; a report draws its chart with the vendored Chart.js."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from indigo import clock
from tests.factories import GroupFactory
from vacancies.models import Seat, SeatEvent, SummerWindow

pytestmark = pytest.mark.browser

BLANK_CANVAS = """(canvas) => {
  const blank = document.createElement("canvas");
  blank.width = canvas.width;
  blank.height = canvas.height;
  return canvas.toDataURL() !== blank.toDataURL();
}"""


def sign_in(page, live_server, next_path: str) -> None:
    page.goto(f"{live_server.url}/ru/accounts/login/?next={next_path}")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", "pass-for-tests")
    # The header has language buttons too: press the form's own button.
    page.locator("main").get_by_role("button", name="Войти").click()


def test_it_moves_the_2021_dates_and_the_public_schedule_shows_them(live_server, page, screenshot, officer, city):
    SummerWindow.objects.create(
        city=city,
        year=2024,
        cohort=2021,
        priority_start=dt.date(2024, 6, 3),
        priority_end=dt.date(2024, 6, 5),
        general_date=dt.date(2024, 6, 6),
    )
    sign_in(page, live_server, f"/ru/department/{city.slug}/schedule/?year=2024")
    expect(page.get_by_test_id("priority-2021")).to_have_text("03.06.2024 – 05.06.2024")

    page.locator("tr.edit-row summary").first.click()
    form = page.get_by_test_id("window-form-2021")
    form.locator("input[name=priority_start]").fill("10.06.2024")
    form.locator("input[name=priority_end]").fill("12.06.2024")
    form.locator("input[name=general_date]").fill("13.06.2024")
    form.locator("input[name=reason]").fill("Ремонт отопления в июне")
    form.locator("button[type=submit]").click()
    # The 2024 season is over by the time this runs: the editor asks first (issue 12).
    expect(page.locator(".confirm")).to_contain_text("2024")
    screenshot(page, "ended-season-confirm")
    page.locator(".confirm__actions button[type=submit]").click()

    expect(page.locator(".message--success")).to_be_visible()
    expect(page.get_by_test_id("priority-2021")).to_have_text("10.06.2024 – 12.06.2024")
    screenshot(page, "console")

    page.goto(f"{live_server.url}/ru/schedule/?year=2024")
    expect(page.get_by_test_id("priority-2021")).to_have_text("10.06.2024 – 12.06.2024")
    expect(page.get_by_test_id("general-2021")).to_have_text("13.06.2024")
    log = page.get_by_test_id("schedule-log")
    expect(log).to_contain_text("Ремонт отопления в июне")
    expect(log).to_contain_text(clock.local_today().strftime("%d.%m.%Y"))
    screenshot(page, "public")


def test_it_draws_a_report_chart(live_server, page, screenshot, officer, city, kindergarten_a):
    group = GroupFactory(kindergarten=kindergarten_a, cohort=2021, capacity=30)
    today = clock.local_today()
    for days_ago, count in ((6, 3), (4, 5), (1, 2)):
        moment = clock.at_local(today - dt.timedelta(days=days_ago), dt.time(10, 0))
        for _ in range(count):
            seat = Seat.objects.create(group=group, released_at=moment)
            SeatEvent.objects.create(seat=seat, kind="released", at=moment)
    sign_in(page, live_server, f"/ru/department/{city.slug}/reports/seats/")

    canvas = page.locator("canvas#report-chart")
    expect(canvas).to_have_attribute("data-drawn", "true")
    assert canvas.evaluate("(canvas) => canvas.width") > 0
    assert canvas.evaluate(BLANK_CANVAS), "Chart.js left the canvas blank"
    expect(page.get_by_test_id("report-table")).to_contain_text("5")
    screenshot(page, "seats-report")
