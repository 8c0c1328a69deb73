"""Issue 14, item 5: the Content-Security-Policy blocks nothing the portal itself needs.

Chromium reports every script, style or image the policy refuses as a console error; pages of each
role, the referral with its QR code and print button, a report with its chart, the API docs (Swagger
UI from the portal's own static files) and the admin must load without one.
"""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from indigo import clock
from placement.models import Application, Referral
from placement.services.claims import seat_claim
from vacancies.models import City, Seat
from vacancies.protocol import protocol_publish

pytestmark = pytest.mark.browser


def _demo_with_a_referral() -> Referral | None:
    call_command("seed_demo", children=60, kindergartens=3, stdout=StringIO())
    city = City.objects.get(slug="temirtau")
    protocol_publish(city=city, cutoff=clock.now())
    parent = User.objects.get(username="parent")
    for application in Application.objects.filter(child__representative_links__user=parent, state="active"):
        for seat in Seat.objects.filter(state=Seat.State.OPEN, group__cohort=application.cohort)[:20]:
            try:
                return seat_claim(seat=seat, application=application, by=parent)
            except Exception:  # noqa: BLE001, S112 - any seat this child may take will do
                continue
    return None


def _session_cookie(username: str, base: str) -> dict:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return {"name": settings.SESSION_COOKIE_NAME, "value": client.session.session_key, "url": base}


def test_it_loads_every_kind_of_page_without_a_csp_violation(live_server, browser, transactional_db):
    referral = _demo_with_a_referral()
    assert referral is not None
    base = live_server.url
    visits = {
        None: ["/ru/", "/ru/vacancies/", "/ru/protocols/", f"/ru/referrals/verify/{referral.token}/", "/api/docs/"],
        "parent": ["/ru/cabinet/", f"/ru/cabinet/referrals/{referral.pk}/"],
        "officer": ["/ru/department/temirtau/reports/seats/", "/ru/department/temirtau/reports/stages/"],
        "admin": ["/ru/admin/", "/ru/admin/placement/application/", "/ru/admin/accounts/user/"],
    }
    violations = []
    for username, paths in visits.items():
        context = browser.new_context(locale="ru-RU")
        if username:
            context.add_cookies([_session_cookie(username, base)])
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message, errors=errors: errors.append(message.text))
        for path in paths:
            errors.clear()
            response = page.goto(f"{base}{path}")
            assert response.status == 200, path
            page.wait_for_load_state("networkidle")
            if path == "/api/docs/":
                page.wait_for_selector(".swagger-ui .info", timeout=15000)
            assert "default-src 'self'" in response.headers["content-security-policy"], path
            violations += [f"{path}: {text}" for text in errors if "Content Security Policy" in text]
        context.close()
    assert not violations, "\n".join(violations)
