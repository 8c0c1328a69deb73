"""The home page in a real browser: headings per language, the language switcher, the empty portal."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from vacancies.models import City, District, Group, Kindergarten, SummerWindow

pytestmark = pytest.mark.browser

HEADINGS = {
    "kk": "Балабақшаға орналастыру",
    "ru": "Зачисление в детские сады",
    "en": "Kindergarten placement",
}


def make_city() -> City:
    city = City.objects.create(slug="temirtau", code="TMT", name_kk="Теміртау", name_ru="Темиртау")
    district = District.objects.create(city=city, name_kk="Орталық", name_ru="Центральный")
    kindergarten = Kindergarten.objects.create(
        city=city,
        district=district,
        number=5,
        name_kk="№ 5 «Айгөлек» балабақшасы",
        name_ru="Детский сад № 5 «Айголек»",
        ownership=Kindergarten.Ownership.STATE,
        address_kk="Мира көшесі, 40",
        address_ru="улица Мира, 40",
    )
    Group.objects.create(kindergarten=kindergarten, name="2021-kk", cohort=2021, language="kk", capacity=25)
    SummerWindow.objects.create(
        city=city,
        year=2024,
        cohort=2021,
        priority_start=dt.date(2024, 6, 3),
        priority_end=dt.date(2024, 6, 5),
        general_date=dt.date(2024, 6, 6),
    )
    return city


def test_it_shows_the_kazakh_home_page(live_server, page, screenshot):
    make_city()

    page.goto(f"{live_server.url}/kk/")

    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS["kk"])
    expect(page.locator("header")).to_contain_text("Теміртау")
    expect(page.get_by_role("cell", name="03.06.2024 – 05.06.2024")).to_be_visible()
    expect(page.get_by_role("rowheader", name="№ 5 «Айгөлек» балабақшасы")).to_be_visible()
    assert page.evaluate("typeof htmx") == "object", "the vendored htmx did not load"
    screenshot(page, "kk")


def test_it_shows_the_russian_home_page(live_server, page, screenshot):
    make_city()

    page.goto(f"{live_server.url}/ru/")

    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS["ru"])
    expect(page.locator("header")).to_contain_text("Темиртау")
    expect(page.get_by_role("rowheader", name="Детский сад № 5 «Айголек»")).to_be_visible()
    screenshot(page, "ru")


def test_it_switches_from_kazakh_to_russian(live_server, page, screenshot):
    make_city()
    page.goto(f"{live_server.url}/kk/")
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS["kk"])

    page.get_by_role("button", name="Русский").click()

    expect(page).to_have_url(f"{live_server.url}/ru/")
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS["ru"])
    expect(page.get_by_role("button", name="Русский")).to_have_attribute("aria-current", "true")
    screenshot(page, "ru-after-switch")


def test_it_switches_language_whatever_the_browser_prefers(live_server, browser, screenshot):
    # A Russian-speaking browser on a Kazakh page: the switch must follow the click, not Accept-Language.
    make_city()
    context = browser.new_context(locale="ru-RU")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/kk/")

        page.get_by_role("button", name="English").click()

        expect(page).to_have_url(f"{live_server.url}/en/")
        expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS["en"])
        screenshot(page, "en-after-switch")
    finally:
        context.close()


def test_it_says_no_city_is_loaded_on_an_empty_portal(live_server, page, screenshot):
    page.goto(f"{live_server.url}/en/")

    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS["en"])
    expect(page.get_by_role("heading", name="No city is loaded yet")).to_be_visible()
    screenshot(page, "empty")
