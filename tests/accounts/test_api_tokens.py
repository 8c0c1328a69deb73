"""API authentication: the browser's session, and hashed tokens for integrations, with the same scoping."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import AccountBlock, ApiToken, AuditLog
from accounts.services.tokens import api_token_issue, api_token_revoke
from indigo import clock
from indigo.errors import ServiceError


@pytest.fixture
def key(officer):
    _, key = api_token_issue(user=officer, name="City e-government bus")
    return key


def test_it_stores_only_a_hash_and_audits_the_issue(key, officer):
    token = ApiToken.objects.get(user=officer)
    assert key not in token.key_hash and token.prefix == key[:8]
    assert AuditLog.objects.filter(action="api_token.issue").exists()


def test_it_authenticates_a_token_with_the_users_scope(key, child, other_child, officer):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/children/")
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {child.pk, other_child.pk}
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/me/").json()["role"] == "officer"


def test_it_gives_an_outsiders_token_nothing_of_this_city(child, outsider):
    _, key = api_token_issue(user=outsider, name="Balkhash reports")
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/children/").json()["results"] == []
    assert api.get(f"/api/v1/children/{child.pk}/").status_code == 404


@pytest.mark.parametrize("header", ["Token nonsense", "Token ind_" + "x" * 43, "Token a b"])
def test_it_refuses_a_wrong_token(db, header):
    response = APIClient(HTTP_AUTHORIZATION=header).get("/api/v1/me/")
    # DRF answers 403 rather than 401 because the session scheme comes first and has no WWW-Authenticate.
    assert response.status_code == 403
    assert response.json()["code"] == "authentication_failed"


def test_it_refuses_a_revoked_or_expired_token(officer):
    token, key = api_token_issue(user=officer, name="old", days=30)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 200
    with time_machine.travel(clock.now() + dt.timedelta(days=31)):
        assert api.get("/api/v1/me/").json()["code"] == "authentication_failed"
    api_token_revoke(token=token)
    assert api.get("/api/v1/me/").json()["code"] == "authentication_failed"


def test_it_answers_423_for_a_blocked_accounts_token(parent, db):
    parent.role = "staff"  # tokens are for staff and departments; the block check is the same
    parent.save()
    _, key = api_token_issue(user=parent, name="kiosk")
    now = clock.now()
    AccountBlock.objects.create(user=parent, reason="shared", starts_at=now, ends_at=now + dt.timedelta(days=180))
    response = APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/vacancies/")
    assert response.status_code == 423
    assert response.json()["code"] == "account_blocked"


def test_it_issues_no_token_to_a_parent(parent):
    with pytest.raises(ServiceError, match="token_for_parent"):
        api_token_issue(user=parent, name="mine")


def test_it_prints_the_key_once_from_the_command(officer, capsys):
    call_command("issue_api_token", user="officer", name="Reports", days=90)
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("ind_")
    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/me/").json()["username"] == "officer"


def test_it_checks_csrf_for_the_session_but_not_for_tokens(parent, officer, key):
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(parent)
    response = session.post("/api/v1/children/link/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    tokened = APIClient(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {key}")
    assert tokened.post("/api/v1/children/link/", {}, format="json").status_code == 403  # not a parent
