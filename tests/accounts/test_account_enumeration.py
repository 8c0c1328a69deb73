"""Issue 14, item 4: nothing tells who has an account.

Sign-up with an IIN or phone that already has an account, and a password reset for details that name
no account, answer exactly as the real thing: the same pages, the same words, the same limits and
the same reply to a code. The real owner is still helped: a reset code reaches only the account's own
phone, and the owner of a taken IIN or phone hears by SMS that someone tried.
"""

import re

import pytest
from django.test import Client

from accounts.models import AuditLog, User
from tests.accounts.conftest import adult_iin

pytestmark = pytest.mark.django_db

PASSWORD = "Balapan-2024-kokte"
WRONG = {"code": "000000", "password1": "Zhana-kupia-soz-77", "password2": "Zhana-kupia-soz-77"}


@pytest.fixture
def post(outbox, eager_celery, django_capture_on_commit_callbacks):
    """POST and run the after-commit SMS tasks, as a real request would."""

    def send(client, path, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data)

    return send


def signup(iin: str, phone: str) -> dict:
    return {
        "iin": iin,
        "last_name": "Серікова",
        "first_name": "Дана",
        "phone": phone,
        "password1": PASSWORD,
        "password2": PASSWORD,
    }


def page_text(response, *hide: str) -> str:
    """The page's words without the CSRF token and the details the asker typed."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    text = re.sub(r'"X-CSRFToken": "[^"]+"', "", text)
    for value in hide:
        text = text.replace(value, "…")
    return text


def test_it_answers_sign_up_with_a_taken_iin_as_with_a_new_one(post, outbox, parent):
    new, taken = Client(), Client()
    fresh = post(new, "/en/accounts/signup/", signup(adult_iin(), "+7 701 555 12 34"))
    again = post(taken, "/en/accounts/signup/", signup(parent.iin, "+7 701 555 43 21"))
    assert fresh.status_code == again.status_code == 302
    assert fresh["Location"] == again["Location"] == "/en/accounts/signup/confirm/"
    confirm_new = new.get("/en/accounts/signup/confirm/")
    confirm_taken = taken.get("/en/accounts/signup/confirm/")
    assert page_text(confirm_new, "+77015551234") == page_text(confirm_taken, "+77015554321")
    assert b"If this IIN and phone can open a new account" in confirm_taken.content

    # The new phone gets its code; the typed phone of the taken IIN gets nothing; the owner is told.
    by_phone = {sms.to: sms.body for sms in outbox}
    assert set(by_phone) == {"+77015551234", parent.phone}
    assert re.search(r"\b\d{6}\b", by_phone["+77015551234"])
    assert not re.search(r"\b\d{6}\b", by_phone[parent.phone])
    assert AuditLog.objects.filter(action="account.signup_attempt_on_taken", object_id=str(parent.pk)).exists()

    # A wrong code has the same answer; no code can finish the sign-up of the taken IIN.
    wrong_new = post(new, "/en/accounts/signup/confirm/", {"code": "000000"})
    wrong_taken = post(taken, "/en/accounts/signup/confirm/", {"code": "000000"})
    assert page_text(wrong_new, "+77015551234") == page_text(wrong_taken, "+77015554321")
    assert User.objects.filter(iin=parent.iin).count() == 1


def test_it_answers_sign_up_with_a_taken_phone_as_with_a_new_one(post, outbox, parent):
    response = post(Client(), "/ru/accounts/signup/", signup(adult_iin(), "8 701 000 00 01"))
    assert response.status_code == 302
    [notice] = outbox
    assert notice.to == parent.phone
    assert "номер" in notice.body or "нөмір" in notice.body
    assert not re.search(r"\b\d{6}\b", notice.body)


def test_it_tells_the_owner_of_a_taken_iin_at_most_a_few_times_a_day(post, outbox, parent):
    for n in range(6):
        post(Client(), "/en/accounts/signup/", signup(parent.iin, f"+7 701 555 00 {10 + n}"))
    assert [sms.to for sms in outbox] == [parent.phone] * 3


@pytest.mark.parametrize(
    ("known", "unknown"),
    [("900515400123", "880101300123"), ("+77010000001", "+77019999999"), ("aigerim", "aigerim-not")],
    ids=["iin", "phone", "login"],
)
def test_it_answers_a_password_reset_for_an_unknown_account_as_for_a_known_one(post, outbox, parent, known, unknown):
    answers = []
    for identifier in (known, unknown):
        client = Client()
        first = post(client, "/en/accounts/password-reset/", {"identifier": identifier})
        confirm = client.get("/en/accounts/password-reset/confirm/")
        wrong = post(client, "/en/accounts/password-reset/confirm/", WRONG)
        too_soon = post(client, "/en/accounts/password-reset/", {"identifier": identifier})
        answers.append(
            (
                first.status_code,
                first["Location"],
                page_text(confirm),
                page_text(wrong),
                page_text(too_soon, identifier),
            )
        )
    assert answers[0] == answers[1]
    assert b"The code is not right" in wrong.content
    assert b"A code was just sent" in too_soon.content
    # Only the real account's own phone got a code.
    assert [sms.to for sms in outbox] == [parent.phone]


def test_it_limits_password_resets_the_same_for_known_and_unknown_accounts(post, settings, parent):
    settings.PHONE_CODE_RESEND_SECONDS = 0
    for identifier in ("900515400123", "880101300123"):
        client = Client()
        codes = [post(client, "/en/accounts/password-reset/", {"identifier": identifier}) for _ in range(4)]
        assert [r.status_code for r in codes] == [302, 302, 302, 200]
        assert b"Too many codes were sent" in codes[-1].content


def test_it_rate_limits_sign_up_by_address_whatever_it_names(post, outbox, parent):
    client = Client()
    for n in range(20):
        iin = parent.iin if n % 2 else adult_iin()
        post(client, "/en/accounts/signup/", signup(iin, f"+7 702 555 {n:02d} 00"))
    outbox.clear()
    refused = post(client, "/en/accounts/signup/", signup(adult_iin(), "+7 702 555 99 00"))
    assert b"Too many requests" in refused.content
    assert outbox == []


def test_it_still_resets_a_real_users_password(post, outbox, parent):
    client = Client()
    post(client, "/en/accounts/password-reset/", {"identifier": "900515400123"})
    code = re.search(r"\b(\d{6})\b", outbox[-1].body).group(1)
    new = "Zhana-kupia-soz-77"
    response = post(client, "/en/accounts/password-reset/confirm/", {"code": code, "password1": new, "password2": new})
    assert response.status_code == 302
    parent.refresh_from_db()
    assert parent.check_password(new)
