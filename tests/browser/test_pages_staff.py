"""Issue 12, item 6: every staff and department page in kk and ru, on a phone and a desktop (see every_page.py)."""

import pytest

from tests.browser.every_page import LANGUAGES, Page, page_check, site_fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db, pytest.mark.xdist_group("pages-staff")]

CONSOLE = "/department/{city}"
PAGES = [
    Page("staff-kindergarten", "staff", "/staff/kindergartens/{kindergarten}/", "form button[type=submit]"),
    Page("staff-referrals", "staff2", "/staff/kindergartens/{group_kindergarten}/referrals/", "[data-referral] a"),
    Page("referral-verify-staff", "staff2", "/referrals/verify/{token}/", "form button[type=submit]"),
    Page("console", "officer", f"{CONSOLE}/", ".dept-card"),
    Page("console-schedule", "officer", f"{CONSOLE}/schedule/?year=2024", "tr.edit-row summary"),
    Page("console-calendar", "officer", f"{CONSOLE}/calendar/", "form button[type=submit]"),
    Page("console-settings", "officer", f"{CONSOLE}/settings/", "form button[type=submit]"),
    Page("console-kindergartens", "officer", f"{CONSOLE}/kindergartens/", "form button[type=submit]"),
    Page("console-kindergarten", "officer", CONSOLE + "/kindergartens/{kindergarten}/", "form button[type=submit]"),
    Page("console-kindergarten-new", "officer", f"{CONSOLE}/kindergartens/new/", "form button[type=submit]"),
    Page("console-privileges", "officer", f"{CONSOLE}/privileges/", "form button[type=submit]"),
    Page("console-flags", "officer", f"{CONSOLE}/flags/", "form button[type=submit]"),
    Page("console-blocks", "officer", f"{CONSOLE}/blocks/", "form button[type=submit]"),
    Page("console-links", "officer", f"{CONSOLE}/links/", "button[value=verify]"),
    Page("console-staff", "officer", f"{CONSOLE}/staff/", "form button[type=submit]"),
    Page("console-audit", "officer", f"{CONSOLE}/audit/", "form button[type=submit]"),
    Page("console-reports", "officer", f"{CONSOLE}/reports/", "a[href*='/reports/']"),
    Page("console-report", "officer", f"{CONSOLE}/reports/seats/", "form button[type=submit]"),
    Page("console-queue", "officer", f"{CONSOLE}/queue/?cohort=2021", "form button[type=submit]"),
    # An old bookmark of the accounts pages leads to the same page in the officer's city.
    Page("console-old-address", "officer", "/accounts/department/links/", "button[value=verify]"),
]


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, browser):
    yield from site_fixture(django_db_blocker, browser)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", PAGES, ids=str)
def test_it_fits_a_phone_and_a_desktop(site, page, language):
    page_check(*site, page, language)
