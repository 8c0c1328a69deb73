"""R-A-2 in Chromium: a parent registers with an IIN and a phone confirmed by the SMS code, signs in
again by IIN, and adds a child by the child's IIN and birth date."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import RepresentativeLink, User

pytestmark = pytest.mark.browser

PASSWORD = "Balapan-2024-kokte"


def last_code(outbox) -> str:
    return re.search(r"\b(\d{6})\b", outbox[-1].body).group(1)


def test_it_signs_up_signs_in_and_adds_a_child(live_server, page, screenshot, outbox, eager_celery, city):
    page.goto(f"{live_server.url}/ru/accounts/signup/")
    page.fill("input[name=iin]", "900515412345")
    page.fill("input[name=last_name]", "Серикова")
    page.fill("input[name=first_name]", "Дана")
    page.fill("input[name=phone]", "+7 701 555 12 34")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    screenshot(page, "signup-ru")
    page.locator("main button[type=submit]").click()

    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main")).to_contain_text("+77015551234")
    assert [message.to for message in outbox] == ["+77015551234"]
    page.fill("input[name=code]", last_code(outbox))
    screenshot(page, "signup-code-ru")
    page.locator("main button[value=confirm]").click()

    expect(page).to_have_url(re.compile(r"/ru/accounts/children/add/$"))
    assert User.objects.get(iin="900515412345").phone_confirmed_at is not None
    page.locator("header .site-nav button.link-button").click()  # sign out

    page.goto(f"{live_server.url}/ru/accounts/login/")
    page.fill("input[name=username]", "900515412345")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/ru/(cabinet|accounts/children)/$"))

    page.goto(f"{live_server.url}/ru/accounts/children/add/")
    page.fill("input[name=iin]", "210902600016")
    page.fill("input[name=birth_date]", "2021-09-02")
    page.fill("input[name=last_name]", "Серикова")
    page.fill("input[name=first_name]", "Айша")
    page.check("input[name=relation][value=parent]")
    screenshot(page, "child-link-ru")
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/ru/accounts/children/$"))
    expect(page.locator("tr[data-state=verified]")).to_have_count(1)
    expect(page.locator("main")).to_contain_text("Серикова Айша")
    screenshot(page, "children-ru")
    assert RepresentativeLink.objects.get(user__iin="900515412345").state == "verified"


def test_it_explains_a_wrong_iin_on_the_page(live_server, page, db):
    page.goto(f"{live_server.url}/en/accounts/signup/")
    page.fill("input[name=iin]", "900515412346")
    page.locator("main button[type=submit]").click()
    expect(page.locator(".field--error").first).to_contain_text("wrong check digit")
