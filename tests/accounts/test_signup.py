"""R-A-2 sign-up: an adult's valid IIN, a phone confirmed by a one-time SMS code, Django's password rules."""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import translation
from django.utils.html import escape

from accounts.models import AuditLog, PhoneCode, User
from accounts.services.codes import phone_code_send, phone_code_verify
from accounts.services.signup import IIN_MESSAGES
from indigo.errors import ServiceError
from tests.accounts.conftest import adult_iin
from tests.factories import valid_iin

pytestmark = pytest.mark.django_db

PASSWORD = "Balapan-2024-kokte"


def form(**changes):
    data = {
        "iin": adult_iin(),
        "last_name": "Серікова",
        "first_name": "Дана",
        "phone": "+7 701 555 12 34",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(changes)
    return data


def code_in(outbox) -> str:
    return re.search(r"\b(\d{6})\b", outbox[-1].body).group(1)


@pytest.fixture
def send(client, outbox, eager_celery, django_capture_on_commit_callbacks):
    """POST and run the after-commit SMS tasks, as a real request would."""

    def post(path, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data)

    return post


def test_it_signs_up_a_parent_with_a_confirmed_phone(client, send, outbox, city):
    response = send("/en/accounts/signup/", form(iin="900515412345"))
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/signup/confirm/"
    [sms] = outbox
    assert sms.channel == "sms" and sms.to == "+77015551234"
    assert not User.objects.filter(iin="900515412345").exists()

    response = send("/en/accounts/signup/confirm/", {"code": code_in(outbox)})
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/children/add/"
    user = User.objects.get(iin="900515412345")
    assert user.role == User.Role.PARENT
    assert user.phone == "+77015551234"
    assert user.phone_confirmed_at is not None
    assert user.check_password(PASSWORD)
    assert AuditLog.objects.filter(action="account.signup", actor=user).exists()
    assert client.get("/en/accounts/children/").status_code == 200


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.parametrize(
    ("iin", "message"),
    [
        ("900515412346", IIN_MESSAGES["checksum"]),
        ("90051541234", IIN_MESSAGES["format"]),
    ],
)
def test_it_refuses_a_bad_iin_in_the_readers_language(client, language, iin, message):
    response = client.post(f"/{language}/accounts/signup/", form(iin=iin))
    assert response.status_code == 200
    with translation.override(language):
        assert escape(str(message)).encode() in response.content
    assert not PhoneCode.objects.exists()


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_it_refuses_a_minor(client, language):
    minor = valid_iin(dt.date(2010, 2, 1), "M")
    response = client.post(f"/{language}/accounts/signup/", form(iin=minor))
    with translation.override(language):
        expected = str(translation.gettext("A legal representative must be at least %(age)s years old.")) % {"age": 18}
    assert escape(expected).encode() in response.content
    assert not PhoneCode.objects.exists()


def test_it_takes_an_adult_from_their_18th_birthday(client, outbox):
    iin = valid_iin(dt.date(2006, 6, 3), "F")
    with time_machine.travel(dt.datetime(2024, 6, 2, 12, tzinfo=dt.UTC)):
        assert b"at least 18" in client.post("/en/accounts/signup/", form(iin=iin)).content
    with time_machine.travel(dt.datetime(2024, 6, 3, 12, tzinfo=dt.UTC)):
        assert client.post("/en/accounts/signup/", form(iin=iin)).status_code == 302


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_it_never_makes_a_duplicate_and_never_says_so(client, parent, language):
    # Issue 14, item 4 (tests/accounts/test_account_enumeration.py): the same answer as a new sign-up.
    response = client.post(f"/{language}/accounts/signup/", form(iin=parent.iin, phone=parent.phone))
    assert response.status_code == 302
    with translation.override(language):
        iin_taken = translation.gettext("An account with this IIN already exists. Sign in or restore your password.")
    assert escape(iin_taken).encode() not in client.get(f"/{language}/accounts/signup/confirm/").content
    assert client.post(f"/{language}/accounts/signup/confirm/", {"code": "123456"}).status_code == 200
    assert User.objects.filter(iin=parent.iin).count() == 1


def test_it_applies_djangos_password_rules(client):
    response = client.post("/en/accounts/signup/", form(password1="12345678", password2="12345678"))
    assert b"This password is entirely numeric." in response.content
    response = client.post("/en/accounts/signup/", form(password2="something-else-entirely"))
    assert b"The two passwords differ." in response.content


def test_it_refuses_a_phone_that_is_not_kazakh(client):
    response = client.post("/en/accounts/signup/", form(phone="+1 202 555 0101"))
    assert b"Give a Kazakh mobile number" in response.content


def test_it_stores_only_a_hash_of_the_code(outbox, django_capture_on_commit_callbacks, eager_celery, db):
    with django_capture_on_commit_callbacks(execute=True):
        code = phone_code_send(phone="+77015551234", purpose="signup")
    raw = code_in(outbox)
    assert raw not in code.code_hash and len(code.code_hash) == 64
    assert raw not in str(PhoneCode.objects.values().get())


def test_it_lets_a_code_expire(db, outbox, django_capture_on_commit_callbacks, eager_celery):
    sent_at = dt.datetime(2024, 6, 3, 5, 0, tzinfo=dt.UTC)
    with time_machine.travel(sent_at, tick=False), django_capture_on_commit_callbacks(execute=True):
        phone_code_send(phone="+77015551234", purpose="signup")
    raw = code_in(outbox)
    late = sent_at + dt.timedelta(minutes=5, seconds=1)
    with time_machine.travel(late, tick=False), pytest.raises(ServiceError) as error:
        phone_code_verify(phone="+77015551234", purpose="signup", code=raw)
    assert error.value.code == "code_expired"


def test_it_never_accepts_a_code_twice(db, outbox, django_capture_on_commit_callbacks, eager_celery):
    with django_capture_on_commit_callbacks(execute=True):
        phone_code_send(phone="+77015551234", purpose="signup")
    raw = code_in(outbox)
    phone_code_verify(phone="+77015551234", purpose="signup", code=raw)
    with pytest.raises(ServiceError) as error:
        phone_code_verify(phone="+77015551234", purpose="signup", code=raw)
    assert error.value.code == "code_missing"


def test_it_stops_guessing_after_five_wrong_codes(db, outbox, django_capture_on_commit_callbacks, eager_celery):
    with django_capture_on_commit_callbacks(execute=True):
        phone_code_send(phone="+77015551234", purpose="signup")
    raw = code_in(outbox)
    wrong = f"{(int(raw) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(ServiceError, match="code_wrong"):
            phone_code_verify(phone="+77015551234", purpose="signup", code=wrong)
    with pytest.raises(ServiceError, match="code_attempts"):
        phone_code_verify(phone="+77015551234", purpose="signup", code=raw)


def test_it_limits_resends(db, outbox):
    start = dt.datetime(2024, 6, 3, 5, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        phone_code_send(phone="+77015551234", purpose="signup")
        with pytest.raises(ServiceError, match="code_resend_too_soon") as error:
            phone_code_send(phone="+77015551234", purpose="signup")
        assert error.value.status == 429
    for minutes in (2, 4):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            phone_code_send(phone="+77015551234", purpose="signup")
    with (
        time_machine.travel(start + dt.timedelta(minutes=6), tick=False),
        pytest.raises(ServiceError, match="code_resend_limit"),
    ):
        phone_code_send(phone="+77015551234", purpose="signup")
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        phone_code_send(phone="+77015551234", purpose="signup")


def test_it_makes_an_older_code_useless_once_a_new_one_is_sent(
    db, outbox, django_capture_on_commit_callbacks, eager_celery
):
    start = dt.datetime(2024, 6, 3, 5, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        phone_code_send(phone="+77015551234", purpose="signup")
    first = code_in(outbox)
    with time_machine.travel(start + dt.timedelta(minutes=2), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            phone_code_send(phone="+77015551234", purpose="signup")
        second = code_in(outbox)
        if first != second:
            with pytest.raises(ServiceError):
                phone_code_verify(phone="+77015551234", purpose="signup", code=first)
        phone_code_verify(phone="+77015551234", purpose="signup", code=second)


def test_it_resends_from_the_confirm_page_and_says_when_it_is_too_soon(client, send, outbox):
    send("/en/accounts/signup/", form())
    response = send("/en/accounts/signup/confirm/", {"action": "resend"})
    assert response.status_code == 302
    assert len(outbox) == 1
    page = client.get("/en/accounts/signup/confirm/")
    assert b"A code was just sent" in page.content


def test_it_sends_the_code_in_the_signup_language(send, outbox):
    send("/ru/accounts/signup/", form())
    with translation.override("ru"):
        expected = translation.gettext(
            "Indigo: %(code)s is your sign-up code. Valid %(minutes)s min. Tell it to no one."
        )
    assert outbox[0].body == expected % {"code": code_in(outbox), "minutes": 5}


def test_it_rate_limits_code_requests_from_one_address(db, settings, rf):
    settings.PHONE_CODE_IP_RATE = "2/h"
    request = rf.post("/", REMOTE_ADDR="10.0.0.9")
    phone_code_send(phone="+77015550001", purpose="signup", request=request)
    phone_code_send(phone="+77015550002", purpose="signup", request=request)
    with pytest.raises(ServiceError) as error:
        phone_code_send(phone="+77015550003", purpose="signup", request=request)
    assert error.value.status == 429 and error.value.code == "rate_limited"
