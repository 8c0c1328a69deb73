"""The console's pages through the Django test client: forms in, services called, errors shown with the input kept."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from indigo.clock import at_local
from placement.models import Privilege
from tests.department.conftest import D, local
from tests.factories import ApplicationFactory, GroupFactory, PrivilegeCategoryFactory
from vacancies.models import CalendarOverride, City, CitySettingsChange, Group, ScheduleLogEntry, SummerWindow


@pytest.fixture(autouse=True)
def _spring_2024():
    with time_machine.travel(local(D(2024, 5, 15), 10), tick=False):
        yield


@pytest.fixture
def signed_in(client, officer):
    client.force_login(officer)
    return client


def url(city, name, language="ru"):
    return f"/{language}/department/{city.slug}/{name}"


def test_it_saves_new_dates_and_shows_them_in_the_log(signed_in, city, window_2021):
    response = signed_in.post(
        url(city, "schedule/?year=2024"),
        {
            "action": "window",
            "slot": "2021",
            "cohort": "2021",
            "priority_start": "2024-06-10",
            "priority_end": "2024-06-12",
            "general_date": "2024-06-13",
            "reason": "Heating works in June",
        },
    )
    assert response.status_code == 302
    window_2021.refresh_from_db()
    assert window_2021.general_date == D(2024, 6, 13)
    page = signed_in.get(url(city, "schedule/?year=2024"))
    assert "Heating works in June" in page.content.decode()


def test_it_keeps_the_input_and_says_what_is_wrong(signed_in, city, window_2021):
    response = signed_in.post(
        url(city, "schedule/?year=2024", "en"),
        {
            "action": "window",
            "slot": "2021",
            "cohort": "2021",
            "priority_start": "2024-06-12",
            "priority_end": "2024-06-10",
            "general_date": "2024-06-13",
            "reason": "Typo test",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Priority access cannot end before it starts." in body
    assert 'value="2024-06-12"' in body
    assert not ScheduleLogEntry.objects.exists()


def test_it_adds_and_removes_a_kindergarten_change(signed_in, city, window_2021, kindergarten_a):
    signed_in.post(
        url(city, "schedule/?year=2024"),
        {
            "action": "change",
            "cohort": "2021",
            "kindergarten": kindergarten_a.pk,
            "priority_start": "2024-06-17",
            "priority_end": "2024-06-19",
            "general_date": "2024-06-20",
            "reason": "Roof repairs",
        },
    )
    [change] = window_2021.kindergarten_changes.all()
    assert change.reason == "Roof repairs"
    signed_in.post(
        url(city, "schedule/?year=2024"), {"action": "change_delete", "change": change.pk, "reason": "Roof done"}
    )
    assert not window_2021.kindergarten_changes.exists()
    assert list(ScheduleLogEntry.objects.order_by("pk").values_list("reason", flat=True)) == [
        "Roof repairs",
        "Roof done",
    ]


def test_it_adds_a_birth_year(signed_in, city):
    signed_in.post(
        url(city, "schedule/?year=2024"),
        {
            "action": "window",
            "slot": "new",
            "cohort": "2020",
            "priority_start": "2024-06-10",
            "priority_end": "2024-06-12",
            "general_date": "2024-06-13",
            "reason": "Schedule approved",
        },
    )
    assert SummerWindow.objects.filter(city=city, year=2024, cohort=2020).exists()


def test_it_shows_a_year_of_the_calendar_with_holidays_and_overrides(signed_in, city):
    CalendarOverride.objects.create(city=city, day=D(2024, 6, 4), kind="day_off", reason="Flood")
    body = signed_in.get(url(city, "calendar/?year=2024", "en")).content.decode()
    assert 'data-day="2024-06-04" data-working="0"' in body
    assert 'data-day="2024-06-03" data-working="1"' in body
    assert 'data-day="2024-03-22" data-working="0"' in body  # Nauryz
    assert "Flood" in body
    assert body.count('class="cal-month"') == 12


def test_it_adds_and_removes_a_day_off(signed_in, city):
    response = signed_in.post(
        url(city, "calendar/"), {"action": "add", "day": "2024-06-04", "kind": "day_off", "reason": "Flood"}
    )
    assert response.status_code == 302
    override = CalendarOverride.objects.get(city=city)
    signed_in.post(url(city, "calendar/"), {"action": "remove", "override": override.pk, "reason": "Dry again"})
    assert not CalendarOverride.objects.exists()


def test_it_refuses_a_useless_override_on_the_page(signed_in, city):
    response = signed_in.post(
        url(city, "calendar/", "en"), {"action": "add", "day": "2024-06-01", "kind": "day_off", "reason": "Rest"}
    )
    assert response.status_code == 400
    assert "01.06.2024 is already a day off." in response.content.decode()


def settings_form(city, **changes):
    data = {
        "priority_window_length": city.priority_window_length,
        "priority_window_unit": city.priority_window_unit,
        "priority_pool_factor": city.priority_pool_factor,
        "interleave_privileged": city.interleave_privileged,
        "interleave_general": city.interleave_general,
        "referral_valid_working_days": city.referral_valid_working_days,
        "referral_extension_max_days": city.referral_extension_max_days,
        "stop_list_days": city.stop_list_days,
        "extraordinary_confirm_working_days": city.extraordinary_confirm_working_days,
        "recruitment_season_start": city.recruitment_season_start,
        "august_pause_start": city.august_pause_start,
        "august_pause_end": city.august_pause_end,
        "publication_time": "18:00",
        "block_months": city.block_months,
        "sharing_signal_threshold": city.sharing_signal_threshold,
        "priority_mode": city.priority_mode,
        "general_mode": city.general_mode,
        "window_close": "09:00",
        "window_max_groups": city.window_max_groups,
        "reason": "Order of the department",
    }
    data.update(changes)
    return data


def test_it_changes_the_city_rules_and_lists_the_change(signed_in, city):
    response = signed_in.post(url(city, "settings/"), settings_form(city, stop_list_days=14))
    assert response.status_code == 302
    assert City.objects.get(pk=city.pk).stop_list_days == 14
    change = CitySettingsChange.objects.get()
    assert change.after == {"stop_list_days": 14}
    body = signed_in.get(url(city, "settings/", "en")).content.decode()
    assert "Order of the department" in body
    assert "Stop-list length (days)" in body


def test_it_refuses_unsafe_rules_on_the_page(signed_in, city):
    response = signed_in.post(url(city, "settings/", "en"), settings_form(city, august_pause_end="07-01"))
    assert response.status_code == 400
    assert "The August pause cannot end before it starts." in response.content.decode()
    assert not CitySettingsChange.objects.exists()


def test_it_edits_a_group_capacity(signed_in, city, kindergarten_a):
    group = GroupFactory(kindergarten=kindergarten_a, cohort=2021, capacity=20, name="Күн")
    response = signed_in.post(
        url(city, f"kindergartens/{kindergarten_a.pk}/"),
        {
            "action": "group",
            "group": group.pk,
            "name": "Күн",
            "cohort": 2021,
            "language": "kk",
            "group_type": "general",
            "capacity": 25,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Group.objects.get(pk=group.pk).capacity == 25


def test_it_lists_and_filters_kindergartens(signed_in, city, kindergarten_a, kindergarten_b):
    body = signed_in.get(url(city, "kindergartens/")).content.decode()
    assert kindergarten_a.name_ru in body and kindergarten_b.name_ru in body
    filtered = signed_in.get(url(city, f"kindergartens/?district={kindergarten_a.district_id}")).content.decode()
    assert kindergarten_a.name_ru in filtered and kindergarten_b.name_ru not in filtered


@pytest.fixture
def pending(city):
    return Privilege.objects.create(
        application=ApplicationFactory(city=city),
        category=PrivilegeCategoryFactory(city=city),
        evidence="Certificate No. 7",
        claimed_at=at_local(dt.date(2024, 5, 2), dt.time(10, 0)),
    )


def test_it_confirms_a_privilege_in_place_with_htmx(signed_in, city, pending):
    body = signed_in.get(url(city, "privileges/")).content.decode()
    assert "Certificate No. 7" in body
    response = signed_in.post(url(city, f"privileges/{pending.pk}/confirm/"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'data-privilege="{pending.pk}" data-state="confirmed"' in response.content.decode()
    assert Privilege.objects.get(pk=pending.pk).state == "confirmed"


def test_it_rejects_a_privilege_only_with_a_reason(signed_in, city, pending):
    signed_in.post(url(city, f"privileges/{pending.pk}/reject/"), {"reason": ""}, HTTP_HX_REQUEST="true")
    assert Privilege.objects.get(pk=pending.pk).state == "pending"
    signed_in.post(url(city, f"privileges/{pending.pk}/reject/"), {"reason": "Forged certificate"})
    pending.refresh_from_db()
    assert (pending.state, pending.decision_reason) == ("rejected", "Forged certificate")


@pytest.mark.parametrize("report", ["queue", "seats", "stages", "hours", "ownership", "fairness"])
def test_it_draws_each_report_and_exports_it(signed_in, city, report):
    ApplicationFactory(city=city)
    page = signed_in.get(url(city, f"reports/{report}/?from=2024-05-01&to=2024-06-30"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-chart="report-chart-data"' in body
    assert 'id="report-chart-data"' in body
    assert "vendor/chartjs/chart.umd.min.js" in body

    exported = signed_in.get(url(city, f"reports/{report}/?from=2024-05-01&to=2024-06-30&format=csv"))
    assert exported["Content-Type"].startswith("text/csv")
    assert "attachment" in exported["Content-Disposition"]
    header = next(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(header) >= 3

    workbook = signed_in.get(url(city, f"reports/{report}/?format=xlsx"))
    assert workbook["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert [cell.value for cell in sheet[1]] == header


def test_it_falls_back_to_the_last_thirty_days_on_a_bad_period(signed_in, city):
    response = signed_in.get(url(city, "reports/seats/?from=2024-06-30&to=2024-05-01", "en"))
    assert response.status_code == 200
    assert "Choose a period of at most a year" in response.content.decode()
    assert response.content.decode().count("<tr>") == 1 + 30


def test_it_lists_the_citys_open_account_flags(signed_in, city, other_city, parent, other_parent):
    from django.apps import apps

    try:
        flag_model = apps.get_model("accounts", "AccountFlag")
    except LookupError:
        pytest.skip("the accounts app has no AccountFlag yet")
    now = local(D(2024, 5, 15), 9)
    common = {"networks": 3, "devices": 2, "threshold": 3, "evidence": [], "created_at": now, "updated_at": now}
    flag_model.objects.create(user=parent, city=city, **common)
    flag_model.objects.create(user=other_parent, city=other_city, **common)
    body = signed_in.get(url(city, "flags/")).content.decode()
    assert f'data-flag="{flag_model.objects.get(user=parent).pk}"' in body
    assert "bolat" not in body
    assert "Account flags" in signed_in.get(url(city, "", "en")).content.decode()


def test_issue12_dates_are_typed_and_shown_as_dd_mm_yyyy(signed_in, city, window_2021):
    response = signed_in.post(
        url(city, "schedule/?year=2024"),
        {
            "action": "window",
            "cohort": 2021,
            "priority_start": "10.06.2024",
            "priority_end": "12.06.2024",
            "general_date": "13.06.2024",
            "reason": "Приказ",
        },
    )
    assert response.status_code == 302
    window_2021.refresh_from_db()
    assert window_2021.priority_start == D(2024, 6, 10)
    page = signed_in.get(url(city, "schedule/?year=2024")).content.decode()
    assert 'value="10.06.2024"' in page and 'placeholder="дд.мм.гггг"' in page
    assert 'type="date"' not in page
    bad = signed_in.post(
        url(city, "schedule/?year=2024"),
        {"action": "window", "cohort": 2021, "priority_start": "31.02.2024", "reason": "x"},
    )
    assert "Укажите дату в виде дд.мм.гггг" in bad.content.decode()


def test_issue12_no_select_says_dashes(signed_in, city):
    page = signed_in.get(url(city, "kindergartens/new/", "kk")).content.decode()
    assert "---------" not in page
    assert "— ауданды таңдаңыз —" in page


def test_issue12_a_kazakh_date_reads_as_kazakh_writes_it(client, city):
    from django.utils import translation
    from django.utils.formats import date_format

    with translation.override("kk"):
        assert date_format(D(2024, 5, 31)) == "31 мамыр 2024 ж."
    with translation.override("ru"):
        assert date_format(D(2024, 5, 31)) == "31 мая 2024 г."


def test_issue12_the_schedule_opens_on_the_current_season_then_the_next(signed_in, city, window_2021, officer):
    page = signed_in.get(url(city, "schedule/")).content.decode()
    assert "2024" in page.split("<h1>")[1].split("</h1>")[0]
    with time_machine.travel(local(D(2024, 9, 2), 10), tick=False):
        signed_in.force_login(officer)  # the spring session has expired by September
        page = signed_in.get(url(city, "schedule/")).content.decode()
    assert "2025" in page.split("<h1>")[1].split("</h1>")[0]


def test_issue12_it_asks_before_changing_a_season_that_has_ended(signed_in, city, window_2021, officer):
    data = {
        "action": "window",
        "cohort": 2021,
        "priority_start": "03.06.2024",
        "priority_end": "05.06.2024",
        "general_date": "07.06.2024",
        "reason": "Исправление",
    }
    with time_machine.travel(local(D(2024, 9, 2), 10), tick=False):
        signed_in.force_login(officer)
        shown = signed_in.get(url(city, "schedule/?year=2024")).content.decode()
        assert 'data-testid="season-ended"' in shown
        response = signed_in.post(url(city, "schedule/?year=2024"), data)
        body = response.content.decode()
        assert response.status_code == 200 and "2024" in body and 'name="confirmed"' in body
        assert 'value="Исправление"' in body and 'action="/ru/department/' in body and "?year=2024" in body
        window_2021.refresh_from_db()
        assert window_2021.general_date == D(2024, 6, 6)
        response = signed_in.post(url(city, "schedule/?year=2024"), {**data, "confirmed": "yes"})
        assert response.status_code == 302
    window_2021.refresh_from_db()
    assert window_2021.general_date == D(2024, 6, 7)
