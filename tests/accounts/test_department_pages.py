"""The department's account pages: staff accounts for the city's kindergartens, the audit log with search."""

import pytest
from django.test import Client

from accounts.models import AuditLog, User
from indigo import clock


def test_it_lets_an_officer_create_staff_for_a_kindergarten_of_the_city(client, officer, kindergarten_a):
    client.force_login(officer)
    response = client.post(
        "/en/department/temirtau/staff/",
        {
            "username": "nurse_a",
            "first_name": "Гүлнар",
            "last_name": "Ахметова",
            "phone": "+7 705 111 22 33",
            "email": "",
            "kindergartens": [kindergarten_a.pk],
            "password1": "Balapan-desk-2024",
            "password2": "Balapan-desk-2024",
        },
    )
    assert response.status_code == 302
    member = User.objects.get(username="nurse_a")
    assert member.role == User.Role.STAFF
    assert list(member.kindergartens.all()) == [kindergarten_a]
    assert AuditLog.objects.filter(action="account.staff_create", actor=officer).exists()
    staff_client = Client()
    login = staff_client.post("/en/accounts/login/", {"username": "nurse_a", "password": "Balapan-desk-2024"})
    assert login.status_code == 302


def test_it_offers_an_officer_only_the_kindergartens_of_their_city(client, outsider, kindergarten_a):
    client.force_login(outsider)
    page = client.get("/en/department/balkhash/staff/")
    assert kindergarten_a.name.encode() not in page.content
    response = client.post(
        "/en/department/balkhash/staff/",
        {
            "username": "intruder",
            "first_name": "A",
            "last_name": "B",
            "kindergartens": [kindergarten_a.pk],
            "password1": "Balapan-desk-2024",
            "password2": "Balapan-desk-2024",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="intruder").exists()


@pytest.mark.parametrize("actor", ["parent", "staff_a", None])
def test_it_keeps_everyone_else_out_of_the_department_pages(client, actor, request):
    if actor:
        client.force_login(request.getfixturevalue(actor))
    for path in ["flags/", "blocks/", "links/", "staff/", "audit/"]:
        response = client.get(f"/en/department/temirtau/{path}")
        assert response.status_code == (403 if actor else 302), path


def test_it_shows_each_officer_their_citys_audit_and_finds_by_ip_and_action(client, officer, outsider, city, parent):
    AuditLog.objects.create(at=clock.now(), action="login.success", city=city, actor=parent, ip="95.56.1.1")
    AuditLog.objects.create(at=clock.now(), action="seat.release", city=city, ip="10.0.0.1")
    AuditLog.objects.create(at=clock.now(), action="login.success", city=outsider.city, ip="95.56.1.1")
    client.force_login(officer)
    page = client.get("/en/department/temirtau/audit/")
    # The two entries of this city and the officer's own sign-in; not the other city's entry.
    assert page.content.count(b"data-action=") == 3
    found = client.get("/en/department/temirtau/audit/", {"q": "95.56.1.1"})
    assert found.content.count(b"data-action=") == 1
    found = client.get("/en/department/temirtau/audit/", {"q": "aigerim"})
    assert found.content.count(b'data-action="login.success"') == 1
    found = client.get("/en/department/temirtau/audit/", {"action": "seat.release"})
    assert found.content.count(b'data-action="seat.release"') == 1
    bad = client.get("/en/department/temirtau/audit/", {"since": "2024-13-45", "page": "x"})
    assert bad.status_code == 200


def test_it_shows_an_administrator_every_city(client, officer, outsider, city):
    AuditLog.objects.create(at=clock.now(), action="a", city=city)
    AuditLog.objects.create(at=clock.now(), action="b", city=outsider.city)
    AuditLog.objects.create(at=clock.now(), action="c")
    root = User.objects.create_superuser("root", password="pass-for-tests")
    client.force_login(root)
    # The city's page shows the city's entries; "every city" widens it to all cities and to none.
    page = client.get("/en/department/temirtau/audit/").content
    assert b'data-action="a"' in page and b'data-action="b"' not in page and b'data-action="c"' not in page
    page = client.get("/en/department/temirtau/audit/", {"everywhere": "on"}).content
    assert all(f'data-action="{action}"'.encode() in page for action in "abc")
    assert page.count(b"data-action=") >= 3


def test_it_does_not_widen_an_officers_audit_beyond_the_city(client, officer, outsider, city):
    AuditLog.objects.create(at=clock.now(), action="b", city=outsider.city)
    client.force_login(officer)
    page = client.get("/en/department/temirtau/audit/", {"everywhere": "on"})
    assert b'data-action="b"' not in page.content


def test_it_audits_sign_in_with_city_so_the_officer_sees_it(client, officer, parent, child):
    Client().post("/en/accounts/login/", {"username": "aigerim", "password": "pass-for-tests"})
    client.force_login(officer)
    page = client.get("/en/department/temirtau/audit/", {"action": "login"})
    assert b'data-action="login.success"' in page.content


def test_issue12_the_audit_log_speaks_the_officers_language(client, officer, city, parent):
    AuditLog.objects.create(
        at=clock.now(),
        action="schedule.window_save",
        city=city,
        actor=officer,
        data={"log": 7, "before": None, "after": {"priority_start": "2024-06-03"}, "reason": "Приказ №5"},
    )
    AuditLog.objects.create(
        at=clock.now(), action="account.block", city=city, actor=officer, data={"user": parent.pk, "cancelled": ["R-1"]}
    )
    client.force_login(officer)
    page = client.get("/ru/department/temirtau/audit/").content.decode()
    assert "Даты летнего графика сохранены" in page
    assert "Дата начала приоритетного доступа: 3 июня 2024" in page.replace("</dt><dd>", ": ")
    assert "Приказ №5" in page
    # Accounts by login, not by row id; no raw dict left.
    assert parent.username in page and "{&#x27;" not in page and "{'" not in page
    kk = client.get("/kk/department/temirtau/audit/").content.decode()
    assert "Кабинет бұғатталды" in kk
    # The action filter lists actions by name.
    assert '<option value="schedule.window_save">Даты летнего графика сохранены</option>' in page


def test_issue12_every_audited_action_has_a_name():
    import pathlib
    import re

    from accounts.audit_words import ACTION_LABELS

    root = pathlib.Path(__file__).resolve().parents[2]
    written = set()
    for path in [p for app in ("accounts", "placement", "vacancies", "indigo") for p in (root / app).rglob("*.py")]:
        if "commands" in path.parts:  # argparse's action="store_true", not an audit code
            continue
        written |= set(re.findall(r'action="([a-z_]+(?:\.[a-z_]+)?)"', path.read_text()))
    written |= {f"referral.{state}" for state in ("expired", "refused", "cancelled")}
    written |= {f"privilege.{state}" for state in ("confirmed", "rejected", "removed")}
    written.discard("refuse")  # the form field of the referral check, not an audit code
    assert written - set(ACTION_LABELS) == set()


def test_issue13_an_entry_written_before_the_schedule_moved_apps_still_names_its_object(city):
    from accounts.audit_words import audit_entries_describe
    from vacancies.models import SummerWindow

    old = AuditLog(at=clock.now(), action="schedule.window_save", city=city, object_type="placement.summerwindow")
    old.object_id, old.data = "3", {"after": {"priority_start": "2024-06-03"}}
    new = AuditLog(at=clock.now(), action="schedule.window_save", city=city, object_type="vacancies.summerwindow")
    new.object_id, new.data = "3", old.data
    [old, new] = audit_entries_describe([old, new])
    assert old.object_label == new.object_label == f"{SummerWindow._meta.verbose_name.capitalize()} №3"
    assert old.details == new.details


def test_it_sends_old_bookmarks_to_the_same_page_of_the_officers_city(client, officer, outsider):
    client.force_login(officer)
    response = client.get("/ru/accounts/department/audit/", {"action": "login.success"})
    assert response.status_code == 301
    assert response["Location"] == "/ru/department/temirtau/audit/?action=login.success"
    assert client.get("/ru/accounts/department/")["Location"] == "/ru/department/temirtau/flags/"
    # A form loaded before the move is posted again to the new address, with its method and body.
    response = client.post("/en/accounts/department/blocks/5/lift/", {"reason": "x"})
    assert response.status_code == 308 and response["Location"] == "/en/department/temirtau/blocks/5/lift/"
    client.force_login(outsider)
    assert client.get("/en/accounts/department/staff/")["Location"] == "/en/department/balkhash/staff/"


def test_it_lets_an_administrator_choose_the_city_for_an_old_bookmark(client, db):
    client.force_login(User.objects.create_superuser("root", password="pass-for-tests"))
    response = client.get("/en/accounts/department/audit/")
    assert response.status_code == 302 and response["Location"] == "/en/department/"


@pytest.mark.parametrize("actor", ["parent", "staff_a"])
def test_it_keeps_everyone_else_out_of_the_old_addresses(client, actor, request):
    client.force_login(request.getfixturevalue(actor))
    assert client.get("/en/accounts/department/audit/").status_code == 403
