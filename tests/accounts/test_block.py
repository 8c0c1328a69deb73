"""R-A-3 blocking a shared cabinet: referrals cancelled (seats back in the next protocol), enrolments
terminated (the kindergarten is told), sessions ended, login refused with the end date until the
block ends, a page that shows only the reason and the end date, and every step audited."""

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.models import AccountBlock, AccountFlag, AuditLog
from accounts.services.blocks import account_block, account_block_lift, add_months
from indigo.clock import at_local
from indigo.errors import ServiceError
from placement.day_close import day_close
from placement.models import Application, Referral
from placement.services import referral_enrol, seat_claim
from tests.accounts.conftest import link
from tests.factories import ApplicationFactory, ChildFactory
from vacancies.models import Seat
from vacancies.services import seat_release

RELEASED = at_local(dt.date(2024, 5, 31), dt.time(9, 0))
PUBLISHED = at_local(dt.date(2024, 5, 31), dt.time(18, 0))
# Thu 06.06.2024: general access is open, so any child of the cohort may claim.
CLAIMED = at_local(dt.date(2024, 6, 6), dt.time(10, 0))
BLOCKED = at_local(dt.date(2024, 6, 6), dt.time(12, 0))
NEXT_PROTOCOL = at_local(dt.date(2024, 6, 6), dt.time(18, 0))
REASON = "The cabinet was used by an intermediary from another office"


@pytest.fixture
def family(parent, child, application, group_a, group_b, kindergarten_b, staff_b, city, other_parent):
    """The parent's first child holds an issued referral in A; the second is enrolled in B."""
    second = ChildFactory(last_name="Серікова", first_name="Мирас", birth_date=dt.date(2021, 1, 20))
    link(parent, second, city=city)
    second_application = ApplicationFactory(child=second, city=city, reference="TMT-000003", cohort=2021)
    # Another parent of the first child: their cabinet is not blocked, but the child's referral is.
    link(other_parent, child, city=city)
    staff_b.email, staff_b.phone, staff_b.language = "staff-b@example.kz", "+77051112233", "ru"
    staff_b.save()
    seat_release(group=group_a, count=1, at=RELEASED)
    seat_release(group=group_b, count=1, at=RELEASED)
    day_close(city=city, cutoff=PUBLISHED)
    with time_machine.travel(CLAIMED, tick=False):
        issued = seat_claim(seat=Seat.objects.get(group=group_a), application=application, by=parent)
        enrolled = seat_claim(seat=Seat.objects.get(group=group_b), application=second_application, by=parent)
        referral_enrol(referral=enrolled, by=staff_b)
    return {"issued": issued, "enrolled": enrolled}


@pytest.fixture
def block(family, parent, officer, outbox, eager_celery, django_capture_on_commit_callbacks):
    with time_machine.travel(BLOCKED, tick=False), django_capture_on_commit_callbacks(execute=True):
        return account_block(user=parent, reason=REASON, by=officer)


def test_it_cancels_referrals_terminates_enrolments_and_returns_the_seat(block, family, city):
    issued = Referral.objects.get(pk=family["issued"].pk)
    enrolled = Referral.objects.get(pk=family["enrolled"].pk)
    assert issued.state == Referral.State.CANCELLED
    assert enrolled.state == Referral.State.TERMINATED
    assert Seat.objects.get(pk=issued.seat_id).state == Seat.State.RELEASED
    assert Seat.objects.get(pk=enrolled.seat_id).state == Seat.State.VACATED
    # The cancelled referral's application stays in the queue; it was not the child's fault.
    assert Application.objects.get(pk=issued.application_id).state == Application.State.ACTIVE

    with time_machine.travel(NEXT_PROTOCOL + dt.timedelta(minutes=1), tick=False):
        protocol = day_close(city=city, cutoff=NEXT_PROTOCOL)
    kinds = {(entry.kind, entry.seat_id) for entry in protocol.entries.all()}
    assert ("cancelled", issued.seat_id) in kinds
    assert ("returned", issued.seat_id) in kinds
    assert ("published", issued.seat_id) in kinds
    assert ("vacated", enrolled.seat_id) in kinds
    cancelled = protocol.entries.get(kind="cancelled")
    # The public protocol names no one and repeats no officer's free text (R-P-4).
    assert cancelled.payload["reason"] == "account_blocked"
    assert "Серікова" not in str(cancelled.payload)


def test_it_tells_the_kindergarten_and_the_parent(block, outbox, staff_b, family, parent):
    to_staff = [message for message in outbox if message.to in (staff_b.email, staff_b.phone)]
    assert {message.channel for message in to_staff} == {"email", "sms"}
    email = next(message for message in to_staff if message.channel == "email")
    assert family["enrolled"].number in email.subject
    assert family["enrolled"].number in email.body
    to_parent = [message for message in outbox if message.to == parent.phone]
    assert "06.12.2024" in to_parent[0].body


def test_it_writes_the_block_with_its_end_and_the_audit_entry(block, parent, city, officer, family):
    assert block.ends_at == at_local(dt.date(2024, 12, 6), dt.time(12, 0))
    assert block.city == city
    entry = AuditLog.objects.get(action="account.block")
    assert entry.actor == officer
    assert entry.data["cancelled"] == [family["issued"].number]
    assert entry.data["terminated"] == [family["enrolled"].number]
    assert AuditLog.objects.filter(action="referral.cancelled").exists()
    assert AuditLog.objects.filter(action="referral.terminate").exists()


def test_it_does_everything_or_nothing(family, parent, officer, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("the gateway of the kindergarten fell over")

    monkeypatch.setattr("accounts.services.blocks.sessions_end", boom)
    with time_machine.travel(BLOCKED, tick=False), pytest.raises(RuntimeError):
        account_block(user=parent, reason=REASON, by=officer)
    assert not AccountBlock.objects.exists()
    assert Referral.objects.get(pk=family["issued"].pk).state == Referral.State.ISSUED
    assert Referral.objects.get(pk=family["enrolled"].pk).state == Referral.State.ENROLLED


def test_issue13_a_failing_placement_receiver_rolls_the_block_back(family, parent, officer, monkeypatch):
    """The referrals end through accounts.signals.account_blocked, inside the block's transaction."""

    def boom(**kwargs):
        raise RuntimeError("the enrolment contract could not be terminated")

    monkeypatch.setattr("placement.services.account_blocks.referral_terminate", boom)
    with time_machine.travel(BLOCKED, tick=False), pytest.raises(RuntimeError):
        account_block(user=parent, reason=REASON, by=officer)
    assert not AccountBlock.objects.exists()
    assert Referral.objects.get(pk=family["issued"].pk).state == Referral.State.ISSUED
    assert Referral.objects.get(pk=family["enrolled"].pk).state == Referral.State.ENROLLED


def test_issue13_the_preview_names_the_referrals_the_block_would_end(family, parent, child):
    from accounts.services.blocks import account_block_preview

    preview = account_block_preview(user=parent)
    assert preview.referrals_issued == [family["issued"].number]
    assert preview.referrals_enrolled == [family["enrolled"].number]
    assert child in preview.children and len(preview.children) == 2


def test_it_ends_the_parents_sessions(family, parent, officer):
    browser = Client()
    with time_machine.travel(BLOCKED - dt.timedelta(minutes=5), tick=False):
        browser.post("/en/accounts/login/", {"username": "aigerim", "password": "pass-for-tests"})
    assert Session.objects.count() == 1
    with time_machine.travel(BLOCKED, tick=False):
        account_block(user=parent, reason=REASON, by=officer)
        assert Session.objects.count() == 0
        assert browser.get("/en/accounts/children/").status_code == 302


def test_it_refuses_login_with_the_end_date_until_the_block_ends(block, parent):
    with time_machine.travel(BLOCKED + dt.timedelta(days=30), tick=False):
        response = Client().post("/ru/accounts/login/", {"username": "900515400123", "password": "pass-for-tests"})
        assert response.status_code == 200
        assert b"06.12.2024" in response.content
        assert REASON.encode() in response.content
        assert AuditLog.objects.filter(action="login.refused_blocked").exists()
    with time_machine.travel(block.ends_at + dt.timedelta(minutes=1), tick=False):
        response = Client().post("/ru/accounts/login/", {"username": "900515400123", "password": "pass-for-tests"})
        assert response.status_code == 302


def test_it_shows_a_blocked_session_only_the_reason_and_the_end_date(block, parent):
    browser = Client()
    with time_machine.travel(BLOCKED + dt.timedelta(hours=1), tick=False):
        browser.force_login(parent)
        for path in ["/en/", "/en/accounts/children/", "/en/cabinet/", "/en/vacancies/"]:
            response = browser.get(path)
            assert response.status_code == 423, path
            assert b"06.12.2024" in response.content and REASON.encode() in response.content
        page = browser.get("/en/accounts/blocked/")
        assert page.status_code == 200
        assert b'data-testid="block-ends">06.12.2024<' in page.content
        api = browser.get("/api/v1/me/")
        assert api.status_code == 423
        assert api.json()["code"] == "account_blocked"
        assert "06.12.2024" in api.json()["detail"]
        assert browser.post("/en/accounts/logout/").status_code == 302


def test_it_stops_the_parent_acting_for_the_children(block, parent, child):
    from accounts.scoping import can_act_for_child
    from placement.scoping import children_of

    with time_machine.travel(BLOCKED + dt.timedelta(hours=1), tick=False):
        assert not can_act_for_child(parent, child)
        assert list(children_of(parent)) == []


def test_it_lets_only_the_citys_officer_block(family, parent, outsider, staff_a):
    for actor in (outsider, staff_a):
        with pytest.raises(ServiceError) as error:
            account_block(user=parent, reason=REASON, by=actor)
        assert error.value.status == 403
    assert not AccountBlock.objects.exists()


def test_it_refuses_a_block_without_reason_or_twice(block, parent, officer):
    with pytest.raises(ServiceError, match="reason_required"):
        account_block(user=parent, reason=" ", by=officer)
    with (
        time_machine.travel(BLOCKED + dt.timedelta(hours=1), tick=False),
        pytest.raises(ServiceError, match="already_blocked"),
    ):
        account_block(user=parent, reason=REASON, by=officer)


def test_it_lifts_a_block_and_logs_why(block, parent, officer, outsider):
    with time_machine.travel(BLOCKED + dt.timedelta(days=1), tick=False):
        with pytest.raises(ServiceError, match="not_your_city"):
            account_block_lift(block=block, reason="Appeal won", by=outsider)
        account_block_lift(block=block, reason="Appeal won", by=officer)
        entry = AuditLog.objects.get(action="account.block_lift")
        assert entry.actor == officer and entry.data["reason"] == "Appeal won"
        response = Client().post("/en/accounts/login/", {"username": "aigerim", "password": "pass-for-tests"})
        assert response.status_code == 302
        with pytest.raises(ServiceError, match="block_not_active"):
            account_block_lift(block=block, reason="again", by=officer)


def test_it_blocks_from_the_flag_page_and_closes_the_flag(client, family, parent, officer, city):
    flag = AccountFlag.objects.create(
        user=parent, city=city, networks=4, devices=1, threshold=3, evidence=[], created_at=BLOCKED, updated_at=BLOCKED
    )
    client.force_login(officer)
    with time_machine.travel(BLOCKED, tick=False):
        response = client.post(
            f"/en/department/temirtau/flags/{flag.pk}/block/", {"reason": REASON, "confirmed": "yes"}
        )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.state == AccountFlag.State.BLOCKED
    assert AccountBlock.objects.get(user=parent).reason == REASON


def test_it_blocks_by_iin_and_lifts_on_the_blocks_page(client, family, parent, officer):
    client.force_login(officer)
    with time_machine.travel(BLOCKED, tick=False):
        client.post("/en/department/temirtau/blocks/", {"iin": parent.iin, "reason": REASON, "confirmed": "yes"})
        block = AccountBlock.objects.get(user=parent)
        page = client.get("/en/department/temirtau/blocks/")
        assert f'data-block="{block.pk}"'.encode() in page.content
        client.post(f"/en/department/temirtau/blocks/{block.pk}/lift/", {"reason": "Mistaken identity"})
    block.refresh_from_db()
    assert block.lifted_by == officer


def test_it_counts_months_on_the_astana_calendar():
    assert add_months(at_local(dt.date(2024, 8, 31), dt.time(9)), 6) == at_local(dt.date(2025, 2, 28), dt.time(9))
    assert add_months(at_local(dt.date(2023, 12, 15), dt.time(9)), 6) == at_local(dt.date(2024, 6, 15), dt.time(9))


def test_issue12_it_asks_before_blocking_and_says_what_the_block_takes(client, family, parent, officer, city):
    flag = AccountFlag.objects.create(
        user=parent, city=city, networks=4, devices=1, threshold=3, evidence=[], created_at=BLOCKED, updated_at=BLOCKED
    )
    client.force_login(officer)
    url = f"/ru/department/temirtau/flags/{flag.pk}/block/"
    with time_machine.travel(BLOCKED, tick=False):
        response = client.post(url, {"reason": REASON})
        page = response.content.decode()
        assert response.status_code == 200
        assert parent.iin in page and "6 месяцев" in page
        issued = Referral.objects.filter(state="issued").values_list("number", flat=True)
        assert all(number in page for number in issued)
        assert not AccountBlock.objects.filter(user=parent).exists()
        # Confirmed without a reason: the same page says what is missing, nothing is blocked.
        response = client.post(url, {"reason": " ", "confirmed": "yes"})
        assert response.status_code == 200 and 'class="field__error"' in response.content.decode()
        assert not AccountBlock.objects.filter(user=parent).exists()
        client.post(url, {"reason": REASON, "confirmed": "yes"})
    assert AccountBlock.objects.get(user=parent).reason == REASON


def test_issue12_blocking_by_iin_asks_first(client, family, parent, officer):
    client.force_login(officer)
    with time_machine.travel(BLOCKED, tick=False):
        response = client.post("/en/department/temirtau/blocks/", {"iin": parent.iin, "reason": REASON})
        assert response.status_code == 200 and "Block this cabinet?" in response.content.decode()
        assert not AccountBlock.objects.filter(user=parent).exists()


def test_issue12_the_block_and_termination_texts_speak_each_readers_language(block, outbox, staff_b, parent):
    # The parent's language is kk by default; staff_b reads Russian if they chose it.
    to_parent = next(message for message in outbox if message.to == parent.phone)
    assert "бұғатталған" in to_parent.body and "Reason" not in to_parent.body
    staff_sms = [message for message in outbox if message.to == staff_b.phone and message.channel == "sms"]
    assert staff_sms and "is terminated" not in staff_sms[0].body


def test_issue12_the_423_detail_is_in_the_pages_language(block, parent):
    browser = Client()
    with time_machine.travel(BLOCKED + dt.timedelta(hours=1), tick=False):
        browser.force_login(parent)
        detail = browser.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="ru").json()["detail"]
        assert "заблокирован до 06.12.2024" in detail
        page = browser.get("/kk/cabinet/").content.decode()
        assert "06.12.2024" in page
