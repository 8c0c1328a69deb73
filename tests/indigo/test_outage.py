"""A database or Redis that does not answer is "try again in a minute" (503 + Retry-After), never a 500;
any other error stays a 500 (the standard: a user never sees a 500 for something that passes)."""

import pytest
from django.db import OperationalError
from django.test import Client
from redis.exceptions import ConnectionError as RedisConnectionError

from indigo import views

MESSAGES = {
    "kk": "Портал біраз уақытқа қолжетімсіз",
    "ru": "Портал ненадолго недоступен",
    "en": "The portal is briefly unavailable",
}


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_it_answers_503_in_the_users_language_when_the_database_is_gone(db, client, monkeypatch, language):
    def down(**_kwargs):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    monkeypatch.setattr("vacancies.public_views.city_default", down)  # the home view
    response = client.get(f"/{language}/")
    assert response.status_code == 503
    assert response["Retry-After"] == views.OUTAGE_RETRY_AFTER
    assert MESSAGES[language] in response.content.decode()


def test_it_answers_503_busy_through_the_api_when_redis_is_gone(db, client, monkeypatch):
    def down(**_kwargs):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("vacancies.public_views.city_default", down)  # the home view
    # The home view stands in for any view; the API's JSON answer is chosen by the path.
    monkeypatch.setattr(views, "_is_api", lambda request: True)
    response = client.get("/en/")
    assert response.status_code == 503
    assert response.json()["code"] == "busy"


def test_it_keeps_a_500_for_a_database_error_that_is_a_bug(db, client, monkeypatch):
    def broken(**_kwargs):
        raise OperationalError("division by zero")

    monkeypatch.setattr("vacancies.public_views.city_default", broken)  # the home view
    response = client.get("/en/")
    assert response.status_code == 500
    assert "Retry-After" not in response
