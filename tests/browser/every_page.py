"""Every page of README's "Pages" table, checked the same way in Chromium (issue 12, item 6).

A test module builds one demo city and one live server for all its pages (`site_fixture`), keeps one
browser context per role, and runs `page_check` on each page in kk and ru at a phone's 375×812 and a
desktop's 1280×800: the document is no wider than the viewport, the page's primary action is fully
visible once scrolled to (not clipped inside a table that scrolls sideways), axe-core finds no serious
or critical violation, and a full-page screenshot of each width goes to test-artifacts/pages/.
"""

import dataclasses
import datetime as dt
import random
import re
from pathlib import Path

from axe_playwright_python.base import AXE_SCRIPT
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.test import Client
from pytest_django.live_server_helper import LiveServer

from accounts.models import AccountBlock, AccountFlag, RepresentativeLink, User
from indigo import clock
from placement.demo.city import demo_city_load
from placement.demo.common import DEFAULT_SEED
from placement.demo.seats import demo_seats_load
from placement.models import Application
from placement.services.claims import seat_claim
from tests.factories import ChildFactory, GroupFactory, UserFactory
from vacancies.models import Group, Protocol
from vacancies.services import seat_release

PASSWORD = "pass-for-tests"
LANGUAGES = ("kk", "ru")
WIDTHS = {"phone": (375, 812), "desktop": (1280, 800)}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "pages"
# axe-core's impacts are minor, moderate, serious and critical; the last two must never appear.
BLOCKING = ("serious", "critical")


@dataclasses.dataclass(frozen=True)
class Page:
    name: str
    role: str  # a demo login (ROLES), or "anonymous"
    path: str  # after /<lang>; may name {city}, {kindergarten}, {child}, {referral}, {token}, {day}, {group}
    primary: str  # CSS selector of the action the page is for, inside <main>

    def __str__(self) -> str:
        return self.name


@dataclasses.dataclass
class Site:
    url: str
    values: dict

    def path(self, page: Page, language: str) -> str:
        return f"{self.url}/{language}{page.path.format(**self.values)}"


def city_build() -> dict:
    """The demo Temirtau, small: six kindergartens, 200 children, seats released 12 days and a day ago
    and the protocols that published them; parent2's child holds a referral; a flag, a block and a
    guardian's link wait for the department."""
    summary = demo_city_load(seed=DEFAULT_SEED, children=200, kindergartens=6, password=PASSWORD)
    city = summary.city
    parent2 = User.objects.get(username="parent2")
    application = Application.objects.get(child__representative_links__user=parent2, state="active")
    group = Group.objects.filter(
        kindergarten__city=city,
        cohort=application.cohort,
        language=application.language,
        group_type=application.group_type,
        is_active=True,
    ).first() or GroupFactory(
        kindergarten=city.kindergartens.first(),
        cohort=application.cohort,
        language=application.language,
        group_type=application.group_type,
        capacity=20,
    )
    # Released with the demo's older batch, so it is in general access by now and anyone may take it.
    twelve_days_ago = clock.at_local(clock.local_today() - dt.timedelta(days=12), dt.time(9))
    [seat] = seat_release(group=group, count=1, at=twelve_days_ago)
    demo_seats_load(city=city, rng=random.Random(DEFAULT_SEED))
    seat.refresh_from_db()
    referral = seat_claim(seat=seat, application=application, by=parent2)
    # parent2 also has a child not yet in the queue: the "apply" page.
    newborn = ChildFactory(last_name="Павленко", first_name="Артём", birth_date=dt.date(2023, 2, 14))
    RepresentativeLink.objects.create(user=parent2, child=newborn, relation="parent", state="verified", city=city)

    now = clock.now()
    shared = UserFactory(username="shared", first_name="Дана", last_name="Жұмабаева", iin="900515400123")
    evidence = [
        {"at": (now - dt.timedelta(minutes=m)).isoformat(), "ip": ip, "network": net, "device": dev, "user_agent": ua}
        for m, ip, net, dev, ua in (
            (5, "95.56.1.10", "95.56.1.0/24", "a1b2c3", "Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile"),
            (9, "178.89.4.2", "178.89.4.0/24", "d4e5f6", "Mozilla/5.0 (Windows NT 10.0) Firefox/127.0"),
            (14, "2.134.77.8", "2.134.77.0/24", "0a9b8c", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5) Safari/604.1"),
        )
    ]
    AccountFlag.objects.create(
        user=shared, city=city, networks=3, devices=3, threshold=2, evidence=evidence, created_at=now, updated_at=now
    )
    blocked = UserFactory(username="blocked", first_name="Ерлан", last_name="Сейітов", iin="880101300123")
    AccountBlock.objects.create(
        user=blocked,
        city=city,
        reason="Кабинет үшінші тұлғаға берілген / Кабинет передан третьему лицу",
        starts_at=now,
        ends_at=now + dt.timedelta(days=182),
        created_by=User.objects.get(username="officer"),
    )
    guardian = UserFactory(username="guardian", first_name="Бақыт", last_name="Ахметов", iin="850303300125")
    ward = ChildFactory(last_name="Ахметов", first_name="Ерасыл", birth_date=dt.date(2020, 7, 1))
    RepresentativeLink.objects.create(
        user=guardian, child=ward, relation="guardian", state="pending", city=city, document="Қамқоршылық актісі №12"
    )
    staff = User.objects.get(username="staff")
    return {
        "city": city.slug,
        "kindergarten": staff.kindergartens.order_by("pk").first().pk,
        "group_kindergarten": group.kindergarten_id,
        "child": newborn.pk,
        "referral": referral.pk,
        "token": referral.token,
        "day": Protocol.objects.filter(city=city).order_by("-day").first().day.isoformat(),
    }


ROLES = ("anonymous", "parent", "parent2", "blocked", "staff", "staff2", "officer")


def site_fixture(django_db_blocker, browser):
    """Generator behind each module's `site` fixture: the data, the server, one signed-in tab per role,
    and a clean database after. The tests are marked django_db so that pytest-django creates the test
    database; each runs in a transaction the server thread never sees, so everything the server reads
    is committed here, sessions included."""
    with django_db_blocker.unblock():
        values = city_build()
        server = LiveServer("127.0.0.1:0")
        tabs = {role: _tab(browser, server.url, role) for role in ROLES}
    try:
        yield Site(url=server.url, values=values), tabs
    finally:
        for tab in tabs.values():
            tab.context.close()
        server.stop()
        with django_db_blocker.unblock():
            # Leave the database as empty as a transactional test would, for the tests that run
            # next in this worker.
            call_command("flush", interactive=False, verbosity=0)
            connections.close_all()


def _tab(browser, url: str, role: str):
    context = browser.new_context(locale="ru-RU", viewport={"width": 375, "height": 812})
    if role != "anonymous":
        client = Client()
        client.force_login(User.objects.get(username=role))
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.session.session_key, "url": url}])
    return context.new_page()


OVERFLOW = """() => ({
  document: document.documentElement.scrollWidth,
  viewport: window.innerWidth,
  wide: [...document.querySelectorAll("main *, header *")]
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 5)
    .map((el) => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : "")),
})"""

# Scroll the window (never an inner scroller) until the element is in view, then ask what a finger
# would touch at its centre: the element itself, not something covering it or the edge of the screen.
IN_VIEW = """(el) => {
  const before = el.getBoundingClientRect();
  window.scrollTo(0, window.scrollY + before.top - window.innerHeight / 3);
  // A link that wraps has several boxes: aim at the first, as a finger would.
  const r = el.getClientRects()[0] || el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return {
    left: r.left, right: r.right, top: r.top, bottom: r.bottom,
    width: window.innerWidth, height: window.innerHeight,
    touched: !!hit && (hit === el || el.contains(hit)),
  };
}"""


def page_check(site: Site, pages, page: Page, language: str) -> None:
    tab = pages[page.role]
    url = site.path(page, language)
    # One load per page and language: the phone's layout is checked first, then the same document is
    # widened to a desktop (a resize reflows it as a reload would, at half the cost).
    tab.set_viewport_size({"width": WIDTHS["phone"][0], "height": WIDTHS["phone"][1]})
    response = tab.goto(url)
    assert response.status == 200, f"{url}: {response.status}"
    assert tab.get_attribute("html", "lang") == language, f"{url}: <html lang> is not {language}"
    for width, height in WIDTHS.values():
        tab.set_viewport_size({"width": width, "height": height})
        where = f"{page.name} [{language}, {width}px]"

        sizes = tab.evaluate(OVERFLOW)
        assert sizes["document"] <= sizes["viewport"], f"{where} is {sizes['document']}px wide: {sizes['wide']}"

        primary = tab.locator("main").locator(page.primary).first
        assert primary.is_visible(), f"{where}: no visible primary action {page.primary}"
        box = primary.evaluate(IN_VIEW)
        assert box["left"] >= 0 and box["right"] <= box["width"], f"{where}: {page.primary} is off-screen: {box}"
        assert box["touched"], f"{where}: {page.primary} is covered or clipped: {box}"

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / f"{page.name}-{language}-{width}.png"), full_page=True)

        blocking = [v for v in _axe(tab) if v["impact"] in BLOCKING]
        assert not blocking, f"{where}: axe-core found\n" + _axe_report(blocking)


def _axe(tab) -> list[dict]:
    """axe-core's violations on the page as it is now; the bundled axe.min.js is injected once per load."""
    if not tab.evaluate("() => typeof window.axe !== 'undefined'"):
        tab.evaluate(AXE_SCRIPT)
    return tab.evaluate("() => axe.run(document, {resultTypes: ['violations']}).then((r) => r.violations)")


def _axe_report(violations) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:4]:
            html = re.sub(r"\s+", " ", node["html"])[:160]
            lines.append(f"    {', '.join(map(str, node['target']))}: {html}")
    return "\n".join(lines)
