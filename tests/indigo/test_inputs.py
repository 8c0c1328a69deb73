"""Issue 14, item 2: hostile input answers a clear 400 in the reader's language, never a 500.

NUL characters in the path, query string, cookies, form data or JSON body are refused by one
middleware (indigo/inputs.py); numbers and dates read from query strings and forms go through one
helper each, with bounds.
"""

import datetime as dt

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import AuditLog
from indigo.inputs import BadInput, parse_date_input, query_int
from tests.factories import GroupFactory
from vacancies.protocol import protocol_publish

pytestmark = pytest.mark.django_db

MESSAGES = {
    "en": "The request holds characters or values the portal cannot accept",
    "ru": "В запросе есть символы или значения, которые портал не может принять",
    "kk": "Сұрауда портал қабылдай алмайтын таңбалар немесе мәндер бар",
}


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def test_query_int_reads_any_scripts_digits_and_refuses_the_rest():
    assert query_int({"n": "٣"}, "n") == 3
    assert query_int({"n": "１２"}, "n") == 12
    assert query_int({"n": ""}, "n") is None
    for bad in ("²", "1²", "-1", "x", "1.5", "9" * 19, "\x00"):
        with pytest.raises(BadInput):
            query_int({"n": bad}, "n")
    with pytest.raises(BadInput):
        query_int({"n": "5"}, "n", maximum=4)


def test_dates_stay_within_years_the_portal_can_count():
    assert parse_date_input("2024-06-03") == dt.date(2024, 6, 3)
    assert parse_date_input("٢٠٢٤-٠٦-٠٣") == dt.date(2024, 6, 3)
    for bad in ("9999-12-31", "0001-01-01", "2024-13-01", "²⁰²⁴-06-03", "tomorrow"):
        with pytest.raises(BadInput):
            parse_date_input(bad)


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_it_refuses_nul_in_a_query_string_with_a_400_in_the_users_language(client, city, language):
    response = client.get(f"/{language}/vacancies/?district=%00")
    assert response.status_code == 400
    assert MESSAGES[language] in response.content.decode()
    assert response.context["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/ru/protocols/%00/",
        "/ru/referrals/verify/abc%00def/",
        "/ru/vacancies/?stage=%00",
        "/ru/kindergartens/?q=a%00",
        "/ru/protocols/?page=%00",
    ],
)
def test_it_refuses_nul_in_paths_and_query_strings_of_public_pages(client, city, path):
    response = client.get(path)
    assert response.status_code == 400
    assert MESSAGES["ru"] in response.content.decode()


def test_it_refuses_nul_in_a_cookie_before_the_session_is_looked_up(client, city):
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    assert client.get("/ru/").status_code == 400


def test_it_refuses_nul_in_a_header_that_the_audit_log_would_store(client, parent):
    response = client.post(
        "/en/accounts/login/", {"username": "aigerim", "password": "pass-for-tests"}, HTTP_USER_AGENT="Firefox\x00"
    )
    assert response.status_code == 400
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize(
    "path",
    ["/api/v1/protocols/?city=%00", "/api/v1/referrals/verify/abc%00/", "/api/v1/vacancies/?city=te%00mirtau"],
)
def test_it_refuses_nul_in_the_api_with_bad_input(city, path):
    response = APIClient().get(path, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400
    assert response.json() == {"code": "bad_input", "detail": MESSAGES["ru"] + ". Проверьте, что вы ввели."}


def test_it_refuses_nul_in_a_json_body_and_a_form(parent, city):
    api = APIClient()
    api.force_authenticate(parent)
    body = '{"iin": "9005\\u00001540012", "birth_date": "2021-03-15", "last_name": "A", "first_name": "B"}'
    response = api.post("/api/v1/children/link/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_input"
    form = Client(raise_request_exception=False)
    response = form.post("/en/accounts/password-reset/", {"identifier": "9005\x0015400123"})
    assert response.status_code == 400
    assert not AuditLog.objects.filter(action="phone_code.send").exists()


@pytest.mark.parametrize("year", ["²⁰²⁴", "2²", "99999999999999999999999"])
def test_it_answers_400_to_non_ascii_digits_in_a_filter(client, city, year):
    response = client.get(f"/ru/schedule/?year={year}")
    assert response.status_code == 400
    assert "«year»" in response.content.decode() or "year" in response.content.decode()


def test_it_reads_arabic_indic_digits_in_a_filter_as_the_number(client, city, kindergarten_a):
    response = client.get(
        f"/ru/kindergartens/?district={''.join('٠١٢٣٤٥٦٧٨٩'[int(c)] for c in str(kindergarten_a.district_id))}"
    )
    assert response.status_code == 200
    assert response.context["filters"]["district_id"] == kindergarten_a.district_id


def test_it_answers_400_to_a_report_period_at_the_end_of_time(client, city, officer):
    client.force_login(officer)
    response = client.get("/ru/department/temirtau/reports/seats/?from=9999-12-30&to=9999-12-31")
    assert response.status_code == 400


def test_it_refuses_the_end_of_time_in_the_audit_search(client, officer):
    client.force_login(officer)
    response = client.get("/ru/department/temirtau/audit/?until=9999-12-31")
    assert response.status_code == 200
    assert not response.context["form"].is_valid()


def test_it_refuses_the_end_of_time_through_the_api(parent, city):
    api = APIClient()
    api.force_authenticate(parent)
    payload = {
        "iin": "210315600123",
        "birth_date": "9999-12-31",
        "last_name": "A",
        "first_name": "B",
        "relation": "parent",
    }
    response = api.post("/api/v1/children/link/", payload, format="json")
    assert response.status_code == 400
    assert "birth_date" in response.json()["fields"]


def test_the_protocol_page_still_opens_by_its_day(client, city, kindergarten_a):
    GroupFactory(kindergarten=kindergarten_a)
    protocol = protocol_publish(city=city, cutoff=dt.datetime(2024, 5, 31, 13, tzinfo=dt.UTC))
    assert client.get(f"/ru/protocols/{protocol.day}/").status_code == 200
