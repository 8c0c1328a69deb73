"""Issue 12, item 6: every public and parent page in kk and ru, on a phone and a desktop (see every_page.py)."""

import re

import pytest

from tests.browser.every_page import LANGUAGES, SCREENSHOTS, Page, page_check, site_fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db, pytest.mark.xdist_group("pages-public")]

PAGES = [
    Page("home", "anonymous", "/", ".intro .button"),
    Page("how-it-works", "anonymous", "/how-it-works/", "h1"),
    Page("kindergartens", "anonymous", "/kindergartens/", "form button[type=submit]"),
    Page("schedule", "anonymous", "/schedule/", "[data-testid^=priority-]"),
    Page("registry", "anonymous", "/vacancies/", "form.filters button[type=submit]"),
    Page("protocols", "anonymous", "/protocols/", "a[href*='/protocols/']"),
    Page("protocol", "anonymous", "/protocols/{day}/", "a[href*='format=csv']"),
    Page("referral-verify", "anonymous", "/referrals/verify/{token}/", "[data-testid=verdict]"),
    Page("login", "anonymous", "/accounts/login/", "form button[type=submit]"),
    Page("signup", "anonymous", "/accounts/signup/", "form button[type=submit]"),
    Page("password-reset", "anonymous", "/accounts/password-reset/", "form button[type=submit]"),
    Page("cabinet", "parent", "/cabinet/", "[data-seat] .button"),
    Page("children", "parent", "/accounts/children/", "a.button[href*='/children/add/']"),
    Page("child-link", "parent", "/accounts/children/add/", "form button[type=submit]"),
    Page("cabinet-referral", "parent2", "/cabinet/", "a[href*='/cabinet/referrals/']"),
    Page("apply", "parent2", "/cabinet/children/{child}/apply/", "form button[type=submit]"),
    Page("referral", "parent2", "/cabinet/referrals/{referral}/", "[data-testid=verify-link]"),
    Page("blocked", "blocked", "/accounts/blocked/", "[data-testid=block-notice]"),
]


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, browser):
    yield from site_fixture(django_db_blocker, browser)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", PAGES, ids=str)
def test_it_fits_a_phone_and_a_desktop(site, page, language):
    page_check(*site, page, language)


# An A4 page is 210 mm wide; indigo.css prints with 15 mm margins: 180 mm of text, 680 CSS pixels.
A4_TEXT_WIDTH = 680


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_referral_prints_on_one_a4_page(site, language):
    url, tabs = site
    tab = tabs["parent2"]
    tab.set_viewport_size({"width": A4_TEXT_WIDTH, "height": 900})
    tab.emulate_media(media="print")
    try:
        tab.goto(url.path(next(p for p in PAGES if p.name == "referral"), language))
        assert tab.evaluate("document.documentElement.scrollWidth") <= A4_TEXT_WIDTH
        assert not tab.locator("main .button").first.is_visible()  # no buttons on paper
        assert tab.get_by_test_id("verify-link").is_visible()
        tab.screenshot(path=str(SCREENSHOTS / f"referral-print-{language}.png"), full_page=True)
        pdf = tab.pdf(format="A4", print_background=True)
    finally:
        tab.emulate_media(media="screen")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1


def test_the_menu_folds_behind_a_button_on_a_phone_and_not_on_a_desktop(site):
    url, tabs = site
    tab = tabs["anonymous"]
    tab.set_viewport_size({"width": 375, "height": 812})
    tab.goto(f"{url.url}/ru/vacancies/")
    menu = tab.locator("header summary.site-menu__button")
    protocols = tab.locator("header nav a[href$='/protocols/']")
    assert menu.is_visible() and not protocols.is_visible()
    menu.click()  # a <details>: no JavaScript involved
    assert protocols.is_visible()
    tab.set_viewport_size({"width": 1280, "height": 800})
    tab.goto(f"{url.url}/ru/vacancies/")
    assert not menu.is_visible() and protocols.is_visible()


def test_the_claim_is_the_prominent_action_of_the_cabinet_on_a_phone(site):
    url, tabs = site
    tab = tabs["parent"]
    tab.set_viewport_size({"width": 375, "height": 812})
    tab.goto(f"{url.url}/kk/cabinet/")
    application = tab.locator("[data-testid^=application-]").filter(has=tab.locator("[data-seat]")).first
    claim = application.locator("[data-seat] .button").first
    withdraw = application.locator("form[action*='/withdraw/'] button")
    claim_box, withdraw_box = claim.bounding_box(), withdraw.bounding_box()
    card_box = application.locator("[data-seat]").first.bounding_box()
    assert claim_box["y"] < withdraw_box["y"], "the claim comes before withdrawing"
    assert claim_box["width"] > 0.85 * card_box["width"], "the claim button spans its seat's card"
    assert claim_box["width"] > withdraw_box["width"]
    filled = "(el) => getComputedStyle(el).backgroundColor"
    assert claim.evaluate(filled) not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
    assert withdraw.evaluate(filled) in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
