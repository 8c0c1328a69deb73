"""Issue 12 item 3: the error pages speak the page's language, look like the site and lead home."""

import pytest
from django.core.exceptions import BadRequest
from django.db.utils import OperationalError
from django.test import Client, RequestFactory

from indigo import views


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading"),
    [("kk", "Бет табылмады"), ("ru", "Страница не найдена"), ("en", "Page not found")],
)
def test_it_answers_404_in_the_pages_language(client, language, heading):
    response = client.get(f"/{language}/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert heading in page and f'<html lang="{language}">' in page
    assert f'href="/{language}/"' in page  # the way home
    assert "indigo.css" in page


@pytest.mark.django_db
def test_it_answers_403_with_a_page_and_the_api_with_json(client, parent):
    client.force_login(parent)
    response = client.get("/ru/department/temirtau/audit/")
    assert response.status_code == 403 and "Нет доступа к этой странице" in response.content.decode()
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_the_400_page_shows_the_reason_it_is_given():
    request = RequestFactory().get("/ru/vacancies/")
    request.user = None
    with_message = views.bad_request(request, message="Фильтр указан неверно.").content.decode()
    assert "Фильтр указан неверно." in with_message and "Запрос не удалось разобрать" in with_message
    raised = views.bad_request(request, BadRequest("Неверная дата.")).content.decode()
    assert "Неверная дата." in raised
    assert 'data-testid="error-message"' not in views.bad_request(request).content.decode()


@pytest.mark.django_db
def test_the_csrf_failure_is_a_page_in_the_users_language(parent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(parent)
    response = client.post("/kk/accounts/children/add/", {})
    assert response.status_code == 403
    assert "Форманың мерзімі өтті" in response.content.decode()


def test_the_500_page_needs_no_database_and_no_context(monkeypatch, django_assert_num_queries):
    request = RequestFactory().get("/ru/cabinet/")

    def broken(*args, **kwargs):
        raise OperationalError("the database is gone")

    # No context processor may run: one that touched the session or the database would fail again here.
    monkeypatch.setattr("django.template.context_processors.request", broken)
    response = views.server_error(request)
    page = response.content.decode()
    assert response.status_code == 500
    assert "На нашей стороне произошла ошибка" in page and 'href="/ru/"' in page


@pytest.mark.django_db
def test_a_failing_page_answers_the_500_page(monkeypatch):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr("vacancies.public_views.city_default", broken)  # the home view
    client = Client(raise_request_exception=False)
    response = client.get("/kk/")
    assert response.status_code == 500
    assert "Біз тарапта қате шықты" in response.content.decode()
