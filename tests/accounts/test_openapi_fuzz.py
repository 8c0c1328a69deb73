"""Schemathesis fuzzes every operation of the OpenAPI schema against a live server: no input, signed in
or not, may cause a 5xx (STYLE §6: "never a 500"). Bounded in examples and time so that CI stays fast.

Issue 14, item 2: anonymous (public operations), a staff token and a parent's session, each with the
hostile string classes of tests/accounts/fuzz_hooks.py mixed into queries, paths and bodies."""

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.services.tokens import api_token_issue
from tests.accounts.conftest import link
from tests.factories import ApplicationFactory, ChildFactory, GroupFactory
from vacancies.protocol import protocol_publish
from vacancies.services import seat_release

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
ROOT = Path(__file__).resolve().parents[2]
# Each run is bounded twice: examples per operation and seconds for the whole run.
MAX_EXAMPLES = "8"
MAX_SECONDS = "15"


@pytest.fixture
def seeded(transactional_db, city, kindergarten_a, parent, staff_a):
    group = GroupFactory(kindergarten=kindergarten_a, cohort=2021, capacity=20)
    seat_release(group=group, count=3, at=dt.datetime(2024, 5, 31, 4, tzinfo=dt.UTC))
    protocol_publish(city=city, cutoff=dt.datetime(2024, 5, 31, 13, tzinfo=dt.UTC))
    child = ChildFactory(birth_date=dt.date(2021, 3, 15))
    link(parent, child, city=city)
    ApplicationFactory(child=child, city=city, cohort=2021)
    return group


def session_headers(user) -> list[str]:
    """A signed-in browser: its session cookie, and the CSRF cookie and header DRF asks of it."""
    client = Client()
    client.force_login(user)
    csrf = "f" * 32
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}"
    assert client.session[SESSION_KEY] == str(user.pk)
    return ["-H", f"Cookie: {cookie}", "-H", f"X-CSRFToken: {csrf}"]


def fuzz(live_server, headers: list[str], tmp_path: Path, label: str) -> subprocess.CompletedProcess:
    report = tmp_path / f"{label}.txt"
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{live_server.url}/api/schema/",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        MAX_EXAMPLES,
        "--max-time",
        MAX_SECONDS,
        "--seed",
        "20240531",
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--suppress-health-check",
        "all",
        *headers,
    ]
    env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": "tests.accounts.fuzz_hooks", "PYTHONPATH": str(ROOT)}
    # Run from the test's folder: schemathesis keeps its cache (.schemathesis/) where it runs.
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=90, check=False)
    report.write_text(result.stdout + result.stderr)
    return result


def test_it_finds_no_server_error_anywhere_in_the_api(live_server, seeded, parent, staff_a, tmp_path):
    assert shutil.which(str(SCHEMATHESIS)), "schemathesis is missing: pip install -r requirements-test.txt"
    _, key = api_token_issue(user=staff_a, name="fuzzing")
    runs = {
        "anonymous": [],
        "staff-token": ["-H", f"Authorization: Token {key}"],
        "parent-session": session_headers(parent),
    }
    failures = []
    for label, headers in runs.items():
        result = fuzz(live_server, headers, tmp_path, label)
        if result.returncode != 0:
            output = result.stdout[-6000:] + result.stderr[-2000:]
            failures.append(f"--- {label} (exit {result.returncode}) ---\n{output}")
    assert not failures, "\n".join(failures)
