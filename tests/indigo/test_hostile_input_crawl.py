"""Issue 14, item 2: no input causes a 500. A crawl of every HTML page a parent, staff, an officer and
an anonymous visitor reach, sending each form field and each query parameter the hostile values
(non-ASCII digits, NUL, a date at the end of time, huge numbers), and NUL in the path: zero 5xx.

The API is fuzzed with the same values by schemathesis (tests/accounts/test_openapi_fuzz.py).
"""

import re
from collections import deque
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from indigo import clock
from placement.models import Application
from placement.services.claims import seat_claim
from vacancies.models import City, Seat
from vacancies.protocol import protocol_publish

pytestmark = pytest.mark.django_db

# The string classes of issue 14: digits of other scripts, digit-like signs, NUL, a date that
# overflows, numbers beyond any id, and text where a number or a date is expected.
HOSTILE = ["²", "٣", "a\x00b", "9999-12-31", "99999999999999999999999", "x"]
LANGUAGE = "/ru/"
MAX_PAGES = 60
SKIPPED_PATHS = ("/admin/", "/accounts/logout/", "/i18n/")


class _Page(HTMLParser):
    """Links and forms of one page: each form as (method, action, fields, submit variants)."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attr = dict(attrs)
        if tag == "a" and attr.get("href"):
            self.links.append(attr["href"])
        elif tag == "form":
            self._form = {
                "method": (attr.get("method") or "get").lower(),
                "action": attr.get("action"),
                "fields": {},
                "submits": [],
            }
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "button") and attr.get("name"):
            kind = (attr.get("type") or ("submit" if tag == "button" else "text")).lower()
            if kind == "submit":
                self._form["submits"].append((attr["name"], attr.get("value", "")))
            elif kind in ("checkbox", "radio"):
                self._form["fields"].setdefault(attr["name"], attr.get("value", "on"))
            else:
                self._form["fields"][attr["name"]] = attr.get("value", "")
        elif tag == "select" and attr.get("name"):
            self._select = attr["name"]
            self._form["fields"][self._select] = ""
        elif tag == "option" and self._select:
            fields = self._form["fields"]
            if not fields[self._select] or "selected" in attr:
                fields[self._select] = attr.get("value", "")
        elif tag == "textarea" and attr.get("name"):
            self._form["fields"][attr["name"]] = "text"

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _shape(path: str) -> str:
    """Pages that differ only by an id are one page for the crawl."""
    return re.sub(r"/\d+/", "/N/", re.sub(r"/\d{4}-\d{2}-\d{2}/", "/D/", path))


@pytest.fixture
def demo_world(settings):
    settings.SMS_SENDER = "memory"
    call_command("seed_demo", children=120, kindergartens=4, stdout=StringIO())
    city = City.objects.get(slug="temirtau")
    protocol_publish(city=city, cutoff=clock.now())
    # A referral, so that the cabinet, the staff's referral pages and the QR page have their forms.
    parent = User.objects.get(username="parent")
    for application in Application.objects.filter(child__representative_links__user=parent, state="active"):
        for seat in Seat.objects.filter(
            state=Seat.State.OPEN, group__cohort=application.cohort, group__kindergarten__city=city
        )[:20]:
            try:
                seat_claim(seat=seat, application=application, by=parent)
            except Exception:  # noqa: BLE001, S112 - any seat this child may take will do
                continue
            break
    return city


def _crawl(client: Client, starts: list[str], failures: list[str]) -> None:
    seen_pages: set[str] = set()
    seen_forms: set[tuple] = set()
    seen_queries: set[tuple] = set()
    queue = deque(starts)
    while queue and len(seen_pages) < MAX_PAGES:
        url = queue.popleft()
        parts = urlsplit(url)
        shape = _shape(parts.path)
        if shape in seen_pages or not parts.path.startswith(LANGUAGE) or any(s in parts.path for s in SKIPPED_PATHS):
            continue
        seen_pages.add(shape)
        response = client.get(url)
        _check(failures, "GET", url, response)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        _hostile_path(client, parts.path, failures)
        page = _Page()
        page.feed(response.content.decode("utf-8", "replace"))
        for href in page.links:
            target = urlsplit(href)
            if target.netloc or not target.path:
                continue
            queue.append(href)
            params = parse_qsl(target.query, keep_blank_values=True)
            key = (_shape(target.path), tuple(sorted(name for name, _ in params)))
            if params and key not in seen_queries:
                seen_queries.add(key)
                _hostile_fields(client, "get", target.path, dict(params), None, failures)
        for form in page.forms:
            action = form["action"] or parts.path
            if any(s in action for s in SKIPPED_PATHS):
                continue
            variants = form["submits"] or [None]
            for submit in variants:
                key = (form["method"], _shape(urlsplit(action).path), tuple(sorted(form["fields"])), submit)
                if key in seen_forms:
                    continue
                seen_forms.add(key)
                _hostile_fields(client, form["method"], action, form["fields"], submit, failures)


def _hostile_fields(client, method, action, fields, submit, failures):
    base = {name: value for name, value in fields.items() if name != "csrfmiddlewaretoken"}
    if submit:
        base[submit[0]] = submit[1]
    for name in [n for n in base if not submit or n != submit[0]]:
        for value in HOSTILE:
            data = {**base, name: value}
            if method == "post":
                response = client.post(action, data)
            else:
                response = client.get(f"{urlsplit(action).path}?{urlencode(data)}")
            _check(failures, method.upper(), f"{action} {name}={value!r}", response)


def _hostile_path(client, path, failures):
    segments = path.strip("/").split("/")
    for index in range(1, len(segments)):
        broken = "/" + "/".join([*segments[:index], segments[index] + "%00", *segments[index + 1 :]]) + "/"
        _check(failures, "GET", broken, client.get(broken))


def _check(failures: list[str], method: str, what: str, response) -> None:
    if response.status_code >= 500:
        failures.append(f"{method} {what} → {response.status_code}")


@pytest.mark.parametrize(
    ("username", "starts"),
    [
        (None, ["/ru/", "/ru/vacancies/", "/ru/protocols/", "/ru/accounts/signup/", "/ru/accounts/password-reset/"]),
        ("parent", ["/ru/cabinet/", "/ru/accounts/children/", "/ru/accounts/children/add/"]),
        ("staff", ["/ru/staff/"]),
        ("officer", ["/ru/department/temirtau/", "/ru/department/temirtau/flags/"]),
    ],
    ids=["public", "parent", "staff", "officer"],
)
def test_it_answers_no_5xx_to_hostile_values_in_any_form_or_filter(demo_world, username, starts):
    client = Client(raise_request_exception=False)
    if username:
        client.force_login(User.objects.get(username=username))
    failures: list[str] = []
    _crawl(client, starts, failures)
    assert not failures, "\n".join(failures[:60])
